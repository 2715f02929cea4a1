using PerfSim.Core.Designs;
using PerfSim.Core.Designs.Hooks;
using PerfSim.Core.Kernel;
using PerfSim.Core.Machine;
using PerfSim.Core.Simulation;
using PerfSim.Core.Stats;
using PerfSim.Core.Trace;
using PerfSim.Core.Workloads;
using PerfSim.IO.Output;
using PerfSim.Tests.Support;

namespace PerfSim.Tests.Designs;

/// <summary>The trap hook mechanism, per-class overrides, the trapped interrupt flag and debug-register loads.</summary>
public sealed class TrapMechanismTests
{
    private static readonly DesignSpec Hypervisor = DesignSpec.Native with { Name = "hv", Hypervisor = true };

    private static readonly WorkloadOptions Debugged = new() { Shape = ProcessShape.Default with { DebugRegisters = 1 } };

    private static ScenarioResult Run(DesignSpec d, string workload, MachineProfile? m = null, WorkloadOptions? o = null) =>
        ScenarioRunner.Run(new ResolvedConfig(m ?? TestProfiles.Machine(), TestProfiles.Kernel(), d, 1, 1), Lmbench.Find(workload)!, o ?? new WorkloadOptions());

    private static Dictionary<HookOp, HookMechanism> Trap(params HookOp[] ops) => ops.ToDictionary(op => op, _ => HookMechanism.Trap);

    [Fact]
    public void A_trap_override_costs_trap_emulate_per_call_in_place_of_the_instruction()
    {
        var m = TestProfiles.Machine();
        var plain = Run(Hypervisor, "page-fault", m);
        var trapped = Run(Hypervisor with { HookOverrides = Trap(HookOp.ReadCr2) }, "page-fault", m);
        var calls = trapped.HookCallsPerIter[(int)HookOp.ReadCr2];
        Assert.True(calls > 0);
        Assert.Equal(plain.HookCallsPerIter, trapped.HookCallsPerIter);
        Assert.Equal(calls * m[MachineParam.TrapEmulate], trapped.HookCyclesPerIter[(int)HookOp.ReadCr2], 6);
        Assert.Equal(calls, trapped.CounterValue(Counter.PrivilegedTraps), 6);
        Assert.Equal(plain.CyclesPerIter + calls * (m[MachineParam.TrapEmulate] - m[MachineParam.ReadCr2]), trapped.CyclesPerIter, 6);
        Assert.Equal("trap", trapped.HookMechanisms[(int)HookOp.ReadCr2]);
        Assert.Equal("inline", trapped.HookMechanisms[(int)HookOp.IrqDisable]);
    }

    [Fact]
    public void Stts_faults_twice_by_ring_and_exits_once_and_clts_once_either_way()
    {
        var events = TestTraces.Started();
        events.Add(TraceEvent.Fork(0, 1, 2));
        events.Add(TraceEvent.Mark(0, 0, MarkKind.MeasureStart));
        events.Add(TraceEvent.Compute(0, 1, 10, usesFpu: true)); // #NM: clts and the restore
        events.Add(TraceEvent.Compute(0, 2, 10));                // switching away saves the FPU and sets TS: stts
        var m = TestProfiles.Machine();
        StatsSnapshot Measure(TrapMechanism via) => new Simulator(new ResolvedConfig(m, TestProfiles.Kernel(),
                Hypervisor with { TrapVia = via, HookOverrides = Trap(HookOp.WriteCr0, HookOp.Clts) }, 1, 1))
            .Run(new ListTraceSource("t", events)).Measured;
        var ring = Measure(TrapMechanism.Ring);
        var exit = Measure(TrapMechanism.VmExit);
        Assert.Equal(1, ring.HookCalls[(int)HookOp.WriteCr0]);
        Assert.Equal(2 * m[MachineParam.TrapEmulate], ring.HookCycles[(int)HookOp.WriteCr0]);
        Assert.Equal(m[MachineParam.TrapEmulate], ring.HookCycles[(int)HookOp.Clts]);
        Assert.Equal(3, ring.Counts[(int)Counter.PrivilegedTraps]);
        var vmTrap = m[MachineParam.VmExit] + m[MachineParam.VmEmulate];
        Assert.Equal(vmTrap, exit.HookCycles[(int)HookOp.WriteCr0]);
        Assert.Equal(vmTrap, exit.HookCycles[(int)HookOp.Clts]);
        Assert.Equal(2, exit.Counts[(int)Counter.PrivilegedTraps]);
    }

