using System.Globalization;
using MathNet.Numerics.Statistics;
using PerfSim.Core.Simulation;
using PerfSim.Core.Workloads;
using PerfSim.IO.Config;

namespace PerfSim.IO.Calibration;

/// <summary>
/// One published cell next to the model's prediction of it. <see cref="ErrorPct"/> is the error of the absolute value for
/// the baseline (native) configuration and of the ratio to native for every other one.
/// </summary>
public sealed record ValidationRow(
    string Source, string Table, string Benchmark, string Config, string Scenario, double Published, double Predicted, string Unit,
    double RatioPublished, double RatioPredicted, bool IsBaseline)
{
    public double ErrorPct => IsBaseline ? 100 * (Predicted - Published) / Published : 100 * (RatioPredicted - RatioPublished) / RatioPublished;
}

/// <summary>How well one table is predicted.</summary>
/// <param name="NativeMedianPct">Median |error| of the baseline cells' absolute values.</param>
/// <param name="RatioMedianPct">Median |error| of the other cells' ratios to native.</param>
/// <param name="Spearman">Per benchmark with three or more configurations: Spearman's rank correlation of predicted and published times.</param>
/// <param name="PerConfig">Each non-baseline configuration's median |error| of the ratio to native.</param>
/// <param name="OrderViolations">Pairs of the mapping's <c>order</c> configurations whose order within a benchmark's row the model gets wrong (<see cref="ColumnComparison"/>'s rule).</param>
/// <param name="AllOrderViolations">The same over every configuration of the table.</param>
public sealed record ValidationSummary(
    string Table, string Source, int Cells,
    double NativeMedianPct, ValidationRow? NativeWorst,
    double RatioMedianPct, ValidationRow? RatioWorst,
    IReadOnlyList<(string Config, double MedianPct)> PerConfig,
    IReadOnlyList<(string Benchmark, double Rho)> Spearman, int Rows, IReadOnlyList<string> OrderConfigs,
    IReadOnlyList<string> OrderViolations, IReadOnlyList<string> AllOrderViolations)
{
    public double MeanSpearman => Spearman.Count == 0 ? double.NaN : Spearman.Average(s => s.Rho);

    public int RowsInOrder => Rows - RowsOf(OrderViolations);

    public int RowsInOrderAll => Rows - RowsOf(AllOrderViolations);

    private static int RowsOf(IEnumerable<string> violations) => violations.Select(v => v[..v.IndexOf(':', StringComparison.Ordinal)]).Distinct().Count();
}

/// <summary>Runs every mapped scenario of a published table and compares (<c>perfsim validate</c>).</summary>
public static class Validator
{
    public static (IReadOnlyList<ValidationRow> Rows, ValidationSummary Summary) Run(ValidationMapping mapping, ConfigCatalog catalog, ulong seed)
    {
        var cells = PublishedTable.Load(mapping.TablePath).Where(c => !mapping.Skip.ContainsKey(c.Benchmark)).ToList();
        if (cells.Count == 0)
        {
            throw new ConfigException(new ConfigError(mapping.TablePath, null, null, $"no cells to validate: every benchmark is skipped in {mapping.File}"));
        }
        mapping.Check(cells, Lmbench.All.Select(w => w.Name).ToHashSet());
        var machine = catalog.LoadMachine(mapping.Machine);
        var kernel = catalog.LoadKernel(mapping.Kernel ?? machine.DefaultKernel);
        var configs = mapping.Configs.ToDictionary(c => c.Name);
        var designs = mapping.Configs.Select(c => c.Design).Distinct().ToDictionary(d => d, catalog.LoadDesign);
        // One scenario per benchmark and configuration (the baseline's too), run in parallel, collected in table order.
        var jobs = cells.Select(c => (c.Benchmark, c.Config))
            .Concat(cells.Select(c => (c.Benchmark, Config: mapping.Baseline)))
            .Distinct().ToArray();
        var predicted = jobs.AsParallel().AsOrdered().Select(j =>
        {
            var m = configs[j.Config];
            var r = ScenarioRunner.Run(new ResolvedConfig(machine, kernel, designs[m.Design], m.Cpus, seed), Lmbench.Find(mapping.WorkloadOf(j.Benchmark)!)!, new WorkloadOptions());
            return cells[0].Unit == "cycles" ? r.CyclesPerIter : r.MicrosecondsPerIter;
        }).ToArray();
        double Predicted(string benchmark, string config) => predicted[Array.IndexOf(jobs, (benchmark, config))];
        var rows = new List<ValidationRow>();
        foreach (var c in cells)
        {
            var m = configs[c.Config];
            var basePublished = cells.Single(b => b.Benchmark == c.Benchmark && b.Config == mapping.Baseline).Value;
            var p = Predicted(c.Benchmark, c.Config);
            var scenario = string.Create(CultureInfo.InvariantCulture, $"{mapping.WorkloadOf(c.Benchmark)}/{m.Design}/{machine.Name}/{m.Cpus}cpu");
            rows.Add(new ValidationRow(mapping.Source, mapping.Name + (c.Table.Length > 0 ? "#" + c.Table : ""), c.Benchmark, c.Config, scenario,
                c.Value, p, c.Unit, c.Value / basePublished, p / Predicted(c.Benchmark, mapping.Baseline), c.Config == mapping.Baseline));
        }
        return (rows, Summarize(mapping, rows));
    }

