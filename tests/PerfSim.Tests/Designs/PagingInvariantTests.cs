using PerfSim.Core.Designs;
using PerfSim.Core.Designs.Paging;
using PerfSim.Core.Kernel;
using PerfSim.Core.Machine;
using PerfSim.Core.Simulation;
using PerfSim.Core.Trace;
using PerfSim.Core.Workloads;
using PerfSim.Tests.Support;

namespace PerfSim.Tests.Designs;

/// <summary>Invariants every page-table mode keeps after every single event.</summary>
public sealed class PagingInvariantTests
{
    public static TheoryData<string, string> ModesAndWorkloads()
    {
        var d = new TheoryData<string, string>();
        foreach (var mode in new[] { "native", "direct", "direct-queue", "shadow-lazy", "shadow-eager", "shadow-oos", "nested", "writable" })
        {
            foreach (var w in new[] { "fork", "exec", "mmap", "page-fault", "ctx-8p-16k", "prot-fault" })
            {
                d.Add(mode, w);
            }
        }
        return d;
    }

    private static DesignSpec Design(string mode) => mode switch
    {
        "native" => DesignSpec.Native,
        "direct" => new DesignSpec { Name = mode, Description = "t", PageTables = PageTableMode.Direct, Hypervisor = true },
        "direct-queue" => new DesignSpec
        {
            Name = mode, Description = "t", PageTables = PageTableMode.Direct, Hypervisor = true, Pinning = PinPolicy.Eager,
            PteUpdates = PtePolicy.Batched, BatchSize = 128, BatchOutsideLazyMode = true,
        },
        "shadow-lazy" => new DesignSpec { Name = mode, Description = "t", PageTables = PageTableMode.Shadow, Hypervisor = true, ShadowRoots = 2 },
        "shadow-eager" => new DesignSpec { Name = mode, Description = "t", PageTables = PageTableMode.Shadow, Hypervisor = true, ShadowFill = ShadowFill.Eager },
        "shadow-oos" => new DesignSpec { Name = mode, Description = "t", PageTables = PageTableMode.Shadow, Hypervisor = true, ShadowOutOfSync = true },
        "writable" => new DesignSpec { Name = mode, Description = "t", PageTables = PageTableMode.Writable, Hypervisor = true, Pinning = PinPolicy.Eager },
        _ => new DesignSpec { Name = mode, Description = "t", PageTables = PageTableMode.Nested, Hypervisor = true },
    };

    [Theory]
    [MemberData(nameof(ModesAndWorkloads))]
    public void After_every_event_the_tlb_and_shadow_hold_nothing_the_guest_has_unmapped_and_no_update_is_left_queued(string mode, string workload)
    {
        var sim = new Simulator(new ResolvedConfig(TestProfiles.Machine(), TestProfiles.Kernel(), Design(mode), 1, 1));
        var design = (ComposedDesign)sim.Platform;
        var step = 0;
        foreach (var e in Lmbench.Find(workload)!.Main(new WorkloadOptions()))
        {
            if (e.Kind == TraceEventKind.Mark)
            {
                continue;
            }
            sim.Apply(e);
            step++;
            Assert.True(design.QueuedOn(0) == 0, $"{mode}/{workload} step {step}: updates still queued after {e.Kind}");
            var mm = sim.Kernel.ActiveMm(0);
            if (mm is null)
            {
                continue;
            }
            foreach (var (tag, global) in sim.Machine.Cpus[0].Dtlb.ValidEntries().Concat(sim.Machine.Cpus[0].Itlb.ValidEntries()))
            {
                if (!global)
                {
                    Assert.True(Pte.IsPresent(mm.GetPte(tag)), $"{mode}/{workload} step {step} ({e.Kind}): stale TLB entry for page 0x{tag:x}");
                }
            }
            if (design.Paging is ShadowPaging shadow)
            {
                Assert.Empty(shadow.Inconsistencies(mm));
            }
        }
    }

