using System.Globalization;
using CsvHelper;
using CsvHelper.Configuration;
using PerfSim.IO.Config;

namespace PerfSim.IO.Calibration;

/// <summary>
/// Reads a published table: CSV with a header naming <c>benchmark</c>, <c>config</c> and one value column,
/// <c>value_us</c> (microseconds per operation) or <c>value_cycles</c> (CPU cycles), and optionally <c>table</c> (the
/// paper's table number) and <c>note</c>, in any order. Every bad row is reported with its file and line.
/// </summary>
public static class PublishedTable
{
    private static readonly string[] Known = ["table", "benchmark", "config", "value_us", "value_cycles", "note"];

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
        const string expected = "benchmark, config and value_us or value_cycles (table and note optional)";
        if (!csv.Read() || !csv.ReadHeader())
        {
            throw new ConfigException(new ConfigError(path, 1, null, "empty file: expected a header with " + expected));
        }
        var header = csv.HeaderRecord ?? [];
        foreach (var h in header.Where(h => !Known.Contains(h)))
        {
            errors.Add(new ConfigError(path, 1, h, $"unknown column '{h}': the header has {expected}"));
        }
        var values = header.Where(h => h is "value_us" or "value_cycles").ToList();
        if (values.Count != 1 || !header.Contains("benchmark") || !header.Contains("config") || header.Distinct().Count() != header.Length)
        {
            errors.Add(new ConfigError(path, 1, null, $"header is '{string.Join(',', header)}': expected {expected}, each once"));
        }
        if (errors.Count > 0)
        {
            throw new ConfigException(errors);
        }
        var unit = values[0] == "value_us" ? "us" : "cycles";
        int Col(string name) => Array.IndexOf(header, name);
        var (tableCol, benchCol, configCol, valueCol) = (Col("table"), Col("benchmark"), Col("config"), Col(values[0]));
        while (csv.Read())
        {
            var line = csv.Parser.RawRow;
            if (csv.Parser.Count != header.Length)
            {
                errors.Add(new ConfigError(path, line, null, $"expected {header.Length} fields, found {csv.Parser.Count}"));
                continue;
            }
            var text = csv.GetField(valueCol) ?? "";
            if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) || v <= 0 || !double.IsFinite(v))
            {
                errors.Add(new ConfigError(path, line, values[0], $"'{text}' is not a positive number"));
                continue;
            }
            var benchmark = csv.GetField(benchCol) ?? "";
            var config = csv.GetField(configCol) ?? "";
            if (benchmark.Length == 0 || config.Length == 0)
            {
                errors.Add(new ConfigError(path, line, benchmark.Length == 0 ? "benchmark" : "config", "empty"));
                continue;
            }
            if (cells.Any(c => c.Benchmark == benchmark && c.Config == config))
            {
                errors.Add(new ConfigError(path, line, "config", $"a second value for {benchmark} under {config}"));
                continue;
            }
            cells.Add(new PublishedCell(tableCol < 0 ? "" : csv.GetField(tableCol)!, benchmark, config, v, path, line, unit));
        }
        if (errors.Count > 0)
        {
            throw new ConfigException(errors);
        }
        return cells;
    }

    /// <summary>The cells in microseconds: a table in cycles is converted at the machine's clock (the fits work in microseconds).</summary>
    public static IReadOnlyList<PublishedCell> InMicroseconds(IReadOnlyList<PublishedCell> cells, long frequencyMhz) =>
        cells.Select(c => c.Unit == "cycles" ? c with { Value = c.Value / frequencyMhz, Unit = "us" } : c).ToList();

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
