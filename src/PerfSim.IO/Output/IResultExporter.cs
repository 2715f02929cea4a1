using PerfSim.Core.Simulation;

namespace PerfSim.IO.Output;

/// <summary>Writes scenario results in one format into an output directory (BenchmarkDotNet's exporter split).</summary>
public interface IResultExporter
{
    /// <summary>Short lower-case name, e.g. "csv", used to select exporters.</summary>
    string Name { get; }

    /// <summary>Writes this exporter's files into <paramref name="outDir"/>, creating it if needed. Each file is written atomically.</summary>
    void Export(string outDir, IReadOnlyList<ScenarioResult> results, RunInfo info);
}