    [Fact]
    public void An_override_changes_how_one_class_is_reached_and_nothing_else()
    {
        var m = TestProfiles.Machine().With(MachineParam.NopByte, 1000, "t"); // whole cycles per NOP byte
        var patched = DesignSpec.Native with { Name = "p", Hook = HookMechanism.Patched };
        var a = Run(patched, "page-fault", m);
        var b = Run(patched with { HookOverrides = new Dictionary<HookOp, HookMechanism> { [HookOp.ReadCr2] = HookMechanism.Rom } }, "page-fault", m);
        var calls = a.HookCallsPerIter[(int)HookOp.ReadCr2];
        var site = HookSites.Of(HookOp.ReadCr2);
        var patchedReach = site.SiteBytes - site.InlineBytes; // the inlined mov, NOP padding after
        Assert.Equal(calls * (m[MachineParam.CallDirect] - patchedReach), b.CyclesPerIter - a.CyclesPerIter, 6);
        for (var i = 0; i < HookSites.Count; i++)
        {
            if (i != (int)HookOp.ReadCr2)
            {
                Assert.Equal(a.HookCyclesPerIter[i], b.HookCyclesPerIter[i], 6);
            }
        }
        Assert.Equal("rom", b.HookMechanisms[(int)HookOp.ReadCr2]);
        Assert.Equal("patched", b.HookMechanisms[(int)HookOp.WriteCr3]);
    }

    [Theory]
    [InlineData("null-call")]
    [InlineData("fork")]
    [InlineData("sig-handle")]
    public void A_trapped_interrupt_flag_traps_every_flag_operation_and_equals_trap_overrides_of_the_four_classes(string workload)
    {
        var m = TestProfiles.Machine();
        var flag = Run(Hypervisor with { IrqFlag = IrqFlagMechanism.Trapped }, workload, m);
        var overrides = Run(Hypervisor with { HookOverrides = Trap(HookOp.IrqDisable, HookOp.IrqEnable, HookOp.SaveFlags, HookOp.RestoreFlags) }, workload, m);
        var ops = flag.CounterValue(Counter.InterruptFlagOps);
        Assert.True(ops > 0);
        Assert.Equal(ops * m[MachineParam.TrapEmulate], flag.Category(CostCategory.InterruptFlag), 6);
        Assert.Equal(ops, flag.CounterValue(Counter.PrivilegedTraps), 6);
        Assert.Equal(overrides.CyclesPerIterByCategory, flag.CyclesPerIterByCategory);
        Assert.Equal(overrides.HookCyclesPerIter, flag.HookCyclesPerIter);
        Assert.Equal("trap", flag.HookMechanisms[(int)HookOp.IrqEnable]);
    }

    [Fact]
    public void A_trapped_flag_under_a_patched_kernel_still_pays_the_patched_site_of_a_class_overridden_back()
    {
        var m = TestProfiles.Machine().With(MachineParam.NopByte, 1000, "t");
        var d = Hypervisor with
        {
            Hook = HookMechanism.Patched, IrqFlag = IrqFlagMechanism.Trapped,
            HookOverrides = new Dictionary<HookOp, HookMechanism> { [HookOp.IrqDisable] = HookMechanism.Patched },
        };
        var r = Run(d, "null-call", m);
        var site = HookSites.Of(HookOp.IrqDisable);
        var calls = r.HookCallsPerIter[(int)HookOp.IrqDisable];
        Assert.Equal(calls * (site.SiteBytes - site.InlineBytes + m[MachineParam.TrapEmulate]), r.HookCyclesPerIter[(int)HookOp.IrqDisable], 6);
        Assert.Equal("patched", r.HookMechanisms[(int)HookOp.IrqDisable]);
        Assert.Equal("trap", r.HookMechanisms[(int)HookOp.IrqEnable]);
    }

    [Fact]
    public void A_trap_by_vm_exit_costs_the_exit_and_the_emulation()
    {
        var m = TestProfiles.Machine();
        var d = Hypervisor with { TrapVia = TrapMechanism.VmExit, HookOverrides = Trap(HookOp.SetDebugReg) };
        var r = Run(d, "ctx-2p-0k", m, Debugged);
        Assert.Equal(6, r.HookCallsPerIter[(int)HookOp.SetDebugReg], 6);
        // The emulation ends in the hardware write the guest asked for (its breakpoints must fire in guest code).
        Assert.Equal(6 * (m[MachineParam.VmExit] + m[MachineParam.VmEmulate] + m[MachineParam.MovDr]), r.HookCyclesPerIter[(int)HookOp.SetDebugReg], 6);
    }

