namespace PerfSim.Core.Stats;

/// <summary>
/// The counters of one run: cycles per category and events per counter, plain <c>long</c> arrays indexed by
/// enum. Components increment them directly; warm-up is removed by <see cref="Snapshot"/> and <see cref="Since"/>.
/// </summary>
public sealed class RunStats
{
    public long[] Cycles { get; } = new long[Metrics.CategoryCount];
    public long[] Counts { get; } = new long[Metrics.CounterCount];

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

    public StatsSnapshot Snapshot() => new((long[])Cycles.Clone(), (long[])Counts.Clone());

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
        return new StatsSnapshot(cy, co);
    }
}

/// <summary>Frozen copy of the run counters.</summary>
public sealed record StatsSnapshot(long[] Cycles, long[] Counts)
{
    public static StatsSnapshot Empty => new(new long[Metrics.CategoryCount], new long[Metrics.CounterCount]);

    public long TotalCycles => Cycles.Sum();
}
