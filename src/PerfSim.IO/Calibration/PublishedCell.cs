namespace PerfSim.IO.Calibration;

/// <summary>One published measurement: a benchmark under a configuration, in microseconds per operation.</summary>
public sealed record PublishedCell(string Table, string Benchmark, string Config, double ValueUs, string File, int Line);