    public static ValidationSummary Summarize(ValidationMapping mapping, IReadOnlyList<ValidationRow> rows)
    {
        var native = rows.Where(r => r.IsBaseline).ToList();
        var others = rows.Where(r => !r.IsBaseline).ToList();
        static double Median(IEnumerable<ValidationRow> rs) => rs.Select(r => Math.Abs(r.ErrorPct)).DefaultIfEmpty(double.NaN).Median();
        static ValidationRow? Worst(IEnumerable<ValidationRow> rs) => rs.OrderByDescending(r => Math.Abs(r.ErrorPct)).FirstOrDefault();
        var spearman = new List<(string, double)>();
        var violations = new List<string>();
        var allViolations = new List<string>();
        var design = mapping.Configs.ToDictionary(c => c.Name, c => c.Design);
        var benchmarks = rows.Select(r => r.Benchmark).Distinct().ToList();
        foreach (var b in benchmarks)
        {
            var row = rows.Where(r => r.Benchmark == b).ToList();
            if (row.Count >= 3)
            {
                spearman.Add((b, Correlation.Spearman(row.Select(r => r.Published), row.Select(r => r.Predicted))));
            }
            List<ComparedCell> Compared(Func<ValidationRow, bool> which) =>
                row.Where(r => !r.IsBaseline && which(r)).Select(r => new ComparedCell(r.Config, design[r.Config], r.RatioPublished, r.RatioPredicted)).ToList();
            violations.AddRange(ColumnComparison.OrderViolations(b, Compared(r => mapping.Order.Contains(r.Config))));
            allViolations.AddRange(ColumnComparison.OrderViolations(b, Compared(_ => true)));
        }
        var perConfig = mapping.Configs.Where(c => c.Name != mapping.Baseline)
            .Select(c => (c.Name, Median(others.Where(r => r.Config == c.Name)))).ToList();
        return new ValidationSummary(mapping.Name, mapping.Source, rows.Count, Median(native), Worst(native), Median(others), Worst(others),
            perConfig, spearman, benchmarks.Count, mapping.Order, violations, allViolations);
    }

    /// <summary>validation.csv: one row per cell, in table order, numbers in the invariant culture.</summary>
    public static string Csv(IEnumerable<ValidationRow> rows)
    {
        var inv = CultureInfo.InvariantCulture;
        string[] columns = ["source", "table", "benchmark", "config", "scenario", "published", "predicted", "unit", "ratio_published", "ratio_predicted", "error_pct"];
        var cells = rows.Select(r => (IReadOnlyList<string>)
        [
            r.Source, r.Table, r.Benchmark, r.Config, r.Scenario, r.Published.ToString("R", inv), r.Predicted.ToString("F4", inv), r.Unit,
            r.RatioPublished.ToString("F4", inv), r.RatioPredicted.ToString("F4", inv), r.ErrorPct.ToString("F2", inv),
        ]).ToList();
        return PerfSim.IO.Output.CsvText.Write(new PerfSim.IO.Output.ResultTable(columns, cells));
    }

