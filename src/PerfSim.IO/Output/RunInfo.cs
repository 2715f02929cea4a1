namespace PerfSim.IO.Output;

/// <summary>
/// What identifies a run, written next to its results. Only <see cref="Seed"/> and <see cref="ConfigHash"/>
/// go into CSV rows; nothing time-dependent is recorded, so the same inputs and seed give byte-identical CSV.
/// </summary>
/// <param name="CommandLine">The command line that produced the results, as typed.</param>
/// <param name="ToolVersion">PerfSim's version string.</param>
/// <param name="Seed">The run's root seed.</param>
/// <param name="ConfigHash">Hash of the resolved configuration.</param>
public sealed record RunInfo(string CommandLine, string ToolVersion, ulong Seed, string ConfigHash);
