namespace PerfSim.Core.Stats;

/// <summary>Name (as written in CSV), unit and one sentence for a category or counter.</summary>
public sealed record MetricInfo(string Name, string Unit, string Description);
