using System.CommandLine;
using System.Globalization;
using PerfSim.IO.Calibration;
using PerfSim.IO.Config;
using PerfSim.IO.Output;

namespace PerfSim.Cli;

/// <summary><c>perfsim validate [--table FILE]... [--seed N] [--out DIR]</c>: every mapped published cell against the model.</summary>
internal static class ValidateCommand
{
    public static Command Build(TextWriter stdout, TextWriter stderr)
    {
        var tables = new Option<string[]>("--table")
        {
            Description = "A mapping file (workloads/validation/NAME.json), or its table (NAME.csv, the mapping beside it); repeatable (default: every mapping in workloads/validation/).",
            AllowMultipleArgumentsPerToken = false,
        };
        var seed = new Option<ulong>("--seed") { Description = "Root seed of the run.", DefaultValueFactory = _ => 1UL };
        var outDir = new Option<string?>("--out") { Description = "Output folder (default results/validate-<UTC timestamp>/)." };
        var validate = new Command("validate", "Run the scenario of every cell of the published tables and write validation.csv, validation.md and validation.svg (predicted against published); print each table's errors, rank correlation and row order.")
        {
            tables, seed, outDir,
        };
        validate.SetAction(p => Validate(p.GetValue(tables) ?? [], p.GetValue(seed), p.GetValue(outDir), stdout, stderr));
        return validate;
    }

    /// <summary>A --table argument's mapping file: itself if it is one, else NAME.json beside the table.</summary>
    private static string MappingOf(string path) =>
        path.EndsWith(".json", StringComparison.Ordinal) ? path : Path.ChangeExtension(path, ".json");

    private static int Validate(string[] tables, ulong seed, string? outDir, TextWriter stdout, TextWriter stderr)
    {
        var catalog = ConfigCatalog.Locate();
        var files = tables.Length > 0
            ? tables.Select(MappingOf).ToList()
            : Directory.GetFiles(Path.Combine(catalog.WorkloadsDirectory, "validation"), "*.json").Order(StringComparer.Ordinal).ToList();
        if (files.Count == 0)
        {
            throw new UsageException($"no mapping files in {Path.Combine(catalog.WorkloadsDirectory, "validation")}");
        }
        var mappings = files.Select(ValidationMapping.Load).ToList();
        var all = new List<ValidationRow>();
        var summaries = new List<ValidationSummary>();
        foreach (var m in mappings)
        {
            stderr.WriteLine($"perfsim {CliApp.Version}: validating {m.Name} ({m.Describe()}) on {m.Machine}");
            var (rows, summary) = Validator.Run(m, catalog, seed);
            all.AddRange(rows);
            summaries.Add(summary);
            stdout.Write(Validator.Format(summary));
        }
        var dir = outDir ?? Path.Combine("results", "validate-" + DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture));
        Directory.CreateDirectory(dir);
        AtomicFile.WriteAllText(Path.Combine(dir, "validation.csv"), Validator.Csv(all));
        AtomicFile.WriteAllText(Path.Combine(dir, "validation.svg"), ValidationChart.Svg(all));
        AtomicFile.WriteAllText(Path.Combine(dir, "validation.md"),
            $"# Validation (perfsim {CliApp.Version}, seed {seed})\n\n![predicted against published](validation.svg)\n\n" + Validator.Markdown(mappings, summaries, all));
        stdout.WriteLine($"Results written to {dir}/ (validation.csv, validation.md, validation.svg)");
        return CliApp.Ok;
    }
}
