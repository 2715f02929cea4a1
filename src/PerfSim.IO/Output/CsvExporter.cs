using PerfSim.Core.Simulation;

namespace PerfSim.IO.Output;

/// <summary>Writes results.csv, breakdown.csv, counters.csv, hazards.csv, hooks.csv, latency.csv and processes.csv (see <see cref="ResultTables"/> for the columns).</summary>
public sealed class CsvExporter : IResultExporter
{
    public const string ResultsFile = "results.csv";
    public const string BreakdownFile = "breakdown.csv";
    public const string CountersFile = "counters.csv";
    public const string HazardsFile = "hazards.csv";
    public const string HooksFile = "hooks.csv";
    public const string LatencyFile = "latency.csv";
    public const string ProcessesFile = "processes.csv";

    public string Name => "csv";

    public void Export(string outDir, IReadOnlyList<ScenarioResult> results, RunInfo info)
    {
        ArgumentException.ThrowIfNullOrEmpty(outDir);
        var resultsCsv = CsvText.Write(ResultTables.Results(results, info));
        var breakdown = CsvText.Write(ResultTables.Breakdown(results));
        var counters = CsvText.Write(ResultTables.Counters(results));
        var hazards = CsvText.Write(ResultTables.Hazards(results));
        var hooks = CsvText.Write(ResultTables.Hooks(results));
        var latency = CsvText.Write(ResultTables.Latency(results));
        var processes = CsvText.Write(ResultTables.Processes(results));

        Directory.CreateDirectory(outDir);
        AtomicFile.WriteAllText(Path.Combine(outDir, ResultsFile), resultsCsv);
        AtomicFile.WriteAllText(Path.Combine(outDir, BreakdownFile), breakdown);
        AtomicFile.WriteAllText(Path.Combine(outDir, CountersFile), counters);
        AtomicFile.WriteAllText(Path.Combine(outDir, HazardsFile), hazards);
        AtomicFile.WriteAllText(Path.Combine(outDir, HooksFile), hooks);
        AtomicFile.WriteAllText(Path.Combine(outDir, LatencyFile), latency);
        AtomicFile.WriteAllText(Path.Combine(outDir, ProcessesFile), processes);
    }
}
