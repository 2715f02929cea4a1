using PerfSim.Core.Stats;
using PerfSim.Core.Trace;

namespace PerfSim.Core.Machine;

/// <summary>
/// The hardware: CPUs with clocks and TLBs, and the one place cycles are charged. It never knows which
/// design is running; designs call <see cref="Charge"/> and <see cref="TranslateUser"/>.
/// </summary>
public sealed class MachineModel
{
    private readonly long _walkCost;
    private readonly long _stlbHit;
    private readonly int _walkLevels;

    public MachineModel(MachineProfile profile, int cpus, int walkLevels, IReadOnlyList<long> kernelPathSizes, RunStats stats)
    {
        Profile = profile;
        Stats = stats;
        Cpus = new Cpu[cpus];
        for (var i = 0; i < cpus; i++)
        {
            Cpus[i] = new Cpu(i, profile, kernelPathSizes);
        }
        _walkLevels = walkLevels;
        _walkCost = walkLevels * profile[MachineParam.WalkReference];
        _stlbHit = profile[MachineParam.StlbHit];
    }

    public MachineProfile Profile { get; }
    public RunStats Stats { get; }
    public Cpu[] Cpus { get; }

    /// <summary>Charges cycles on a CPU to one category.</summary>
    public void Charge(int cpu, CostCategory category, long cycles)
    {
        Cpus[cpu].Clock += cycles;
        Stats.Cycles[(int)category] += cycles;
    }

    /// <summary>A user access to a page through the TLBs; a miss costs a second-level hit or a page walk.</summary>
    public void TranslateUser(int cpu, long vpn, AccessKind access)
    {
        var c = Cpus[cpu];
        var l1 = access == AccessKind.Execute ? c.Itlb : c.Dtlb;
        Stats.Count(Counter.TlbLookups);
        if (l1.Lookup(vpn))
        {
            return;
        }
        Stats.Count(Counter.TlbMisses);
        if (c.Stlb is not null && c.Stlb.Lookup(vpn))
        {
            Stats.Count(Counter.StlbHits);
            Charge(cpu, CostCategory.UserTlbMiss, _stlbHit);
        }
        else
        {
            Stats.Count(Counter.WalkReferences, _walkLevels);
            Charge(cpu, CostCategory.UserTlbMiss, _walkCost);
            c.Stlb?.Insert(vpn);
        }
        l1.Insert(vpn);
    }

    /// <summary>The latest CPU clock: the run's elapsed time.</summary>
    public long Now
    {
        get
        {
            long t = 0;
            foreach (var c in Cpus)
            {
                t = Math.Max(t, c.Clock);
            }
            return t;
        }
    }
}
