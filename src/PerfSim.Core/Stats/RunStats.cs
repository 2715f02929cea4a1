namespace PerfSim.Core.Stats;

/// <summary>
/// The counters of one run: cycles per category and events per counter, plain <c>long</c> arrays indexed by
/// enum. Components increment them directly; warm-up is removed by <see cref="Snapshot"/> and <see cref="Since"/>.
/// </summary>
public sealed class RunStats
{
    public long[] Cycles { get; } = new long[Metrics.CategoryCount];
    public long[] Counts { get; } = new long[Metrics.CounterCount];

    /// <summary>Read-after-write hazards by the kernel path that read the PTE, indexed by <see cref="Kernel.KernelPath"/>.</summary>
    public long[] HazardsBySite { get; } = new long[Kernel.KernelPaths.Count];

    /// <summary>Hook sites executed and the cycles spent in them (reaching and running the operation), by <see cref="Designs.Hooks.HookOp"/>.</summary>
    public long[] HookCalls { get; } = new long[Designs.Hooks.HookSites.Count];

    public long[] HookCycles { get; } = new long[Designs.Hooks.HookSites.Count];

    public long TotalCycles
    {
        get
        {
            long t = 0;
            foreach (var c in Cycles)
            {
                t += c;
            }
            return t;
        }
    }

    public void Count(Counter c, long n = 1) => Counts[(int)c] += n;

    public StatsSnapshot Snapshot() => new((long[])Cycles.Clone(), (long[])Counts.Clone(), (long[])HazardsBySite.Clone(),
        (long[])HookCalls.Clone(), (long[])HookCycles.Clone());

    /// <summary>What was added since a snapshot.</summary>
    public StatsSnapshot Since(StatsSnapshot start)
    {
        var cy = new long[Cycles.Length];
        var co = new long[Counts.Length];
        for (var i = 0; i < cy.Length; i++)
        {
            cy[i] = Cycles[i] - start.Cycles[i];
        }
        for (var i = 0; i < co.Length; i++)
        {
            co[i] = Counts[i] - start.Counts[i];
        }
        var hz = new long[HazardsBySite.Length];
        for (var i = 0; i < hz.Length; i++)
        {
            hz[i] = HazardsBySite[i] - start.HazardsBySite[i];
        }
        return new StatsSnapshot(cy, co, hz, Diff(HookCalls, start.HookCalls), Diff(HookCycles, start.HookCycles));
    }

    private static long[] Diff(long[] now, long[] then)
    {
        var d = new long[now.Length];
        for (var i = 0; i < d.Length; i++)
        {
            d[i] = now[i] - then[i];
        }
        return d;
    }
}

/// <summary>Frozen copy of the run counters.</summary>
public sealed record StatsSnapshot(long[] Cycles, long[] Counts, long[] HazardsBySite, long[] HookCalls, long[] HookCycles)
{
    public static StatsSnapshot Empty => new(new long[Metrics.CategoryCount], new long[Metrics.CounterCount], new long[Kernel.KernelPaths.Count],
        new long[Designs.Hooks.HookSites.Count], new long[Designs.Hooks.HookSites.Count]);

    public long TotalCycles => Cycles.Sum();
}