    [Theory]
    [InlineData("fork")]
    [InlineData("exec")]
    [InlineData("ctx-16p-64k")]
    [InlineData("mmap")]
    [InlineData("page-fault")]
    [InlineData("prot-fault")]
    public void Shadow_paging_with_free_traps_syncs_and_faults_costs_exactly_what_native_costs(string workload)
    {
        var free = TestProfiles.Machine();
        foreach (var p in new[] { MachineParam.TrapEmulate, MachineParam.ShadowSync, MachineParam.HiddenFault, MachineParam.ShadowRootSwitch,
                     MachineParam.ShadowResyncPage, MachineParam.FaultBounce, MachineParam.ShadowFaultCheck })
        {
            free = free.With(p, 0, "test");
        }
        var w = Lmbench.Find(workload)!;
        var native = ScenarioRunner.Run(new ResolvedConfig(free, TestProfiles.Kernel(), DesignSpec.Native, 1, 1), w, new WorkloadOptions());
        foreach (var mode in new[] { "shadow-lazy", "shadow-eager", "shadow-oos" })
        {
            var shadow = ScenarioRunner.Run(new ResolvedConfig(free, TestProfiles.Kernel(), Design(mode), 1, 1), w, new WorkloadOptions());
            Assert.Equal(native.CyclesPerIter, shadow.CyclesPerIter, 6);
        }
    }

    [Fact]
    public void A_small_shadow_root_cache_rebuilds_roots_on_a_wide_context_switch_ring()
    {
        var w = Lmbench.Find("ctx-8p-16k")!;
        var config = (int roots) => new ResolvedConfig(TestProfiles.Machine(), TestProfiles.Kernel(),
            Design("shadow-lazy") with { ShadowRoots = roots }, 1, 1);
        var small = ScenarioRunner.Run(config(2), w, new WorkloadOptions());
        var large = ScenarioRunner.Run(config(16), w, new WorkloadOptions());
        Assert.True(small.CounterValue(PerfSim.Core.Stats.Counter.ShadowRootMisses) >= 0.99); // every switch misses
        Assert.True(large.CounterValue(PerfSim.Core.Stats.Counter.ShadowRootMisses) < 0.01);
        Assert.True(small.CounterValue(PerfSim.Core.Stats.Counter.HiddenFaults) > large.CounterValue(PerfSim.Core.Stats.Counter.HiddenFaults));
    }

    [Fact]
    public void Under_vm_exits_hidden_faults_traced_writes_and_reflected_faults_are_handled_pf_exits()
    {
        var m = TestProfiles.Machine();
        var vt = new DesignSpec { Name = "vt", Description = "t", PageTables = PageTableMode.Shadow, Hypervisor = true, TrapVia = TrapMechanism.VmExit };
        var r = ScenarioRunner.Run(new ResolvedConfig(m, TestProfiles.Kernel(), vt, 1, 1), Lmbench.Find("fork")!, new WorkloadOptions());
        Assert.Equal(r.CounterValue(PerfSim.Core.Stats.Counter.HiddenFaults) * (m[MachineParam.VmExit] + m[MachineParam.VmFaultHandling] + m[MachineParam.ShadowSync]),
            r.Category(PerfSim.Core.Stats.CostCategory.HiddenFault), 6);
        Assert.Equal(r.CounterValue(PerfSim.Core.Stats.Counter.PteTraps) * (m[MachineParam.VmExit] + m[MachineParam.VmFaultHandling] + m[MachineParam.VmEmulate])
            + r.CounterValue(PerfSim.Core.Stats.Counter.Intercepts) * (m[MachineParam.VmExit] + m[MachineParam.VmEmulate]),
            r.Category(PerfSim.Core.Stats.CostCategory.PteTrap), 6);
        Assert.True(r.CounterValue(PerfSim.Core.Stats.Counter.PteTraps) > 0, "traced writes");
        Assert.True(r.CounterValue(PerfSim.Core.Stats.Counter.Intercepts) > 0, "intercepts");
        Assert.Equal(r.CounterValue(PerfSim.Core.Stats.Counter.PageFaults) * (m[MachineParam.VmExit] + m[MachineParam.VmFaultHandling]),
            r.Category(PerfSim.Core.Stats.CostCategory.FaultDelivery), 6);
    }
}
