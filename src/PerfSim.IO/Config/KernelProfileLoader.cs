using PerfSim.Core.Kernel;

namespace PerfSim.IO.Config;

/// <summary>
/// Loads a guest-kernel profile (<c>workloads/kernels/&lt;name&gt;.json</c>) strictly: every knob and every
/// <see cref="KernelPath"/> length present, unknown keys are errors, all errors of a file reported together.
/// </summary>
public static class KernelProfileLoader
{
    private static readonly string[] TopKeys =
    [
        "name", "description", "paging", "syscall_entry", "fork_copies_file_ptes",
        "fork_write_protects_read_only_ptes", "global_kernel_pages", "paths", "smp_locked_ops", "rep_string_ops", "rep_string_dwords", "rep_scan_ops", "rep_scan_elements", "indirect_transfers", "segment_loads", "xchg_ops", "smp_coherence", "fork_child_runs_first",
        "exec_reuses_mm", "zap_flushes_per_vma", "signal_writes_dr7", "pte_quicklist", "cow_sets_in_place", "zap_xchg_only_on_smp", "scheduler", "journal",
    ];

    private static readonly string[] JournalKeys = ["create", "unlink", "source"];
    private static readonly string[] JournalOpKeys = ["transactions", "write_access", "dirty_metadata", "inode_updates"];

    private static readonly string[] SchedulerKeys = ["timeslice_us", "exec_balance", "idle_balance_us", "source"];

    private static readonly string[] RequiredKeys =
    [
        "name", "description", "paging", "syscall_entry", "fork_copies_file_ptes",
        "fork_write_protects_read_only_ptes", "global_kernel_pages", "paths",
    ];

    private static readonly (string, PagingMode)[] PagingNames =
        [("i386", PagingMode.I386), ("pae", PagingMode.Pae), ("x86_64", PagingMode.X86_64)];

    private static readonly (string, SyscallEntry)[] EntryNames =
        [("int80", SyscallEntry.Int80), ("sysenter", SyscallEntry.Sysenter)];

    /// <summary>The data-file spelling of a paging mode.</summary>
    public static string KeyOf(PagingMode mode) => PagingNames.First(p => p.Item2 == mode).Item1;

    /// <summary>The data-file spelling of a system-call entry mechanism.</summary>
    public static string KeyOf(SyscallEntry entry) => EntryNames.First(p => p.Item2 == entry).Item1;

    /// <summary>Loads and validates a kernel profile file. The profile's name must equal the file name stem.</summary>
    /// <exception cref="ConfigException">The file is missing, malformed or invalid.</exception>
    public static KernelProfile Load(string path) =>
        Parse(ConfigFile.ReadUtf8(path), path, Path.GetFileNameWithoutExtension(path));

    /// <summary>Parses a kernel profile from UTF-8 JSON. <paramref name="expectedName"/>, if given, must equal the "name" field.</summary>
    /// <exception cref="ConfigException">The JSON is malformed or invalid.</exception>
    /// <summary>
    /// Two per-path tables that only mean something together (instructions and what they move or visit): both, or
    /// neither; one alone is an error at it naming the other.
    /// </summary>
    private static (long[]? A, string[]? ASources, long[]? B, string[]? BSources) ReadPair(ConfigReader r, Dictionary<string, JsonProperty> top,
        string keyA, IReadOnlyList<PerfSim.Core.Machine.ParamDef> defsA, string keyB, IReadOnlyList<PerfSim.Core.Machine.ParamDef> defsB)
    {
        top.TryGetValue(keyA, out var a);
        top.TryGetValue(keyB, out var b);
        var (va, sa) = a is null ? (null, null) : ParamTableReader.Read(r, a.Value, keyA, defsA);
        var (vb, sb) = b is null ? (null, null) : ParamTableReader.Read(r, b.Value, keyB, defsB);
        if (a is not null != (b is not null))
        {
            var (given, missing) = a is not null ? (a, keyB) : (b!, keyA);
            r.Error(given.Value.Offset, missing, $"missing: {given.Name} and {missing} come together (give both tables or neither)");
        }
        return (va, sa, vb, sb);
    }

