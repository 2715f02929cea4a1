using PerfSim.Core.Trace;

namespace PerfSim.Core.Workloads;

/// <summary>
/// A generated workload: a measured trace and, as lmbench does for several benchmarks, an optional
/// baseline trace whose per-iteration cost is subtracted (the same loop without the thing measured).
/// </summary>
public sealed record Workload(
    string Name,
    string Description,
    Func<WorkloadOptions, IReadOnlyList<TraceEvent>> Main,
    Func<WorkloadOptions, IReadOnlyList<TraceEvent>>? Baseline = null);

/// <summary>Knobs of the generators.</summary>
public sealed record WorkloadOptions
{
    public ulong Seed { get; init; } = 1;

    /// <summary>Scales every workload's measured iteration count (1 = the defaults).</summary>
    public int IterationScale { get; init; } = 1;

    public ProcessShape Shape { get; init; } = ProcessShape.Default;
}
