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

/// <summary>The trap hook mechanism, per-class overrides and the trapped interrupt flag.</summary>
public sealed class TrapMechanismTests
{
    private static readonly DesignSpec Hypervisor = DesignSpec.Native with { Name = "hv", Hypervisor = true };

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
}