    public static KernelProfile Parse(byte[] utf8, string file, string? expectedName = null)
    {
        var r = new ConfigReader(file, ConfigFile.StripBom(utf8));
        var root = r.Parse();
        r.ThrowIfErrors();
        var top = r.Object(root!, "", TopKeys, RequiredKeys);
        string? name = null, description = null;
        PagingMode? paging = null;
        SyscallEntry? entry = null;
        bool? copiesFile = null, wrprotectsRo = null, globalPages = null;
        long[] values = new long[KernelPaths.Count];
        string[] sources = new string[KernelPaths.Count];
        long[]? smp = null;
        string[]? smpSources = null;
        long[]? repOps = null;
        string[]? repOpSources = null;
        long[]? repDwords = null;
        string[]? repDwordSources = null;
        long[]? scanOps = null;
        string[]? scanOpSources = null;
        long[]? scanElements = null;
        string[]? scanElementSources = null;
        long[]? transfers = null;
        string[]? transferSources = null;
        long[]? segmentLoads = null;
        string[]? segmentLoadSources = null;
        long[]? xchgOps = null;
        string[]? xchgOpSources = null;
        long[]? coherence = null;
        bool childFirst = false, execReuses = false, signalDr7 = false, quicklist = false, cowInPlace = false,
            zapXchgSmp = false, zapFlushes = false;
        SchedulerParams? scheduler = null;
        JournalCounts? journal = null;
        string[]? coherenceSources = null;
        if (top is not null)
        {
            (name, description) = r.NameAndDescription(top, expectedName, allowEmptyDescription: true);
            if (top.TryGetValue("paging", out var pg))
            {
                paging = r.Choice(pg.Value, "paging", PagingNames);
            }
            if (top.TryGetValue("syscall_entry", out var se))
            {
                entry = r.Choice(se.Value, "syscall_entry", EntryNames);
            }
            if (top.TryGetValue("fork_copies_file_ptes", out var f1))
            {
                copiesFile = r.Bool(f1.Value, "fork_copies_file_ptes");
            }
            if (top.TryGetValue("fork_write_protects_read_only_ptes", out var f2))
            {
                wrprotectsRo = r.Bool(f2.Value, "fork_write_protects_read_only_ptes");
            }
            if (top.TryGetValue("global_kernel_pages", out var f3))
            {
                globalPages = r.Bool(f3.Value, "global_kernel_pages");
            }
            if (top.TryGetValue("paths", out var p))
            {
                (values, sources) = ParamTableReader.Read(r, p.Value, "paths", KernelPaths.Defs);
            }
            if (top.TryGetValue("smp_locked_ops", out var sl))
            {
                (smp, smpSources) = ParamTableReader.Read(r, sl.Value, "smp_locked_ops", KernelPaths.SmpDefs);
            }
            (repOps, repOpSources, repDwords, repDwordSources) =
                ReadPair(r, top, "rep_string_ops", KernelPaths.RepOpDefs, "rep_string_dwords", KernelPaths.RepDwordDefs);
            // An optional per-path count table (null when absent) and an optional knob (false when absent).
            (long[]? Values, string[]? Sources) Table(string key, IReadOnlyList<PerfSim.Core.Machine.ParamDef> defs) =>
                top.TryGetValue(key, out var t) ? ParamTableReader.Read(r, t.Value, key, defs) : (null, null);
            bool Knob(string key) => top.TryGetValue(key, out var k) && (r.Bool(k.Value, key) ?? false);
            (transfers, transferSources) = Table("indirect_transfers", KernelPaths.IndirectTransferDefs);
            (segmentLoads, segmentLoadSources) = Table("segment_loads", KernelPaths.SegmentLoadDefs);
            (xchgOps, xchgOpSources) = Table("xchg_ops", KernelPaths.XchgOpDefs);
            (scanOps, scanOpSources, scanElements, scanElementSources) =
                ReadPair(r, top, "rep_scan_ops", KernelPaths.RepScanOpDefs, "rep_scan_elements", KernelPaths.RepScanElementDefs);
            childFirst = Knob("fork_child_runs_first");
            execReuses = Knob("exec_reuses_mm");
            signalDr7 = Knob("signal_writes_dr7");
            quicklist = Knob("pte_quicklist");
            cowInPlace = Knob("cow_sets_in_place");
            zapXchgSmp = Knob("zap_xchg_only_on_smp");
            zapFlushes = Knob("zap_flushes_per_vma");
            if (top.TryGetValue("scheduler", out var sch) && r.Object(sch.Value, "scheduler", SchedulerKeys, SchedulerKeys) is { } so
                && so.Count == SchedulerKeys.Length)
            {
                var slice = r.Integer(so["timeslice_us"].Value, "scheduler.timeslice_us", 1, 10_000_000);
                var exec = r.Bool(so["exec_balance"].Value, "scheduler.exec_balance");
                var idleBalance = r.Integer(so["idle_balance_us"].Value, "scheduler.idle_balance_us", 0, 10_000_000);
                var source = r.String(so["source"].Value, "scheduler.source", allowEmpty: false);
                if (slice is not null && exec is not null && idleBalance is not null && source is not null)
                {
                    scheduler = new SchedulerParams(slice.Value, exec.Value, idleBalance.Value, source);
                }
            }
            if (top.TryGetValue("journal", out var jn) && r.Object(jn.Value, "journal", JournalKeys, JournalKeys) is { } jo && jo.Count == JournalKeys.Length)
            {
                JournalOp? Op(string key)
                {
                    if (r.Object(jo[key].Value, ConfigReader.Join("journal", key), JournalOpKeys, JournalOpKeys) is not { } o || o.Count != JournalOpKeys.Length)
                    {
                        return null;
                    }
                    var n = JournalOpKeys.Select(k => r.Integer(o[k].Value, ConfigReader.Join(ConfigReader.Join("journal", key), k), 0, 1000)).ToArray();
                    return n.All(v => v is not null) ? new JournalOp((int)n[0]!, (int)n[1]!, (int)n[2]!, (int)n[3]!) : null;
                }
                var create = Op("create");
                var unlink = Op("unlink");
                var source = r.String(jo["source"].Value, "journal.source", allowEmpty: false);
                if (create is not null && unlink is not null && source is not null)
                {
                    journal = new JournalCounts(create, unlink, source);
                }
            }
            if (top.TryGetValue("smp_coherence", out var sc))
            {
                (coherence, coherenceSources) = ParamTableReader.Read(r, sc.Value, "smp_coherence", SharedSteps.Defs);
            }
        }
        r.ThrowIfErrors();
        return new KernelProfile(name!, description!, paging!.Value, entry!.Value, copiesFile!.Value, wrprotectsRo!.Value, globalPages!.Value, values, sources)
        {
            SmpLockedOps = smp,
            SmpLockedOpSources = smpSources,
            RepStringOps = repOps,
            RepStringOpSources = repOpSources,
            RepStringDwords = repDwords,
            RepStringDwordSources = repDwordSources,
            RepScanOps = scanOps,
            RepScanOpSources = scanOpSources,
            RepScanElements = scanElements,
            RepScanElementSources = scanElementSources,
            IndirectTransfers = transfers,
            IndirectTransferSources = transferSources,
            SegmentLoads = segmentLoads,
            SegmentLoadSources = segmentLoadSources,
            XchgOps = xchgOps,
            XchgOpSources = xchgOpSources,
            SmpCoherence = coherence,
            SmpCoherenceSources = coherenceSources,
            ForkChildRunsFirst = childFirst,
            ExecReusesMm = execReuses,
            SignalWritesDr7 = signalDr7,
            PteQuicklist = quicklist,
            CowSetsInPlace = cowInPlace,
            ZapXchgOnlyOnSmp = zapXchgSmp,
            ZapFlushesPerVma = zapFlushes,
            Scheduler = scheduler,
        }.WithJournal(journal);
    }
}
