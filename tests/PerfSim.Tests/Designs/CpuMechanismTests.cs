using PerfSim.Core.Designs;
using PerfSim.Core.Designs.Hooks;
using PerfSim.Core.Kernel;
using PerfSim.Core.Machine;
using PerfSim.Core.Simulation;
using PerfSim.Core.Stats;
using PerfSim.Core.Workloads;
using PerfSim.Tests.Support;

namespace PerfSim.Tests.Designs;

public sealed class CpuMechanismTests
{
    private static ScenarioResult Run(DesignSpec d, string workload, MachineProfile? m = null) =>
        ScenarioRunner.Run(new ResolvedConfig(m ?? TestProfiles.Machine(), TestProfiles.Kernel(), d, 1, 1), Lmbench.Find(workload)!, new WorkloadOptions());

    private static readonly DesignSpec Bt = new()
    {
        Name = "bt", Description = "t", Hook = HookMechanism.Bt, PageTables = PageTableMode.Shadow, Hypervisor = true,
    };

    [Fact]
    public void Under_binary_translation_a_system_call_pays_the_vmm_transition_callouts_and_translated_kernel_code()
    {
        var m = TestProfiles.Machine();
        var bt = Run(Bt, "null-call", m);
        var native = Run(DesignSpec.Native, "null-call", m);
        var k = TestProfiles.Kernel();
        var translated = ResolvedConfig.PathCycles(k[KernelPath.SyscallDispatch] + k[KernelPath.SysNull], m[MachineParam.BtKernelCpiExtra]);
        Assert.Equal(m[MachineParam.BtSyscall], bt.Category(CostCategory.Translation), 6);
        Assert.Equal(translated, bt.Category(CostCategory.TranslatedCode), 6);
        Assert.Equal(bt.HookCallsPerIter.Sum() * m[MachineParam.BtCallout], bt.Category(CostCategory.Hook), 6);
        Assert.Equal(0, bt.Category(CostCategory.InterruptFlag)); // the callout flips a virtual flag
        Assert.Equal(native.HookCallsPerIter, bt.HookCallsPerIter);
    }

    [Fact]
    public void A_translator_pays_per_return_and_indirect_transfer_where_the_kernel_counts_them()
    {
        // linux-2.4.21 counts them: a null call runs the dispatch's indirect call and getppid's return (1,000 per 1,000
        // runs each), so its translated code costs two lookups, and the per-instruction extra is not charged.
        var catalog = PerfSim.IO.Config.ConfigCatalog.Locate();
        var m = catalog.LoadMachine("xeon-2400-2003");
        var k = catalog.LoadKernel("linux-2.4.21");
        Assert.Equal(1000, k.IndirectTransfers![(int)KernelPath.SyscallDispatch]);
        Assert.Equal(1000, k.IndirectTransfers[(int)KernelPath.SysNull]);
        var bt = ScenarioRunner.Run(new ResolvedConfig(m, k, catalog.LoadDesign("fullvirt-bt"), 1, 1), Lmbench.Find("null-call")!, new WorkloadOptions());
        Assert.Equal(2 * m[MachineParam.BtIndirectTransfer], bt.Category(CostCategory.TranslatedCode), 6);
        var doubled = m.With(MachineParam.BtIndirectTransfer, 2 * m[MachineParam.BtIndirectTransfer], "test").With(MachineParam.BtKernelCpiExtra, 0, "test");
        var again = ScenarioRunner.Run(new ResolvedConfig(doubled, k, catalog.LoadDesign("fullvirt-bt"), 1, 1), Lmbench.Find("null-call")!, new WorkloadOptions());
        Assert.Equal(4 * m[MachineParam.BtIndirectTransfer], again.Category(CostCategory.TranslatedCode), 6);
    }

    [Theory]
    [InlineData("linux-2.4.21", 4)] // SAVE_ALL's %ds and %es, RESTORE_ALL's pops of them
    [InlineData("linux-2.6.20", 4)] // the same and %gs for the per-CPU data on entry, only %gs on sysexit's return
    public void Each_segment_register_load_a_path_counts_costs_the_machine_s_segment_load(string kernel, long perCall)
    {
        var catalog = PerfSim.IO.Config.ConfigCatalog.Locate();
        var m = catalog.LoadMachine("xeon-2400-2003");
        var k = catalog.LoadKernel(kernel);
        Assert.Equal(perCall, k.SegmentLoads![(int)KernelPath.SyscallDispatch] + k.SegmentLoads[(int)KernelPath.SysNull]);
        double PathCycles(MachineProfile machine) => ScenarioRunner.Run(new ResolvedConfig(machine, k, DesignSpec.Native, 1, 1),
            Lmbench.Find("null-call")!, new WorkloadOptions()).Category(CostCategory.KernelPath);
        var dearer = m.With(MachineParam.SegmentLoad, m[MachineParam.SegmentLoad] + 1000, "test");
        Assert.Equal(perCall * 1000, PathCycles(dearer) - PathCycles(m), 6);
    }

