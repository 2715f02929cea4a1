using System.Globalization;
using CsvHelper;
using CsvHelper.Configuration;
using PerfSim.IO.Config;

namespace PerfSim.IO.Calibration;

/// <summary>Reads a published lmbench table: CSV with the columns <c>table,benchmark,config,value_us</c>.</summary>
public static class PublishedTable
{
    private static readonly string[] Columns = ["table", "benchmark", "config", "value_us"];

    public static IReadOnlyList<PublishedCell> Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new ConfigException(new ConfigError(path, null, null, "file not found"));
        }
        using var reader = new StreamReader(path);
        using var csv = new CsvReader(reader, new CsvConfiguration(CultureInfo.InvariantCulture) { DetectColumnCountChanges = true });
        var cells = new List<PublishedCell>();
        var errors = new List<ConfigError>();
        if (!csv.Read() || !csv.ReadHeader())
        {
            throw new ConfigException(new ConfigError(path, 1, null, "empty file: expected the header " + string.Join(',', Columns)));
        }
        var header = csv.HeaderRecord ?? [];
        if (!header.SequenceEqual(Columns))
        {
            throw new ConfigException(new ConfigError(path, 1, null, $"header is '{string.Join(',', header)}', expected '{string.Join(',', Columns)}'"));
        }
        while (csv.Read())
        {
            var line = csv.Parser.RawRow;
            if (csv.Parser.Count != Columns.Length)
            {
                errors.Add(new ConfigError(path, line, null, $"expected {Columns.Length} fields, found {csv.Parser.Count}"));
                continue;
            }
            var text = csv.GetField(3) ?? "";
            if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) || v <= 0 || !double.IsFinite(v))
            {
                errors.Add(new ConfigError(path, line, "value_us", $"'{text}' is not a positive number"));
                continue;
            }
            cells.Add(new PublishedCell(csv.GetField(0)!, csv.GetField(1)!, csv.GetField(2)!, v, path, line));
        }
        if (errors.Count > 0)
        {
            throw new ConfigException(errors);
        }
        return cells;
    }

    /// <summary>The lmbench summary column name → PerfSim workload.</summary>
    public static string? WorkloadOf(string benchmark) => benchmark switch
    {
        "null_call" => "null-call",
        "null_io" => "null-io",
        "stat" => "stat",
        "open_close" => "open-close",
        "slct_tcp" or "select_tcp" => "select-tcp",
        "sig_inst" => "sig-install",
        "sig_hndl" => "sig-handle",
        "fork_proc" => "fork",
        "exec_proc" => "exec",
        "sh_proc" => "sh",
        "mmap" or "mmap_lat" => "mmap",
        "prot_fault" => "prot-fault",
        "page_fault" => "page-fault",
        _ when benchmark.StartsWith("ctx_", StringComparison.Ordinal) || benchmark.StartsWith("create_", StringComparison.Ordinal)
            || benchmark.StartsWith("delete_", StringComparison.Ordinal) => benchmark.Replace('_', '-'),
        _ => null,
    };
}