    [Fact]
    public void A_trap_replaces_a_cpu_state_hypercall_and_leaves_the_context_switch_multicall()
    {
        var m = TestProfiles.Machine();
        var xen = Hypervisor with { CpuState = CpuStateMechanism.Hypercall, ContextSwitchMulticall = true };
        var hypercall = Run(xen, "ctx-2p-0k", m, Debugged);
        var trapped = Run(xen with { HookOverrides = Trap(HookOp.SetDebugReg) }, "ctx-2p-0k", m, Debugged);
        Assert.Equal(6 * (m[MachineParam.TrapEmulate] + m[MachineParam.MovDr]), trapped.HookCyclesPerIter[(int)HookOp.SetDebugReg], 6);
        Assert.Equal(hypercall.CounterValue(Counter.Hypercalls) - 6, trapped.CounterValue(Counter.Hypercalls), 6);
        Assert.Equal(6, trapped.CounterValue(Counter.PrivilegedTraps), 6);
    }

    [Fact]
    public void Debug_registers_are_loaded_only_when_the_process_shape_asks_for_them()
    {
        var m = TestProfiles.Machine();
        var plain = Run(DesignSpec.Native, "ctx-2p-0k", m);
        var debugged = Run(DesignSpec.Native, "ctx-2p-0k", m, Debugged);
        Assert.Equal(0, plain.HookCallsPerIter[(int)HookOp.SetDebugReg]);
        Assert.Equal(0, plain.HookCyclesPerIter[(int)HookOp.SetDebugReg]);
        // One switch per hop, each to a task with breakpoints set: dr0-dr3, dr6, dr7.
        Assert.Equal(6, debugged.HookCallsPerIter[(int)HookOp.SetDebugReg], 6);
        Assert.Equal(6 * m[MachineParam.MovDr], debugged.HookCyclesPerIter[(int)HookOp.SetDebugReg], 6);
        Assert.Equal(plain.CyclesPerIter + 6 * m[MachineParam.MovDr], debugged.CyclesPerIter, 6);

        // hooks.csv lists the classes a scenario executed: only the debugged run has a set_debugreg row.
        Assert.DoesNotContain(ResultTables.Hooks([plain]).Rows, row => row[4] == "set_debugreg");
        Assert.Single(ResultTables.Hooks([debugged]).Rows, row => row[4] == "set_debugreg");
    }

    [Fact]
    public void Xen_loads_each_debug_register_by_a_hypercall_of_its_own_even_inside_the_switch_multicall()
    {
        var m = TestProfiles.Machine();
        var xen = Hypervisor with { CpuState = CpuStateMechanism.Hypercall, ContextSwitchMulticall = true };
        var plain = Run(xen, "ctx-2p-0k", m);
        var debugged = Run(xen, "ctx-2p-0k", m, Debugged);
        Assert.Equal(plain.CounterValue(Counter.Hypercalls) + 6, debugged.CounterValue(Counter.Hypercalls), 6);
        Assert.Equal(6 * (m[MachineParam.Hypercall] + m[MachineParam.MulticallEntry] + m[MachineParam.MovDr]), debugged.HookCyclesPerIter[(int)HookOp.SetDebugReg], 6);
    }