    [Fact]
    public void An_exit_pays_close_files_xchg_per_descriptor_on_one_cpu_too()
    {
        // xchg with memory is implicitly locked on a UP build as well: linux-2.4.21's exit closes lat_proc's 7
        // descriptors with one each. fork's iteration exits once, and nothing else on its UP paths runs an xchg.
        var catalog = PerfSim.IO.Config.ConfigCatalog.Locate();
        var m = catalog.LoadMachine("xeon-2400-2003");
        var k = catalog.LoadKernel("linux-2.4.21");
        Assert.Equal(7, k.XchgOps![(int)KernelPath.ExitBase]);
        Assert.Equal(7, k.XchgOps.Sum());
        double PathCycles(MachineProfile machine) => ScenarioRunner.Run(new ResolvedConfig(machine, k, DesignSpec.Native, 1, 1),
            Lmbench.Find("fork")!, new WorkloadOptions()).Category(CostCategory.KernelPath);
        var dearer = m.With(MachineParam.Xchg, m[MachineParam.Xchg] + 1000, "test");
        Assert.Equal(7 * 1000, PathCycles(dearer) - PathCycles(m), 6);
    }

    [Fact]
    public void Binary_translated_page_table_writes_are_callouts_not_traps()
    {
        var r = Run(Bt, "fork");
        Assert.Equal(0, r.CounterValue(Counter.PteTraps));
        Assert.True(r.CounterValue(Counter.ShadowSyncs) > 0);
    }

    [Fact]
    public void A_virtual_interrupt_flag_is_a_store_and_enabling_checks_for_pending_events()
    {
        var m = TestProfiles.Machine();
        var d = DesignSpec.Native with { Name = "virq", IrqFlag = IrqFlagMechanism.Virtual, Hypervisor = true };
        var r = Run(d, "null-call", m);
        var disables = r.HookCallsPerIter[(int)HookOp.IrqDisable];
        var enables = r.HookCallsPerIter[(int)HookOp.IrqEnable];
        Assert.Equal(disables * m[MachineParam.Store] + enables * (m[MachineParam.Store] + m[MachineParam.Load]), r.Category(CostCategory.InterruptFlag), 6);
    }

    [Fact]
    public void A_context_switch_multicall_carries_the_cpu_state_updates_in_one_hypercall()
    {
        var each = DesignSpec.Native with { Name = "hc", CpuState = CpuStateMechanism.Hypercall, Hypervisor = true };
        var batched = each with { Name = "mc", ContextSwitchMulticall = true };
        // A thread and its parent share the mm but not the TLS descriptor: each switch between them sets esp0
        // and one TLS entry.
        var b0 = new TraceBuilder();
        b0.ExecAndStart(1, ProcessShape.Default);
        var events = b0.Events.ToList();
        events.Add(PerfSim.Core.Trace.TraceEvent.Fork(0, 1, 2, PerfSim.Core.Trace.ForkFlags.Thread));
        events.Add(PerfSim.Core.Trace.TraceEvent.Mark(0, 0, PerfSim.Core.Trace.MarkKind.MeasureStart));
        for (var i = 0; i < 10; i++)
        {
            events.Add(PerfSim.Core.Trace.TraceEvent.Compute(0, 2 - (i % 2), 10));
        }
        long Hypercalls(DesignSpec d) => new Simulator(new ResolvedConfig(TestProfiles.Machine(), TestProfiles.Kernel(), d, 1, 1))
            .Run(new PerfSim.Core.Trace.ListTraceSource("t", events)).Measured.Counts[(int)Counter.Hypercalls];
        Assert.Equal(20, Hypercalls(each));
        Assert.Equal(10, Hypercalls(batched));
    }

    [Fact]
    public void Hypervisor_only_mechanisms_are_refused_without_a_hypervisor()
    {
        Assert.NotEmpty((DesignSpec.Native with { IrqFlag = IrqFlagMechanism.Virtual }).Problems());
        Assert.NotEmpty((DesignSpec.Native with { Hook = HookMechanism.Bt }).Problems());
    }

    private static readonly DesignSpec XenPv = new()
    {
        Name = "xen", Description = "t", PageTables = PageTableMode.Direct, Hypervisor = true, IrqFlag = IrqFlagMechanism.Virtual,
        CpuState = CpuStateMechanism.Hypercall,
    };

    [Fact]
    public void A_ring_1_xen_guest_returns_from_a_sysenter_system_call_with_iret_not_sysexit()
    {
        var m = TestProfiles.Machine(); // the test kernel enters by sysenter
        var native = Run(DesignSpec.Native, "null-call", m);
        var xen = Run(XenPv, "null-call", m);
        Assert.Equal(m[MachineParam.SysenterEntry] + m[MachineParam.SysexitExit], native.Category(CostCategory.KernelEntryExit), 6);
        Assert.Equal(m[MachineParam.SysenterEntry] + m[MachineParam.TrapExit], xen.Category(CostCategory.KernelEntryExit), 6);
    }

    [Fact]
    public void A_xen_guest_restoring_the_fpu_lazily_runs_no_clts_because_xen_cleared_ts()
    {
        var m = TestProfiles.Machine();
        var events = TestTraces.Started();
        events.Add(PerfSim.Core.Trace.TraceEvent.Fork(0, 1, 2));
        events.Add(PerfSim.Core.Trace.TraceEvent.Mark(0, 0, PerfSim.Core.Trace.MarkKind.MeasureStart));
        events.Add(PerfSim.Core.Trace.TraceEvent.Compute(0, 1, 100, usesFpu: true)); // #NM, math_state_restore
        double Clts(DesignSpec d)
        {
            var sim = new Simulator(new ResolvedConfig(m, TestProfiles.Kernel(), d, 1, 1));
            var r = sim.Run(new PerfSim.Core.Trace.ListTraceSource("t", events));
            return r.Measured.HookCycles[(int)HookOp.Clts];
        }
        Assert.Equal(m[MachineParam.Clts], Clts(DesignSpec.Native), 6);
        Assert.Equal(0, Clts(XenPv), 6);
    }
}
