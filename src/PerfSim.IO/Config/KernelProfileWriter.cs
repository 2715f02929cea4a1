using System.Text;
using System.Text.Json;
using PerfSim.Core.Kernel;
using PerfSim.Core.Machine;

namespace PerfSim.IO.Config;

/// <summary>Writes a kernel profile in the exact format <see cref="KernelProfileLoader"/> reads.</summary>
public static class KernelProfileWriter
{
    public static string Render(KernelProfile k)
    {
        var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            w.WriteString("name", k.Name);
            w.WriteString("description", k.Description);
            w.WriteString("paging", KernelProfileLoader.KeyOf(k.Paging));
            w.WriteString("syscall_entry", KernelProfileLoader.KeyOf(k.SyscallEntry));
            w.WriteBoolean("fork_copies_file_ptes", k.ForkCopiesFilePtes);
            w.WriteBoolean("fork_write_protects_read_only_ptes", k.ForkWriteProtectsReadOnlyPtes);
            w.WriteBoolean("global_kernel_pages", k.GlobalKernelPages);
            w.WriteBoolean("fork_child_runs_first", k.ForkChildRunsFirst);
            w.WriteBoolean("exec_reuses_mm", k.ExecReusesMm);
            w.WriteBoolean("zap_flushes_per_vma", k.ZapFlushesPerVma);
            w.WriteBoolean("signal_writes_dr7", k.SignalWritesDr7);
            w.WriteBoolean("pte_quicklist", k.PteQuicklist);
            w.WriteBoolean("cow_sets_in_place", k.CowSetsInPlace);
            w.WriteBoolean("zap_xchg_only_on_smp", k.ZapXchgOnlyOnSmp);
            if (k.Scheduler is { } sched)
            {
                w.WriteStartObject("scheduler");
                w.WriteNumber("timeslice_us", sched.TimesliceUs);
                w.WriteBoolean("exec_balance", sched.ExecBalance);
                w.WriteNumber("idle_balance_us", sched.IdleBalanceUs);
                w.WriteString("source", sched.Source);
                w.WriteEndObject();
            }
            if (k.Journal is { } journal)
            {
                w.WriteStartObject("journal");
                foreach (var (key, op) in new[] { ("create", journal.Create), ("unlink", journal.Unlink) })
                {
                    w.WriteStartObject(key);
                    w.WriteNumber("transactions", op.Transactions);
                    w.WriteNumber("write_access", op.WriteAccess);
                    w.WriteNumber("dirty_metadata", op.DirtyMetadata);
                    w.WriteNumber("inode_updates", op.InodeUpdates);
                    w.WriteEndObject();
                }
                w.WriteString("source", journal.Source);
                w.WriteEndObject();
            }
            w.WriteStartObject("paths");
            for (var i = 0; i < KernelPaths.Count; i++)
            {
                var d = KernelPaths.Defs[i];
                w.WriteStartObject(d.Key);
                w.WriteNumber(ParamUnit.Instructions.Key(), k[(KernelPath)i]);
                w.WriteString("source", k.SourceOf((KernelPath)i));
                w.WriteEndObject();
            }
            w.WriteEndObject();
            if (k.SmpLockedOps is { } smp)
            {
                w.WriteStartObject("smp_locked_ops");
                for (var i = 0; i < KernelPaths.Count; i++)
                {
                    w.WriteStartObject(KernelPaths.SmpDefs[i].Key);
                    w.WriteNumber(ParamUnit.LockedOps.Key(), smp[i]);
                    w.WriteString("source", k.SmpLockedOpSources![i]);
                    w.WriteEndObject();
                }
                w.WriteEndObject();
            }
            var repTables = new List<(string, IReadOnlyList<long>, IReadOnlyList<string>, IReadOnlyList<ParamDef>)>();
            if (k.RepStringOps is { } ops && k.RepStringDwords is { } dwords)
            {
                repTables.Add(("rep_string_ops", ops, k.RepStringOpSources!, KernelPaths.RepOpDefs));
                repTables.Add(("rep_string_dwords", dwords, k.RepStringDwordSources!, KernelPaths.RepDwordDefs));
            }
            if (k.RepScanOps is { } scans && k.RepScanElements is { } elements)
            {
                repTables.Add(("rep_scan_ops", scans, k.RepScanOpSources!, KernelPaths.RepScanOpDefs));
                repTables.Add(("rep_scan_elements", elements, k.RepScanElementSources!, KernelPaths.RepScanElementDefs));
            }
            if (k.IndirectTransfers is { } transfers)
            {
                repTables.Add(("indirect_transfers", transfers, k.IndirectTransferSources!, KernelPaths.IndirectTransferDefs));
            }
            if (k.SegmentLoads is { } segments)
            {
                repTables.Add(("segment_loads", segments, k.SegmentLoadSources!, KernelPaths.SegmentLoadDefs));
            }
            if (k.XchgOps is { } xchgs)
            {
                repTables.Add(("xchg_ops", xchgs, k.XchgOpSources!, KernelPaths.XchgOpDefs));
            }
            {
                foreach (var (key, values, sources, defs) in repTables)
                {
                    w.WriteStartObject(key);
                    for (var i = 0; i < KernelPaths.Count; i++)
                    {
                        w.WriteStartObject(defs[i].Key);
                        w.WriteNumber(defs[i].Unit.Key(), values[i]);
                        w.WriteString("source", sources[i]);
                        w.WriteEndObject();
                    }
                    w.WriteEndObject();
                }
            }
            if (k.SmpCoherence is { } coh)
            {
                w.WriteStartObject("smp_coherence");
                for (var i = 0; i < SharedSteps.Defs.Count; i++)
                {
                    w.WriteStartObject(SharedSteps.Defs[i].Key);
                    w.WriteNumber(SharedSteps.Defs[i].Unit.Key(), coh[i]);
                    w.WriteString("source", k.SmpCoherenceSources![i]);
                    w.WriteEndObject();
                }
                w.WriteEndObject();
            }
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray()).Replace("\r\n", "\n") + "\n";
    }
}
