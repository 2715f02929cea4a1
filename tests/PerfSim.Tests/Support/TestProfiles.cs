using PerfSim.Core.Designs;
using PerfSim.Core.Kernel;
using PerfSim.Core.Machine;
using PerfSim.Core.Simulation;

namespace PerfSim.Tests.Support;

/// <summary>Small, self-contained profiles for model tests (independent of the shipped data files).</summary>
public static class TestProfiles
{
    public static MachineProfile Machine(long cycle = 10)
    {
        var v = new long[MachineParams.Count];
        for (var i = 0; i < v.Length; i++)
        {
            v[i] = MachineParams.Defs[i].Unit == ParamUnit.Cycles ? cycle * (i + 1) : 1;
        }
        v[(int)MachineParam.FrequencyMhz] = 1000;
        v[(int)MachineParam.DtlbEntries] = 64;
        v[(int)MachineParam.DtlbWays] = 64;
        v[(int)MachineParam.ItlbEntries] = 32;
        v[(int)MachineParam.ItlbWays] = 4;
        v[(int)MachineParam.StlbEntries] = 0;
        v[(int)MachineParam.StlbWays] = 0;
        v[(int)MachineParam.GlobalPages] = 1;
        v[(int)MachineParam.TlbAsidTags] = 0;
        v[(int)MachineParam.WalkCacheHit] = 0;
        v[(int)MachineParam.NestedWalkLevels] = 4;
        v[(int)MachineParam.KernelCpi] = 1000;
        v[(int)MachineParam.KernelCodeCache] = 5000;
        v[(int)MachineParam.KernelCodeMiss] = 500;
        return new MachineProfile("test-machine", "test", "test-kernel", v, Enumerable.Repeat("test", v.Length).ToArray());
    }

    /// <param name="linux24Teardown">2.4's exit_mmap and exec: a TLB flush per zapped VMA, exec empties the old mm in place.</param>
    /// <param name="pteQuicklist">2.4's page-table quicklist: freed tables are reused without a clear.</param>
    /// <param name="cowInPlace">2.4's break_cow: a copy-on-write copy sets the new entry over the old one.</param>
    /// <param name="zapXchgOnlyOnSmp">2.4's mmu_gather: zapped PTEs are cleared plainly on one CPU, by xchg on several.</param>
    public static KernelProfile Kernel(SyscallEntry entry = SyscallEntry.Sysenter, bool copiesFilePtes = false, bool wrprotectReadOnly = true,
        bool linux24Teardown = false, bool pteQuicklist = false, bool cowInPlace = false, bool zapXchgOnlyOnSmp = false)
    {
        var v = new long[KernelPaths.Count];
        for (var i = 0; i < v.Length; i++)
        {
            v[i] = 100 + i;
        }
        return new KernelProfile("test-kernel", "test", PagingMode.I386, entry, copiesFilePtes, wrprotectReadOnly, true, v,
            Enumerable.Repeat("test", v.Length).ToArray())
        {
            SmpLockedOps = Enumerable.Range(0, v.Length).Select(i => (long)(i % 3)).ToArray(),
            SmpLockedOpSources = Enumerable.Repeat("test", v.Length).ToArray(),
            ExecReusesMm = linux24Teardown,
            ZapFlushesPerVma = linux24Teardown,
            PteQuicklist = pteQuicklist,
            CowSetsInPlace = cowInPlace,
            ZapXchgOnlyOnSmp = zapXchgOnlyOnSmp,
        };
    }

    /// <summary>A copy of a kernel profile with its SMP coherence table and fork placement replaced (the other knobs kept).</summary>
    public static KernelProfile Variant(KernelProfile k, IReadOnlyList<long>? coherence, bool childRunsFirst) =>
        new(k.Name, k.Description, k.Paging, k.SyscallEntry, k.ForkCopiesFilePtes, k.ForkWriteProtectsReadOnlyPtes, k.GlobalKernelPages,
            Enumerable.Range(0, KernelPaths.Count).Select(i => k[(KernelPath)i]).ToArray(),
            Enumerable.Range(0, KernelPaths.Count).Select(i => k.SourceOf((KernelPath)i)).ToArray())
        {
            SmpLockedOps = k.SmpLockedOps,
            SmpLockedOpSources = k.SmpLockedOpSources,
            SmpCoherence = coherence,
            SmpCoherenceSources = coherence?.Select(_ => "test").ToArray(),
            ForkChildRunsFirst = childRunsFirst,
            ExecReusesMm = k.ExecReusesMm,
            ZapFlushesPerVma = k.ZapFlushesPerVma,
            SignalWritesDr7 = k.SignalWritesDr7,
            PteQuicklist = k.PteQuicklist,
            CowSetsInPlace = k.CowSetsInPlace,
            ZapXchgOnlyOnSmp = k.ZapXchgOnlyOnSmp,
        };

    public static ResolvedConfig Config(int cpus = 1, KernelProfile? kernel = null, MachineProfile? machine = null) =>
        new(machine ?? Machine(), kernel ?? Kernel(), DesignSpec.Native, cpus, 1);
}
