using PerfSim.Core.Designs;
using PerfSim.Core.Kernel;
using PerfSim.Core.Platform;
using PerfSim.Core.Stats;
using PerfSim.Core.Simulation;
using PerfSim.Core.Trace;
using PerfSim.Core.Workloads;
using PerfSim.IO.Config;

namespace PerfSim.Tests.Designs;

/// <summary>
/// The kernel-path repeat shortcut (a path run again at once, with the ITLB and the mode's hit behaviour unchanged,
/// has its text lookups counted instead of made) is an optimization only: every design on every machine it runs on
/// gives the same statistics, counter for counter, with it on and off.
/// </summary>
public sealed class KernelPathShortcutTests
{
    private static readonly ConfigCatalog Catalog = ConfigCatalog.Locate();

    private static readonly (string Workload, int Cpus)[] Runs =
    [
        ("fork", 1), ("exec", 1), ("ctx-2p-16k", 1), ("page-fault", 1), ("mmap", 1), ("sig-handle", 1), ("fork", 2), ("mt-munmap", 2),
    ];

    public static TheoryData<string> Designs()
    {
        var d = new TheoryData<string>();
        foreach (var design in Catalog.DesignNames)
        {
            d.Add(design);
        }
        return d;
    }

    private static (Measurement Run, long Shortcuts) Replay(ResolvedConfig config, Workload w, bool shortcut)
    {
        var options = new WorkloadOptions { Cpus = config.Cpus, ChildRunsFirst = config.Kernel.ForkChildRunsFirst };
        var sim = new Simulator(config);
        var design = (ComposedDesign)sim.Platform;
        design.RepeatShortcut = shortcut;
        var run = sim.Run(new ListTraceSource(w.Name, w.Main(options)));
        return (run, design.RepeatShortcuts);
    }

    [Theory]
    [MemberData(nameof(Designs))]
    public void Every_statistic_is_the_same_with_the_shortcut_on_and_off(string name)
    {
        var design = Catalog.LoadDesign(name);
        long shortcuts = 0;
        foreach (var machine in Catalog.MachineNames.Select(Catalog.LoadMachine).Where(m => ResolvedConfig.Problems(m, design).Count == 0))
        {
            foreach (var (workload, cpus) in Runs)
            {
                var config = new ResolvedConfig(machine, Catalog.LoadKernel(machine.DefaultKernel), design, cpus, 1);
                var w = Lmbench.Find(workload)!;
                var (on, taken) = Replay(config, w, shortcut: true);
                var (off, none) = Replay(config, w, shortcut: false);
                var what = $"{name} on {machine.Name}, {workload}, {cpus} CPU(s)";
                Assert.True(none == 0, what);
                Assert.Equal(off.ElapsedCycles, on.ElapsedCycles);
                Assert.Equal(off.Iterations, on.Iterations);
                Assert.Equal(off.EndCycle, on.EndCycle);
                Assert.True(off.Measured.Cycles.SequenceEqual(on.Measured.Cycles), $"cycles by category differ: {what}");
                Assert.True(off.Measured.Counts.SequenceEqual(on.Measured.Counts), $"counters differ: {what}");
                Assert.True(off.Measured.HookCalls.SequenceEqual(on.Measured.HookCalls), $"hook calls differ: {what}");
                Assert.True(off.Measured.HookCycles.SequenceEqual(on.Measured.HookCycles), $"hook cycles differ: {what}");
                Assert.True(off.Measured.HazardsBySite.SequenceEqual(on.Measured.HazardsBySite), $"hazards differ: {what}");
                shortcuts += taken;
            }
        }
        Assert.True(shortcuts > 0, $"{name}: the shortcut was never taken, so nothing was compared");
    }

    /// <summary>
    /// The state changes the workloads above seldom make between two runs of one path: a TLB flush, and (writable page
    /// tables) a trapped write that disconnects the page-table page holding the kernel's text, so that the next text
    /// lookup faults into the hypervisor. Driven through the platform directly, after a null-call run has left a
    /// process whose address space is then loaded.
    /// </summary>
    [Theory]
    [MemberData(nameof(Designs))]
    public void A_flush_or_a_disconnected_table_between_two_runs_of_a_path_is_seen(string name)
    {
        var design = Catalog.LoadDesign(name);
        var machine = Catalog.MachineNames.Select(Catalog.LoadMachine).First(m => ResolvedConfig.Problems(m, design).Count == 0);
        var config = new ResolvedConfig(machine, Catalog.LoadKernel(machine.DefaultKernel), design, 1, 1);
        var on = Drive(config, shortcut: true);
        var off = Drive(config, shortcut: false);
        Assert.True(off.Cycles.SequenceEqual(on.Cycles), $"{name}: cycles by category differ");
        Assert.True(off.Counts.SequenceEqual(on.Counts), $"{name}: counters differ");
        Assert.True(off.HookCycles.SequenceEqual(on.HookCycles), $"{name}: hook cycles differ");
    }

    private static RunStats Drive(ResolvedConfig config, bool shortcut)
    {
        var sim = new Simulator(config);
        var p = (ComposedDesign)sim.Platform;
        p.RepeatShortcut = shortcut;
        var w = Lmbench.Find("null-call")!;
        sim.Run(new ListTraceSource(w.Name, w.Main(new WorkloadOptions())));
        var mm = sim.Kernel.ActiveMm(0)!;
        const long KernelTextVpn = 0xC0100; // the first kernel path's text page: its table is the kernel text's
        IPlatform platform = p;
        platform.LoadCr3(mm); // kernel text is looked up through the loaded address space
        for (var round = 0; round < 2; round++)
        {
            platform.KernelPath(KernelPath.ForkPerPte);
            platform.KernelPath(KernelPath.ForkPerPte);
            platform.UpdatePte(mm, KernelTextVpn, PteUpdateKind.Modify);
            platform.KernelPath(KernelPath.ForkPerPte);
            platform.KernelPath(KernelPath.ForkPerPte);
            platform.FlushTlb(mm);
            platform.KernelPath(KernelPath.ForkPerPte);
            platform.KernelPath(KernelPath.ForkPerPte);
            platform.KernelPath(KernelPath.SysNull);
            platform.KernelPath(KernelPath.ForkPerPte);
        }
        platform.KernelPath(KernelPath.ForkPerPte); // all hits: the path is now a candidate for the shortcut
        platform.FlushTlb(mm); // last: a lookup skipped here would not be made up for by a later one
        platform.KernelPath(KernelPath.ForkPerPte);
        platform.KernelPath(KernelPath.ForkPerPte);
        if (shortcut)
        {
            Assert.True(p.RepeatShortcuts > 0);
        }
        return sim.Stats;
    }
}
