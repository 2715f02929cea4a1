using PerfSim.Core.Simulation;
using PerfSim.Core.Stats;

namespace PerfSim.IO.Output;

/// <summary>
/// Builds the rows of results.csv, breakdown.csv and counters.csv from scenario results. Pure: rows follow the
/// input order, numbers are formatted with InvariantCulture, and nothing depends on time or environment.
/// </summary>
public static class ResultTables
{
    /// <summary>The design name that overhead is measured against.</summary>
    public const string NativeDesign = "native";

    public static readonly IReadOnlyList<string> ResultsColumns =
    [
        "workload", "design", "machine", "cpus", "iterations", "cycles_per_iter", "us_per_iter",
        "overhead_vs_native", "kernel", "seed", "config_hash",
    ];

    public static readonly IReadOnlyList<string> BreakdownColumns =
        ["workload", "design", "machine", "cpus", "category", "cycles_per_iter"];

    public static readonly IReadOnlyList<string> CountersColumns =
        ["workload", "design", "machine", "cpus", "counter", "per_iter"];

    /// <summary>One row per scenario: totals, overhead versus native, and the run's seed and configuration hash.</summary>
    public static ResultTable Results(IReadOnlyList<ScenarioResult> results, RunInfo info)
    {
        ArgumentNullException.ThrowIfNull(info);
        var overheads = OverheadVsNative(results);
        var seed = NumberText.Integer(info.Seed);
        var rows = new List<IReadOnlyList<string>>(results.Count);
        for (var i = 0; i < results.Count; i++)
        {
            var r = results[i];
            rows.Add(
            [
                r.Workload, r.Design, r.Machine, NumberText.Integer(r.Cpus), NumberText.Integer(r.Iterations),
                NumberText.Fixed(r.CyclesPerIter, 2), NumberText.Fixed(r.MicrosecondsPerIter, 4),
                overheads[i] is { } o ? NumberText.Fixed(o, 4) : "",
                r.Kernel, seed, info.ConfigHash,
            ]);
        }
        return new ResultTable(ResultsColumns, rows);
    }

    /// <summary>
    /// One row per scenario and cost category, every category in enum order even when zero, so the rows of a
    /// scenario sum to its total.
    /// </summary>
    public static ResultTable Breakdown(IReadOnlyList<ScenarioResult> results) =>
        PerMetric(results, BreakdownColumns, Metrics.Categories, r => r.CyclesPerIterByCategory, decimals: 2);

    /// <summary>One row per scenario and counter, every counter in enum order.</summary>
    public static ResultTable Counters(IReadOnlyList<ScenarioResult> results) =>
        PerMetric(results, CountersColumns, Metrics.Counters, r => r.CountersPerIter, decimals: 4);

    /// <summary>One row per scenario and metric, in the metrics' order, after the scenario's key cells.</summary>
    private static ResultTable PerMetric(IReadOnlyList<ScenarioResult> results, IReadOnlyList<string> columns,
        IReadOnlyList<MetricInfo> metrics, Func<ScenarioResult, IReadOnlyList<double>> values, int decimals)
    {
        var rows = new List<IReadOnlyList<string>>(results.Count * metrics.Count);
        foreach (var r in results)
        {
            CheckShape(r);
            var v = values(r);
            for (var i = 0; i < metrics.Count; i++)
            {
                rows.Add(Row(r, metrics[i].Name, NumberText.Fixed(v[i], decimals)));
            }
        }
        return new ResultTable(columns, rows);
    }

    /// <summary>A row starting with the scenario's key cells: workload, design, machine, cpus.</summary>
    private static string[] Row(ScenarioResult r, params string[] rest) =>
        [r.Workload, r.Design, r.Machine, NumberText.Integer(r.Cpus), .. rest];

    public static readonly IReadOnlyList<string> HooksColumns = ["workload", "design", "machine", "cpus", "operation", "mechanism", "calls_per_iter", "cycles_per_iter"];

    /// <summary>
    /// hooks.csv: for each scenario, every hook-site operation class it executed, with the class's mechanism (the
    /// design's hook or its per-class override), sites per iteration and the cycles spent in them (reaching and
    /// running the operation).
    /// </summary>
    public static ResultTable Hooks(IReadOnlyList<ScenarioResult> results)
    {
        var rows = new List<IReadOnlyList<string>>();
        foreach (var r in results)
        {
            if (r.HookCallsPerIter.Count > 0 && r.HookMechanisms.Count != r.HookCallsPerIter.Count)
            {
                throw new ArgumentException(
                    $"Scenario {r.Workload}/{r.Design}/{r.Machine}/{r.Cpus} has {r.HookCallsPerIter.Count} hook classes and {r.HookMechanisms.Count} mechanisms.");
            }
            for (var i = 0; i < r.HookCallsPerIter.Count; i++)
            {
                if (Math.Abs(r.HookCallsPerIter[i]) < 0.00005)
                {
                    continue;
                }
                rows.Add(Row(r, PerfSim.Core.Designs.Hooks.HookSites.All[i].Name, r.HookMechanisms[i],
                    NumberText.Fixed(r.HookCallsPerIter[i], 4), NumberText.Fixed(r.HookCyclesPerIter[i], 2)));
            }
        }
        return new ResultTable(HooksColumns, rows);
    }

    public static readonly IReadOnlyList<string> LatencyColumns =
        ["workload", "design", "machine", "cpus", "pcpus", "shootdowns", "p50_cycles", "p90_cycles", "p99_cycles", "max_cycles"];

