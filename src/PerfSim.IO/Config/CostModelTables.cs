using System.Globalization;
using System.Text;
using PerfSim.Core.Kernel;
using PerfSim.Core.Machine;

namespace PerfSim.IO.Config;

/// <summary>
/// Renders the parameter tables of <c>docs/cost-model.md</c> from the data files, so the document can be
/// regenerated and checked against them.
/// </summary>
public static class CostModelTables
{
    /// <summary>Marks the start of the generated part of the document.</summary>
    public const string BeginMarker = "<!-- BEGIN GENERATED TABLES (CostModelTables; do not edit by hand) -->";

    /// <summary>Marks the end of the generated part of the document.</summary>
    public const string EndMarker = Output.GeneratedSection.EndMarker;

    /// <summary>The generated section: one table per machine, then one table of kernel path lengths across kernels.</summary>
    public static string Render(IReadOnlyList<MachineProfile> machines, IReadOnlyList<KernelProfile> kernels)
    {
        var sb = new StringBuilder();
        sb.Append(BeginMarker).Append('\n');
        foreach (var m in machines)
        {
            sb.Append('\n').Append("### Machine `").Append(m.Name).Append("`\n\n");
            sb.Append(Cell(m.Description)).Append(" Default kernel: `").Append(m.DefaultKernel).Append("`.\n\n");
            sb.Append("| key | unit | value | description | source |\n|---|---|---:|---|---|\n");
            for (var i = 0; i < MachineParams.Count; i++)
            {
                var def = MachineParams.Defs[i];
                var p = (MachineParam)i;
                Row(sb, def.Key, def.Unit.Key(), m[p], def.Description, m.SourceOf(p));
            }
        }
        foreach (var k in kernels)
        {
            sb.Append('\n').Append("### Kernel `").Append(k.Name).Append("`\n\n");
            sb.Append(Cell(k.Description)).Append("\n\n");
            sb.Append("| setting | value |\n|---|---|\n");
            sb.Append("| paging | ").Append(KernelProfileLoader.KeyOf(k.Paging)).Append(" |\n");
            sb.Append("| syscall_entry | ").Append(KernelProfileLoader.KeyOf(k.SyscallEntry)).Append(" |\n");
            sb.Append("| fork_copies_file_ptes | ").Append(Bool(k.ForkCopiesFilePtes)).Append(" |\n");
            sb.Append("| fork_write_protects_read_only_ptes | ").Append(Bool(k.ForkWriteProtectsReadOnlyPtes)).Append(" |\n");
            sb.Append("| fork_child_runs_first | ").Append(Bool(k.ForkChildRunsFirst)).Append(" |\n");
            sb.Append("| exec_reuses_mm | ").Append(Bool(k.ExecReusesMm)).Append(" |\n");
            sb.Append("| zap_flushes_per_vma | ").Append(Bool(k.ZapFlushesPerVma)).Append(" |\n");
            sb.Append("| signal_writes_dr7 | ").Append(Bool(k.SignalWritesDr7)).Append(" |\n");
            sb.Append("| pte_quicklist | ").Append(Bool(k.PteQuicklist)).Append(" |\n");
            sb.Append("| cow_sets_in_place | ").Append(Bool(k.CowSetsInPlace)).Append(" |\n");
            sb.Append("| zap_xchg_only_on_smp | ").Append(Bool(k.ZapXchgOnlyOnSmp)).Append(" |\n");
            sb.Append("| global_kernel_pages | ").Append(Bool(k.GlobalKernelPages)).Append(" |\n");
            if (k.Scheduler is { } sched)
            {
                sb.Append("| scheduler | time slice ").Append(sched.TimesliceUs.ToString("N0", System.Globalization.CultureInfo.InvariantCulture))
                    .Append(" µs, exec balancing ").Append(Bool(sched.ExecBalance))
                    .Append(", idle balancing ").Append(sched.IdleBalanceUs == 0 ? "at once (IPI)" : sched.IdleBalanceUs.ToString("N0", System.Globalization.CultureInfo.InvariantCulture) + " µs").Append(": ").Append(Cell(sched.Source)).Append(" |\n");
            }
        }
        sb.Append("\n### Kernel path lengths (instructions)\n\n");
        sb.Append("| path | description |");
        foreach (var k in kernels)
        {
            sb.Append(" `").Append(k.Name).Append("` |");
        }
        sb.Append("\n|---|---|");
        foreach (var _ in kernels)
        {
            sb.Append("---:|");
        }
        sb.Append('\n');
        for (var i = 0; i < KernelPaths.Count; i++)
        {
            var def = KernelPaths.Defs[i];
            sb.Append("| ").Append(def.Key).Append(" | ").Append(Cell(def.Description)).Append(" |");
            foreach (var k in kernels)
            {
                sb.Append(' ').Append(k[(KernelPath)i].ToString(CultureInfo.InvariantCulture)).Append(" |");
            }
            sb.Append('\n');
        }
        foreach (var k in kernels)
        {
            sb.Append("\n#### Sources of `").Append(k.Name).Append("` path lengths\n\n| path | source |\n|---|---|\n");
            for (var i = 0; i < KernelPaths.Count; i++)
            {
                sb.Append("| ").Append(KernelPaths.Defs[i].Key).Append(" | ").Append(Cell(k.SourceOf((KernelPath)i))).Append(" |\n");
            }
        }
        sb.Append('\n').Append(EndMarker).Append('\n');
        return sb.ToString();
    }

    /// <summary>Replaces the generated section of <paramref name="document"/> (between the markers) with <paramref name="generated"/>.</summary>
    public static string Splice(string document, string generated) => Output.GeneratedSection.Splice(document, BeginMarker, generated);

    private static void Row(StringBuilder sb, string key, string unit, long value, string description, string source) =>
        sb.Append("| ").Append(key).Append(" | ").Append(unit).Append(" | ").Append(value.ToString(CultureInfo.InvariantCulture))
          .Append(" | ").Append(Cell(description)).Append(" | ").Append(Cell(source)).Append(" |\n");

    private static string Bool(bool b) => b ? "true" : "false";

    private static string Cell(string text) => text.Replace("|", "\\|", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal);
}