    [Theory]
    [InlineData("linux-2.4.21", "native", false, 1)] // 2.4's do_signal reloads DR7 on every delivery
    [InlineData("linux-2.4.21", "fullvirt-bt", false, 1)] // the translated native kernel does too
    [InlineData("linux-2.4.21", "xen-1.0", false, 0)] // XenoLinux guards it: no breakpoints, no hypercall
    [InlineData("linux-2.4.21", "xen-1.0", true, 1)]
    [InlineData("linux-2.6.20", "native", false, 0)] // later kernels reload it only with breakpoints set
    [InlineData("linux-2.6.20", "native", true, 1)]
    public void Signal_delivery_reloads_dr7_as_the_kernel_and_its_port_do(string kernel, string design, bool breakpoints, int writes)
    {
        var catalog = PerfSim.IO.Config.ConfigCatalog.Locate();
        var m = catalog.LoadMachine("xeon-2400-2003");
        var k = catalog.LoadKernel(kernel);
        var d = catalog.LoadDesign(design);
        var r = ScenarioRunner.Run(new ResolvedConfig(m, k, d, 1, 1), Lmbench.Find("sig-handle")!, breakpoints ? Debugged : new WorkloadOptions());
        Assert.Equal(1, r.CounterValue(Counter.SignalsDelivered), 6);
        Assert.Equal(writes, r.HookCallsPerIter[(int)HookOp.SetDebugReg], 6);
        if (writes > 0)
        {
            // Natively the write costs mov_dr; a VMM's or hypervisor's emulation ends in the same hardware write.
            Assert.True(r.HookCyclesPerIter[(int)HookOp.SetDebugReg] >= m[MachineParam.MovDr]);
        }
    }

    [Fact]
    public void Under_binary_translation_a_debug_register_load_is_a_callout()
    {
        var m = TestProfiles.Machine();
        var bt = Hypervisor with { Hook = HookMechanism.Bt, PageTables = PageTableMode.Shadow };
        var r = Run(bt, "ctx-2p-0k", m, Debugged);
        Assert.Equal(6 * (m[MachineParam.BtCallout] + m[MachineParam.MovDr]), r.HookCyclesPerIter[(int)HookOp.SetDebugReg], 6);
    }

    [Fact]
    public void Fork_copies_the_debug_registers_exec_clears_them_and_setting_them_switches_nothing()
    {
        var events = TestTraces.Started();
        events.Add(TraceEvent.DebugRegs(0, 1, set: true));
        events.Add(TraceEvent.Fork(0, 1, 2));
        events.Add(TraceEvent.Mark(0, 0, MarkKind.MeasureStart));
        events.Add(TraceEvent.Compute(0, 2, 10));          // to the child, which inherited them: 6
        events.Add(TraceEvent.Compute(0, 1, 10));          // to the parent: 6
        events.Add(TraceEvent.Exec(0, 2, 1, 1, 1, 1));     // to the child (6), whose exec clears them
        events.Add(TraceEvent.Compute(0, 1, 10));          // 6
        events.Add(TraceEvent.Compute(0, 2, 10));          // none
        events.Add(TraceEvent.DebugRegs(0, 2, set: true)); // a debugger sets them again, without a switch
        events.Add(TraceEvent.Compute(0, 1, 10));          // 6
        events.Add(TraceEvent.Compute(0, 2, 10));          // 6
        var measured = new Simulator(TestProfiles.Config()).Run(new ListTraceSource("t", events)).Measured;
        Assert.Equal(36, measured.HookCalls[(int)HookOp.SetDebugReg]);
        Assert.Equal(7, measured.Counts[(int)Counter.ContextSwitches]);
    }

    [Fact]
    public void A_debugreg_event_with_a_value_other_than_0_or_1_is_refused()
    {
        var events = TestTraces.Started();
        events.Add(new TraceEvent(TraceEventKind.DebugRegs, 0, 1, 2));
        var e = Assert.Throws<SimulationException>(() => new Simulator(TestProfiles.Config()).Run(new ListTraceSource("t", events)));
        Assert.Contains("set must be 0 or 1", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Hooks_csv_shows_each_class_with_its_own_mechanism()
    {
        var catalog = PerfSim.IO.Config.ConfigCatalog.Locate();
        var m = catalog.LoadMachine("xeon-2400-2003");
        var r = ScenarioRunner.Run(new ResolvedConfig(m, catalog.LoadKernel(m.DefaultKernel), catalog.LoadDesign("xen-pv-trap-rare"), 1, 1),
            Lmbench.Find("ctx-2p-0k")!, Debugged);
        var rows = ResultTables.Hooks([r]).Rows;
        var dr = Assert.Single(rows, row => row[4] == "set_debugreg");
        Assert.Equal("trap", dr[5]);
        Assert.Equal("6.0000", dr[6]);
        Assert.Equal((6 * (m[MachineParam.TrapEmulate] + m[MachineParam.MovDr])).ToString("F2", System.Globalization.CultureInfo.InvariantCulture), dr[7]);
        Assert.Equal("inline", Assert.Single(rows, row => row[4] == "load_esp0")[5]);
    }
}