    /// <summary>
    /// latency.csv: for each scenario with TLB shootdowns in its measured part, how long they took from the request to
    /// the last acknowledgement: the 50th, 90th and 99th percentiles (MathNet's quantile, R-8 method) and the maximum.
    /// </summary>
    public static ResultTable Latency(IReadOnlyList<ScenarioResult> results)
    {
        var rows = new List<IReadOnlyList<string>>();
        foreach (var r in results)
        {
            if (r.ShootdownLatencies.Count == 0)
            {
                continue;
            }
            var data = r.ShootdownLatencies.Select(x => (double)x).ToArray();
            string Q(double tau) => NumberText.Fixed(MathNet.Numerics.Statistics.Statistics.QuantileCustom(data, tau, MathNet.Numerics.Statistics.QuantileDefinition.R8), 0);
            rows.Add([r.Workload, r.Design, r.Machine, NumberText.Integer(r.Cpus), NumberText.Integer(r.PhysicalCpus == 0 ? r.Cpus : r.PhysicalCpus),
                NumberText.Integer(r.ShootdownLatencies.Count), Q(0.5), Q(0.9), Q(0.99), NumberText.Integer(r.ShootdownLatencies.Max())]);
        }
        return new ResultTable(LatencyColumns, rows);
    }

    /// <summary>processes.csv: each process of each scenario after the measure mark, its events, the cycles they took on its CPU and its share of all processes' cycles.</summary>
    public static ResultTable Processes(IReadOnlyList<ScenarioResult> results)
    {
        var rows = new List<IReadOnlyList<string>>();
        foreach (var r in results)
        {
            var total = r.Processes.Sum(p => p.Cycles);
            foreach (var p in r.Processes)
            {
                rows.Add([r.Workload, r.Design, r.Machine, NumberText.Integer(r.Cpus), NumberText.Integer(p.Pid), NumberText.Integer(p.Events),
                    NumberText.Integer(p.Cycles), NumberText.Fixed(total == 0 ? 0 : 100.0 * p.Cycles / total, 2)]);
            }
        }
        return new ResultTable(ProcessColumns, rows);
    }

    public static readonly IReadOnlyList<string> ProcessColumns = ["workload", "design", "machine", "cpus", "pid", "events", "cycles", "share_pct"];

    public const string LatencyBeginMarker = "<!-- BEGIN GENERATED TABLES (ResultTables.Latency; do not edit by hand) -->";

    /// <summary>latency.csv's rows as a markdown table between generated-section markers (for the documentation).</summary>
    public static string LatencyMarkdown(IReadOnlyList<ScenarioResult> results)
    {
        var t = Latency(results);
        var sb = new System.Text.StringBuilder(LatencyBeginMarker).Append("\n\n| ").Append(string.Join(" | ", t.Columns)).Append(" |\n|")
            .Append(string.Concat(t.Columns.Select((_, i) => i < 3 ? "---|" : "---:|"))).Append('\n');
        foreach (var r in t.Rows)
        {
            sb.Append("| ").Append(string.Join(" | ", r)).Append(" |\n");
        }
        return sb.Append('\n').Append(GeneratedSection.EndMarker).Append('\n').ToString();
    }

    public static readonly IReadOnlyList<string> HazardsColumns = ["workload", "design", "machine", "cpus", "site", "per_iter"];

    /// <summary>
    /// hazards.csv: for each scenario, the kernel paths that read a PTE whose update was still queued, per
    /// iteration (only paths with a non-zero figure; a scenario without hazards has no rows).
    /// </summary>
    public static ResultTable Hazards(IReadOnlyList<ScenarioResult> results)
    {
        var rows = new List<IReadOnlyList<string>>();
        foreach (var r in results)
        {
            for (var i = 0; i < r.HazardsPerIterBySite.Count; i++)
            {
                var v = r.HazardsPerIterBySite[i];
                if (Math.Abs(v) >= 0.00005)
                {
                    rows.Add(Row(r, PerfSim.Core.Kernel.KernelPaths.Defs[i].Key, NumberText.Fixed(v, 4)));
                }
            }
        }
        return new ResultTable(HazardsColumns, rows);
    }

    /// <summary>
    /// For each scenario, in input order: its cycles per iteration divided by those of the first scenario with
    /// design "native" and the same workload, machine, kernel and CPU count; null when there is no such scenario
    /// or its cycles per iteration are not positive.
    /// </summary>
    public static IReadOnlyList<double?> OverheadVsNative(IReadOnlyList<ScenarioResult> results)
    {
        ArgumentNullException.ThrowIfNull(results);
        var native = new Dictionary<(string Workload, string Machine, string Kernel, int Cpus), double>();
        foreach (var r in results)
        {
            CheckShape(r);
            if (string.Equals(r.Design, NativeDesign, StringComparison.Ordinal))
            {
                native.TryAdd((r.Workload, r.Machine, r.Kernel, r.Cpus), r.CyclesPerIter);
            }
        }

        var overheads = new double?[results.Count];
        for (var i = 0; i < results.Count; i++)
        {
            var r = results[i];
            if (native.TryGetValue((r.Workload, r.Machine, r.Kernel, r.Cpus), out var baseline) && baseline > 0)
            {
                overheads[i] = r.CyclesPerIter / baseline;
            }
        }
        return overheads;
    }

    private static void CheckShape(ScenarioResult r)
    {
        ArgumentNullException.ThrowIfNull(r);
        if (r.CyclesPerIterByCategory.Count != Metrics.CategoryCount || r.CountersPerIter.Count != Metrics.CounterCount)
        {
            throw new ArgumentException(
                $"Scenario {r.Workload}/{r.Design}/{r.Machine}/{r.Cpus} has {r.CyclesPerIterByCategory.Count} categories " +
                $"and {r.CountersPerIter.Count} counters; expected {Metrics.CategoryCount} and {Metrics.CounterCount}.");
        }
    }
}
