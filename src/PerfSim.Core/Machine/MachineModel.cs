using PerfSim.Core.Stats;
using PerfSim.Core.Trace;

namespace PerfSim.Core.Machine;

/// <summary>
/// The hardware: CPUs with clocks and TLBs, and the one place cycles are charged. It never knows which
/// design is running; designs call <see cref="Charge"/> and <see cref="TranslateUser"/>.
/// </summary>
public sealed class MachineModel
{
    /// <summary>Address-space ids occupy the tag bits above the 36-bit page number (48-bit addresses).</summary>
    public const int AsidShift = 36;

    private readonly long _stlbHit;
    private readonly int _walkLevels;
    private readonly bool _tagged;
    private readonly PageWalker _walker;
    private readonly long[] _cycles; // Stats.Cycles
    private readonly long[] _counts; // Stats.Counts

    public MachineModel(MachineProfile profile, int cpus, int walkLevels, IReadOnlyList<long> kernelPathSizes, RunStats stats)
    {
        Profile = profile;
        Stats = stats;
        _cycles = stats.Cycles;
        _counts = stats.Counts;
        Cpus = new Cpu[cpus];
        for (var i = 0; i < cpus; i++)
        {
            Cpus[i] = new Cpu(i, profile, kernelPathSizes);
        }
        _walkLevels = walkLevels;
        _stlbHit = profile[MachineParam.StlbHit];
        _tagged = profile[MachineParam.TlbAsidTags] != 0;
        _walker = new PageWalker(profile[MachineParam.WalkReference], profile[MachineParam.WalkCacheHit]);
        NestedWalkLevels = (int)profile[MachineParam.NestedWalkLevels];
    }

    public MachineProfile Profile { get; }
    public RunStats Stats { get; }
    public Cpu[] Cpus { get; }

    /// <summary>Host levels of a nested walk (0 when the CPU has no nested paging).</summary>
    public int NestedWalkLevels { get; }

    /// <summary>Whether TLB entries are tagged with an address-space id, so switching address spaces flushes nothing.</summary>
    public bool Tagged => _tagged;

    /// <summary>Counts first-level TLB hits made without a lookup, by a caller that knows they hit and change nothing.</summary>
    public void CountHits(long lookups) => _counts[(int)Counter.TlbLookups] += lookups;

    /// <summary>Charges cycles on a CPU to one category.</summary>
    public void Charge(int cpu, CostCategory category, long cycles) => Charge(Cpus[cpu], category, cycles);

    /// <summary>Charges cycles to one category on a CPU the caller already holds (the designs' per-operation path).</summary>
    public void Charge(Cpu cpu, CostCategory category, long cycles)
    {
        cpu.Clock += cycles;
        _cycles[(int)category] += cycles;
    }

    private long Tag(int asid, long vpn, bool global) => global || !_tagged ? vpn : ((long)asid << AsidShift) | vpn;

    /// <summary>
    /// One access through the TLBs. A miss costs a second-level hit or a page walk of the kernel's depth,
    /// nested through the host table when <paramref name="nested"/>; the entry is then cached.
    /// </summary>
    /// <returns>True on a first-level TLB hit.</returns>
    public bool Translate(int cpu, int asid, long vpn, AccessKind access, bool global, bool nested, CostCategory category)
    {
        var c = Cpus[cpu];
        var tag = Tag(asid, vpn, global);
        var l1 = access == AccessKind.Execute ? c.Itlb : c.Dtlb;
        _counts[(int)Counter.TlbLookups]++;
        if (l1.Lookup(tag))
        {
            return true;
        }
        _counts[(int)Counter.TlbMisses]++;
        if (category == CostCategory.KernelTlbMiss)
        {
            Stats.Count(Counter.KernelTlbMisses);
        }
        if (c.Stlb is not null && c.Stlb.Lookup(tag))
        {
            Stats.Count(Counter.StlbHits);
            Charge(cpu, category, _stlbHit);
        }
        else
        {
            var host = nested ? NestedWalkLevels : 0;
            Stats.Count(Counter.WalkReferences, _walker.EffectiveReferences(_walkLevels, host));
            Charge(cpu, category, _walker.Cycles(_walkLevels, host));
            c.Stlb?.Insert(tag, global);
        }
        l1.Insert(tag, global);
        return false;
    }

    /// <summary>What a CR3 load does to this CPU's TLBs: untagged, every non-global entry goes.</summary>
    public void SwitchAddressSpace(int cpu, int asid)
    {
        if (!_tagged)
        {
            Cpus[cpu].FlushNonGlobal();
        }
    }

    /// <summary>A full flush of one address space's entries (a CR3 reload, or a tagged flush).</summary>
    public void FlushAddressSpace(int cpu, int asid)
    {
        if (_tagged)
        {
            Cpus[cpu].FlushTagged(asid, AsidShift);
        }
        else
        {
            Cpus[cpu].FlushNonGlobal();
        }
    }

    /// <summary>invlpg: drops one page's entry in the given address space (and a global entry for it).</summary>
    public void InvalidatePage(int cpu, int asid, long vpn)
    {
        Cpus[cpu].Invalidate(Tag(asid, vpn, global: false));
        if (_tagged)
        {
            Cpus[cpu].Invalidate(vpn);
        }
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
