namespace PerfSim.IO.Calibration;

/// <summary>One published measurement: a benchmark under a configuration, in <see cref="Unit"/> (us per operation, or cycles).</summary>
public sealed record PublishedCell(string Table, string Benchmark, string Config, double Value, string File, int Line, string Unit = "us");
