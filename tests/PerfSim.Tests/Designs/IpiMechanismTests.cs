using PerfSim.Core.Designs;
using PerfSim.Core.Designs.Hooks;
using PerfSim.Core.Kernel;
using PerfSim.Core.Machine;
using PerfSim.Core.Simulation;
using PerfSim.Core.Stats;
using PerfSim.Tests.Support;

namespace PerfSim.Tests.Designs;

/// <summary>
/// Sending IPIs and remote TLB flushes by each mechanism. The kernel model is uniprocessor, so these call the
/// platform operations directly on a four-CPU machine, from CPU 0 to CPUs 1-3.
/// </summary>
public sealed class IpiMechanismTests
{
    private static readonly int[] Others = [1, 2, 3];
    private static readonly MachineProfile M = TestProfiles.Machine();

    private static DesignSpec Design(IpiMechanism ipi, TrapMechanism via = TrapMechanism.Ring) =>
        DesignSpec.Native with { Name = "ipi", Ipi = ipi, TrapVia = via, Hypervisor = ipi != IpiMechanism.Native };

    private static Simulator Sim(DesignSpec d) => new(new ResolvedConfig(M, TestProfiles.Kernel(), d, 4, 1));

    /// <summary>Runs an operation on CPU 0 and returns the cycles it charged, checking they all went to the ipi and hook categories.</summary>
    private static long Cost(Simulator sim, Action<ComposedDesign> op)
    {
        var p = (ComposedDesign)sim.Platform;
        p.CurrentCpu = 0;
        var before = sim.Stats.Snapshot();
        op(p);
        var d = sim.Stats.Since(before);
        var total = d.Cycles.Sum();
        Assert.Equal(total, d.Cycles[(int)CostCategory.Ipi] + d.Cycles[(int)CostCategory.Hook]);
        return total;
    }

    private static long Send(DesignSpec d) => Cost(Sim(d), p => p.SendIpi(Others));

    private static AddressSpace Mm() => new(1, TestProfiles.Kernel().EntriesPerTable);

    [Fact]
    public void A_native_ipi_is_one_apic_send_for_every_target()
    {
        var sim = Sim(Design(IpiMechanism.Native));
        Assert.Equal(M[MachineParam.IpiSend], Cost(sim, p => p.SendIpi(Others)));
        Assert.Equal(3, sim.Stats.Counts[(int)Counter.IpiTargets]);
        Assert.Equal(1, sim.Stats.HookCalls[(int)HookOp.SendIpi]);
        Assert.Equal(M[MachineParam.IpiSend], Cost(sim, p => p.FlushTlbOthers(Mm(), Others)));
        Assert.Equal(1, sim.Stats.HookCalls[(int)HookOp.FlushTlbOthers]);
    }

    [Fact]
    public void An_event_channel_ipi_is_a_send_hypercall_per_target_and_a_kick_of_each_running_one()
    {
        var sim = Sim(Design(IpiMechanism.Hypercall));
        var each = M[MachineParam.Hypercall] + M[MachineParam.EvtchnSend];
        Assert.Equal(3 * each + 3 * M[MachineParam.IpiSend], Cost(sim, p => p.SendIpi(Others)));
        Assert.Equal(3, sim.Stats.Counts[(int)Counter.Hypercalls]);
        ((ComposedDesign)sim.Platform).SetVcpuRunning(2, false);
        Assert.Equal(3 * each + 2 * M[MachineParam.IpiSend], Cost(sim, p => p.FlushTlbOthers(Mm(), Others)));
    }

    [Fact]
    public void A_trapped_ipi_traps_both_apic_writes_and_the_vmm_sends_the_physical_ipis()
    {
        var apic = M[MachineParam.ApicEmulate];
        var sends = 3 * M[MachineParam.IpiSend];
        var sim = Sim(Design(IpiMechanism.Trapped));
        Assert.Equal(2 * (M[MachineParam.TrapEmulate] + apic) + sends, Cost(sim, p => p.SendIpi(Others)));
        Assert.Equal(2, sim.Stats.Counts[(int)Counter.PrivilegedTraps]);
        Assert.Equal(2 * (M[MachineParam.VmExit] + apic) + sends, Send(Design(IpiMechanism.Trapped, TrapMechanism.VmExit)));
        // Binary translation: the site's callout is the first APIC write, a second callout the other.
        var bt = Design(IpiMechanism.Trapped) with { Hook = HookMechanism.Bt, PageTables = PageTableMode.Shadow };
        Assert.Equal(2 * (M[MachineParam.BtCallout] + apic) + sends, Send(bt));
    }

    [Fact]
    public void A_paravirtual_remote_flush_is_one_hypercall_and_skips_descheduled_vcpus()
    {
        var sim = Sim(Design(IpiMechanism.PvFlush));
        var p = (ComposedDesign)sim.Platform;
        var hypercall = M[MachineParam.Hypercall] + M[MachineParam.MulticallEntry];
        Assert.Equal(hypercall + M[MachineParam.IpiSend], Cost(sim, x => x.FlushTlbOthers(Mm(), Others)));
        Assert.Equal(1, sim.Stats.Counts[(int)Counter.Hypercalls]);
        Assert.Equal(3, sim.Stats.Counts[(int)Counter.IpiTargets]);
        p.SetVcpuRunning(1, false);
        p.SetVcpuRunning(3, false);
        Assert.Equal(hypercall + M[MachineParam.IpiSend], Cost(sim, x => x.FlushTlbOthers(Mm(), Others)));
        Assert.Equal(4, sim.Stats.Counts[(int)Counter.IpiTargets]); // only vCPU 2 was interrupted
        p.SetVcpuRunning(2, false);
        Assert.Equal(hypercall, Cost(sim, x => x.FlushTlbOthers(Mm(), Others)));
        Assert.Equal(4, sim.Stats.Counts[(int)Counter.IpiTargets]);
        // Other IPIs still go by event channel.
        Assert.Equal(Send(Design(IpiMechanism.Hypercall)), Send(Design(IpiMechanism.PvFlush)));
    }

    [Fact]
    public void The_hook_mechanism_prices_reaching_the_ipi_site()
    {
        var rom = Design(IpiMechanism.Native) with { Hook = HookMechanism.Rom };
        var sim = Sim(rom);
        Assert.Equal(M[MachineParam.CallDirect] + M[MachineParam.IpiSend], Cost(sim, p => p.SendIpi(Others)));
        Assert.Equal(M[MachineParam.CallDirect] + M[MachineParam.IpiSend], sim.Stats.HookCycles[(int)HookOp.SendIpi]);
    }

    [Fact]
    public void No_targets_cost_nothing_and_a_target_must_be_another_cpu_of_the_run()
    {
        var sim = Sim(Design(IpiMechanism.Hypercall));
        Assert.Equal(0, Cost(sim, p => p.SendIpi([])));
        Assert.Equal(0, sim.Stats.HookCalls[(int)HookOp.SendIpi]);
        var p = (ComposedDesign)sim.Platform;
        Assert.Throws<ArgumentOutOfRangeException>(() => p.SendIpi([0]));
        Assert.Throws<ArgumentOutOfRangeException>(() => p.FlushTlbOthers(Mm(), [4]));
    }

    [Fact]
    public void Ipis_other_than_native_need_a_hypervisor()
    {
        Assert.NotEmpty((DesignSpec.Native with { Ipi = IpiMechanism.Trapped }).Problems());
        Assert.Empty((DesignSpec.Native with { Ipi = IpiMechanism.Trapped, Hypervisor = true }).Problems());
    }
}
