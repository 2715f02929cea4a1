using PerfSim.Core.Trace;

namespace PerfSim.Core.Workloads;

/// <summary>
/// A generated workload: a measured trace and, as lmbench does for several benchmarks, baseline loops whose
/// per-iteration cost is subtracted (weight +1) or added back (weight -1): lmbench's prot-fault figure is the
/// fault loop less (catch loop less send loop).
/// </summary>
public sealed record Workload(
    string Name,
    string Description,
    Func<WorkloadOptions, IReadOnlyList<TraceEvent>> Main,
    IReadOnlyList<Baseline>? Baselines = null)
{
    public Workload(string name, string description, Func<WorkloadOptions, IReadOnlyList<TraceEvent>> main, Func<WorkloadOptions, IReadOnlyList<TraceEvent>> baseline)
        : this(name, description, main, [new Baseline(baseline, 1)])
    {
    }
}

/// <summary>A loop whose per-iteration cost, times <see cref="Weight"/>, is subtracted from the workload's.</summary>
public sealed record Baseline(Func<WorkloadOptions, IReadOnlyList<TraceEvent>> Trace, int Weight);

/// <summary>Knobs of the generators.</summary>
public sealed record WorkloadOptions
{
    public ulong Seed { get; init; } = 1;

    /// <summary>Scales every workload's measured iteration count (1 = the defaults).</summary>
    public int IterationScale { get; init; } = 1;

    public ProcessShape Shape { get; init; } = ProcessShape.Default;

    /// <summary>The kernel runs a forked child first, on the parent's CPU (2.6); else the parent goes on and the child takes an idle CPU (2.4).</summary>
    public bool ChildRunsFirst { get; init; }

    /// <summary>CPUs the generated processes spread over (the run's CPU count; 1 = everything on CPU 0).</summary>
    public int Cpus { get; init; } = 1;
}
