using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using PerfSim.Core.Designs;
using PerfSim.Core.Kernel;
using PerfSim.Core.Machine;
using PerfSim.Core.Simulation;

namespace PerfSim.IO.Output;

/// <summary>
/// The resolved configuration of a run as JSON (every machine parameter with its source, every kernel path
/// with its instructions and derived cycles, the designs, CPU count and seed), and its hash, which every
/// CSV row carries.
/// </summary>
public static class ResolvedConfigJson
{
    public static string Render(MachineProfile machine, KernelProfile kernel, IReadOnlyList<DesignSpec> designs, int cpus, ulong seed, IReadOnlyList<string> overrides,
        int? pcpus = null, long timesliceUs = 30_000, PerfSim.Core.Simulation.Placement placement = PerfSim.Core.Simulation.Placement.Auto)
    {
        var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteNumber("cpus", cpus);
            if (pcpus is { } physical && physical != cpus)
            {
                w.WriteNumber("pcpus", physical); // vCPUs of hypervisor designs share this many physical CPUs
                w.WriteNumber("timeslice_us", timesliceUs);
            }
            if (cpus > 1 && placement != PerfSim.Core.Simulation.Placement.Auto)
            {
                w.WriteString("placement", placement == PerfSim.Core.Simulation.Placement.Trace ? "trace" : "scheduler");
            }
            w.WriteNumber("seed", seed);
            w.WriteStartArray("overrides");
            foreach (var o in overrides)
            {
                w.WriteStringValue(o);
            }
            w.WriteEndArray();
            w.WriteStartObject("machine");
            w.WriteString("name", machine.Name);
            w.WriteString("description", machine.Description);
            w.WriteStartObject("params");
            for (var i = 0; i < MachineParams.Count; i++)
            {
                var d = MachineParams.Defs[i];
                w.WriteStartObject(d.Key);
                w.WriteNumber(d.Unit.Key(), machine[(MachineParam)i]);
                w.WriteString("source", machine.SourceOf((MachineParam)i));
                w.WriteEndObject();
            }
            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteStartObject("kernel");
            w.WriteString("name", kernel.Name);
            w.WriteString("paging", kernel.Paging.ToString());
            w.WriteString("syscall_entry", kernel.SyscallEntry.ToString());
            w.WriteBoolean("fork_copies_file_ptes", kernel.ForkCopiesFilePtes);
            w.WriteBoolean("fork_write_protects_read_only_ptes", kernel.ForkWriteProtectsReadOnlyPtes);
            w.WriteBoolean("fork_child_runs_first", kernel.ForkChildRunsFirst);
            w.WriteBoolean("exec_reuses_mm", kernel.ExecReusesMm);
            w.WriteBoolean("zap_flushes_per_vma", kernel.ZapFlushesPerVma);
            w.WriteBoolean("signal_writes_dr7", kernel.SignalWritesDr7);
            w.WriteBoolean("pte_quicklist", kernel.PteQuicklist);
            w.WriteBoolean("cow_sets_in_place", kernel.CowSetsInPlace);
            w.WriteBoolean("zap_xchg_only_on_smp", kernel.ZapXchgOnlyOnSmp);
            w.WriteBoolean("global_kernel_pages", kernel.GlobalKernelPages);
            if (kernel.Scheduler is { } sched)
            {
                w.WriteStartObject("scheduler");
                w.WriteNumber("timeslice_us", sched.TimesliceUs);
                w.WriteBoolean("exec_balance", sched.ExecBalance);
                w.WriteNumber("idle_balance_us", sched.IdleBalanceUs);
                w.WriteEndObject();
            }
            w.WriteStartObject("paths");
            var cpi = machine[MachineParam.KernelCpi];
            for (var i = 0; i < KernelPaths.Count; i++)
            {
                var p = (KernelPath)i;
                w.WriteStartObject(KernelPaths.Defs[i].Key);
                w.WriteNumber("instructions", kernel[p]);
                w.WriteNumber("cycles", ResolvedConfig.PathCycles(kernel[p], cpi));
                w.WriteString("source", kernel.SourceOf(p));
                w.WriteEndObject();
            }
            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteStartArray("designs");
            foreach (var d in designs)
            {
                w.WriteStartObject();
                w.WriteString("name", d.Name);
                w.WriteString("hook", d.Hook.ToString());
                w.WriteStartObject("hook_overrides");
                foreach (var op in Enum.GetValues<PerfSim.Core.Designs.Hooks.HookOp>())
                {
                    if (d.HookOverrides.TryGetValue(op, out var m))
                    {
                        w.WriteString(PerfSim.Core.Designs.Hooks.HookSites.Of(op).Name, m.ToString());
                    }
                }
                w.WriteEndObject();
                w.WriteString("page_table_mode", d.PageTables.ToString());
                w.WriteString("pte_policy", d.PteUpdates.ToString());
                w.WriteNumber("batch_size", d.BatchSize);
                w.WriteBoolean("batch_outside_lazy_mode", d.BatchOutsideLazyMode);
                w.WriteString("hazard_mode", d.Hazards.ToString());
                w.WriteString("pinning", d.Pinning.ToString());
                w.WriteBoolean("hypervisor", d.Hypervisor);
                w.WriteBoolean("supervisor_mode_kernel", d.SupervisorModeKernel);
                w.WriteBoolean("guest_global_pages", d.GuestGlobalPages);
                w.WriteBoolean("guest_guards_dr7", d.GuestGuardsDr7);
                w.WriteString("shadow_fill", d.ShadowFill.ToString());
                w.WriteNumber("shadow_roots", d.ShadowRoots);
                w.WriteBoolean("shadow_out_of_sync", d.ShadowOutOfSync);
                w.WriteString("trap_via", d.TrapVia.ToString());
                w.WriteString("irq_flag", d.IrqFlag.ToString());
                w.WriteString("cpu_state", d.CpuState.ToString());
                w.WriteString("syscalls", d.Syscalls.ToString());
                w.WriteBoolean("context_switch_multicall", d.ContextSwitchMulticall);
                w.WriteString("ipi", d.Ipi.ToString());
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray()).Replace("\r\n", "\n") + "\n";
    }

    /// <summary>First 12 hex digits of the SHA-256 of the rendered configuration.</summary>
    public static string Hash(string renderedJson) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(renderedJson)))[..12];
}