    public const string BeginMarker = "<!-- BEGIN GENERATED TABLES (Validator; do not edit by hand) -->";

    /// <summary>Each table's configurations, summary and cells as markdown (validation.md; docs/validation.md between the generated-section markers).</summary>
    public static string Markdown(IReadOnlyList<ValidationMapping> mappings, IReadOnlyList<ValidationSummary> summaries, IReadOnlyList<ValidationRow> rows)
    {
        var inv = CultureInfo.InvariantCulture;
        var sb = new System.Text.StringBuilder();
        for (var i = 0; i < mappings.Count; i++)
        {
            var m = mappings[i];
            sb.Append("### ").Append(m.Name).Append("\n\n").Append(m.Source).Append(". On ").Append(m.Machine).Append(": ").Append(m.Describe()).Append(".\n\n```\n")
                .Append(Format(summaries[i])).Append("```\n\n| benchmark | config | scenario | published | predicted | unit | ratio published | ratio predicted | error |\n|---|---|---|---:|---:|---|---:|---:|---:|\n");
            foreach (var r in rows.Where(r => r.Source == m.Source))
            {
                sb.Append(string.Create(inv, $"| {r.Benchmark} | {r.Config} | {r.Scenario} | {Number(r.Published)} | {Number(r.Predicted)} | {r.Unit} | {r.RatioPublished:F2} | {r.RatioPredicted:F2} | {r.ErrorPct:+0.0;-0.0}% |\n"));
            }
            sb.Append('\n');
        }
        return sb.ToString();
    }

    /// <summary>A value for people: thousands separated above 1,000, three significant digits below.</summary>
    private static string Number(double v) =>
        v >= 1000 ? v.ToString("N0", CultureInfo.InvariantCulture) : v.ToString(v >= 100 ? "F0" : v >= 10 ? "F1" : "F2", CultureInfo.InvariantCulture);

    /// <summary>The summary as the console prints it.</summary>
    public static string Format(ValidationSummary s)
    {
        var inv = CultureInfo.InvariantCulture;
        string Cell(ValidationRow? r) => r is null ? "-" : string.Create(inv, $"{r.ErrorPct:+0.0;-0.0}% ({r.Benchmark} {r.Config})");
        return string.Create(inv, $"{s.Table}: {s.Cells} cells ({s.Source})\n")
            + string.Create(inv, $"  native (absolute):   median |error| {s.NativeMedianPct:F1}%, worst {Cell(s.NativeWorst)}\n")
            + string.Create(inv, $"  ratio to native:     median |error| {s.RatioMedianPct:F1}%, worst {Cell(s.RatioWorst)}\n")
            + string.Concat(s.PerConfig.Select(c => string.Create(inv, $"    {c.Config + ":",-18} median |error| {c.MedianPct:F1}%\n")))
            + string.Create(inv, $"  Spearman per row:    mean {s.MeanSpearman:F2} over {s.Spearman.Count} row(s) with 3+ configurations\n")
            + string.Create(inv, $"  order right:         {s.RowsInOrder} of {s.Rows} rows ({string.Join(", ", s.OrderConfigs)})")
            + (s.OrderViolations.Count == 0 ? "\n" : "; wrong: " + string.Join("; ", s.OrderViolations) + "\n")
            + (s.OrderConfigs.Count == s.PerConfig.Count + 1 ? "" : string.Create(inv, $"  all configurations:  {s.RowsInOrderAll} of {s.Rows} rows")
                + (s.AllOrderViolations.Count == 0 ? "\n" : "; wrong: " + string.Join("; ", s.AllOrderViolations) + "\n"));
    }
}
