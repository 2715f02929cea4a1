using PerfSim.Core.Machine;

namespace PerfSim.Core.Kernel;

/// <summary>A frozen guest-kernel profile: version behaviour knobs and a length for every <see cref="KernelPath"/>.</summary>
public sealed class KernelProfile
{
    private long[] _pathInstructions; // replaced only in a fresh copy (With)
    private string[] _sources;

    public KernelProfile(
        string name,
        string description,
        PagingMode paging,
        SyscallEntry syscallEntry,
        bool forkCopiesFilePtes,
        bool forkWriteProtectsReadOnlyPtes,
        bool globalKernelPages,
        IReadOnlyList<long> pathInstructions,
        IReadOnlyList<string> sources)
    {
        if (pathInstructions.Count != KernelPaths.Count || sources.Count != KernelPaths.Count)
        {
            throw new ArgumentException($"A kernel profile needs exactly {KernelPaths.Count} path lengths and sources.");
        }
        Name = name;
        Description = description;
        Paging = paging;
        SyscallEntry = syscallEntry;
        ForkCopiesFilePtes = forkCopiesFilePtes;
        ForkWriteProtectsReadOnlyPtes = forkWriteProtectsReadOnlyPtes;
        GlobalKernelPages = globalKernelPages;
        _pathInstructions = pathInstructions.ToArray();
        _sources = sources.ToArray();
    }

    public string Name { get; }
    public string Description { get; }
    public PagingMode Paging { get; }
    public SyscallEntry SyscallEntry { get; }

    /// <summary>Linux 2.4 copies the PTEs of every VMA at fork; 2.6 skips VMAs with no anon_vma (refilled by faults).</summary>
    public bool ForkCopiesFilePtes { get; }

    /// <summary>2.6.20 write-protects every COW PTE at fork, even ones already read-only; later kernels skip those.</summary>
    public bool ForkWriteProtectsReadOnlyPtes { get; }

    /// <summary>Kernel mappings are marked global (PGE) so they survive CR3 loads.</summary>
    public bool GlobalKernelPages { get; }

    public long this[KernelPath p] => _pathInstructions[(int)p];

    /// <summary>
    /// Per path, the lock-prefixed operations an SMP build adds (spin locks, atomics, bit operations, barriers that
    /// are plain on UP), indexed by <see cref="KernelPath"/>; null for a profile that describes a UP build only.
    /// </summary>
    public IReadOnlyList<long>? SmpLockedOps { get; init; }

    /// <summary>Where each <see cref="SmpLockedOps"/> count comes from.</summary>
    public IReadOnlyList<string>? SmpLockedOpSources { get; init; }

    /// <summary>
    /// Per path, the rep movs and rep stos instructions one run executes (each is also one of the path's counted
    /// instructions; the machine charges their start-up apart), indexed by <see cref="KernelPath"/>; null when the
    /// profile does not describe them (then they cost only their place in the count).
    /// </summary>
    public IReadOnlyList<long>? RepStringOps { get; init; }

    public IReadOnlyList<string>? RepStringOpSources { get; init; }

    /// <summary>Per path, the dwords those instructions move or store in one run; null with <see cref="RepStringOps"/>.</summary>
    public IReadOnlyList<long>? RepStringDwords { get; init; }

    public IReadOnlyList<string>? RepStringDwordSources { get; init; }

    /// <summary>
    /// Per path, the rep cmps and rep scas instructions one run executes (compares and scans: no fast-string set-up, a
    /// microcoded loop per element), indexed by <see cref="KernelPath"/>; null when the profile does not describe them.
    /// </summary>
    public IReadOnlyList<long>? RepScanOps { get; init; }

    public IReadOnlyList<string>? RepScanOpSources { get; init; }

    /// <summary>Per path, the elements those instructions compare or scan in one run; null with <see cref="RepScanOps"/>.</summary>
    public IReadOnlyList<long>? RepScanElements { get; init; }

    public IReadOnlyList<string>? RepScanElementSources { get; init; }

    /// <summary>
    /// Per path, the returns and indirect calls and jumps 1,000 runs execute (a binary translator looks each target up;
    /// a direct call translates to a direct call), indexed by <see cref="KernelPath"/>; null when the profile does not
    /// count them (then a translator charges only its per-instruction extra).
    /// </summary>
    public IReadOnlyList<long>? IndirectTransfers { get; init; }

    public IReadOnlyList<string>? IndirectTransferSources { get; init; }

    /// <summary>
    /// Per path, the data segment register loads one run executes (SAVE_ALL's and RESTORE_ALL's %ds and %es, 2.6.20's
    /// %gs for its per-CPU data, __switch_to's %fs and %gs; each is also one of the path's counted instructions, and the
    /// machine charges the descriptor load apart), indexed by <see cref="KernelPath"/>; null when the profile does not
    /// count them.
    /// </summary>
    public IReadOnlyList<long>? SegmentLoads { get; init; }

    public IReadOnlyList<string>? SegmentLoadSources { get; init; }

    /// <summary>
    /// Per path, the xchg instructions with a memory operand one run executes (close_files' per descriptor, 2.6's
    /// exit_state): implicitly locked on a UP build too, so priced at the machine's xchg on any CPU count, where
    /// <see cref="SmpLockedOps"/> counts only the lock prefixes an SMP build adds; null when the profile does not count them.
    /// PTE clears by ptep_get_and_clear are page-table operations, not counted here.
    /// </summary>
    public IReadOnlyList<long>? XchgOps { get; init; }

    public IReadOnlyList<string>? XchgOpSources { get; init; }

    /// <summary>
    /// Per <see cref="SharedStep"/> the cache lines of a shared kernel object the step touches, then the per-CPU-runqueue
    /// flag (indexed by <see cref="SharedSteps.Defs"/>); null when the profile does not describe them (then moving them
    /// between CPUs costs nothing).
    /// </summary>
    public IReadOnlyList<long>? SmpCoherence { get; init; }

    public IReadOnlyList<string>? SmpCoherenceSources { get; init; }

    /// <summary>
    /// After fork the child runs first, on the parent's CPU (2.6's wake_up_new_task; 2.4 keeps running the parent and
    /// places the child on an idle CPU). With several CPUs an exec then moves the child to an idle CPU (sched_exec).
    /// </summary>
    public bool ForkChildRunsFirst { get; init; }

    /// <summary>
    /// exec of a process whose mm has no other user tears the old image down in place and keeps the mm, its page
    /// directory and CR3 (2.4's exec_mmap: mm_release, exit_mmap, no mm_alloc); otherwise (2.6, or a shared mm) exec
    /// builds a fresh mm, loads it and drops the old one.
    /// </summary>
    public bool ExecReusesMm { get; init; }

    /// <summary>
    /// do_signal reloads DR7 on every signal delivery, breakpoints or not (i386 Linux up to 2.6.10: "Reenable any
    /// watchpoints before delivering the signal"); otherwise only for a process that has breakpoints set.
    /// </summary>
    public bool SignalWritesDr7 { get; init; }

    /// <summary>
    /// Each zap of one VMA's range ends with its own TLB flush (2.4's zap_page_range calls tlb_finish_mmu per call: one
    /// CR3 reload per VMA at exit and at munmap, and exit_mmap's own flush_tlb_mm after the loop); otherwise (2.6's
    /// unmap_vmas) one gather covers every VMA and is flushed once.
    /// </summary>
    public bool ZapFlushesPerVma { get; init; }

    /// <summary>
    /// Freed page-table pages go onto a quicklist and a new page table is popped from it without a clear (2.4 i386's
    /// pte_free_fast and pte_alloc_one_fast: a freed table is already empty; check_pgt_cache trims the list above
    /// <see cref="PteQuicklistHigh"/> pages); otherwise every new page table is a fresh page cleared (2.6.20's
    /// pte_alloc_one with __GFP_ZERO).
    /// </summary>
    public bool PteQuicklist { get; init; }

    /// <summary>The quicklist's high-water mark: check_pgt_cache frees pages above it (2.4's pgt_cache_water, 25-50).</summary>
    public const int PteQuicklistHigh = 50;

    /// <summary>
    /// A copy-on-write copy writes the new entry over the old one and then flushes the page (2.4's break_cow:
    /// establish_pte, one set_pte and flush_tlb_page); otherwise it clears the entry and flushes before setting the new
    /// one (2.6's ptep_clear_flush, then set_pte_at): one PTE write more.
    /// </summary>
    public bool CowSetsInPlace { get; init; }

    /// <summary>
    /// How a zap clears a present PTE depends on the CPUs online, not on the kind of zap (2.4's mmu_gather: with one
    /// CPU online tlb_remove_page's fast mode reads the entry and pte_clears it; with more, ptep_get_and_clear's xchg,
    /// a full teardown's included); otherwise on the kind of zap (2.6: ptep_get_and_clear_full clears a full-mm
    /// teardown plainly, munmap's clears are xchg on any CPU count).
    /// </summary>
    public bool ZapXchgOnlyOnSmp { get; init; }

    public string SourceOf(KernelPath p) => _sources[(int)p];

    /// <summary>
    /// The scheduler's knobs (several CPUs, a trace the kernel's scheduler places): the time slice of a nice-0 task and
    /// whether exec moves a task to the idlest CPU; null when the profile does not describe them.
    /// </summary>
    public SchedulerParams? Scheduler { get => _scheduler; init => _scheduler = value; }

    private SchedulerParams? _scheduler;

    /// <summary>The file system's journal work per metadata operation (ext3's jbd), or null for a file system without a journal.</summary>
    public JournalCounts? Journal => _journal;

    private JournalCounts? _journal;

    /// <summary>A copy with other scheduler settings (null: none); everything else is carried over.</summary>
    public KernelProfile WithScheduler(SchedulerParams? scheduler)
    {
        var copy = (KernelProfile)MemberwiseClone();
        copy._scheduler = scheduler;
        return copy;
    }

    /// <summary>A copy with another journal (null: none); everything else is carried over.</summary>
    public KernelProfile WithJournal(JournalCounts? journal)
    {
        var copy = (KernelProfile)MemberwiseClone();
        copy._journal = journal;
        return copy;
    }

    /// <summary>A copy with one path's length and source replaced; every other setting is carried over.</summary>
    public KernelProfile With(KernelPath p, long instructions, string source)
    {
        var copy = (KernelProfile)MemberwiseClone();
        copy._pathInstructions = (long[])_pathInstructions.Clone();
        copy._sources = (string[])_sources.Clone();
        copy._pathInstructions[(int)p] = instructions;
        copy._sources[(int)p] = source;
        return copy;
    }

    /// <summary>Entries per page-table page.</summary>
    public int EntriesPerTable => Paging == PagingMode.I386 ? 1024 : 512;

    /// <summary>Page-table entries read by one page walk.</summary>
    public int WalkLevels => Paging == PagingMode.X86_64 ? 4 : 2;
}

/// <summary>
/// A kernel version's scheduler, with its source: the time slice of a nice-0 task (µs); exec balancing (2.6's sched_exec);
/// and how soon a CPU that is already idle takes a task waiting on another CPU's queue: 0 = at once, handed over with a
/// reschedule IPI (2.4's reschedule_idle), else at the idle CPU's next rebalance tick, this many µs apart (2.6).
/// </summary>
public sealed record SchedulerParams(long TimesliceUs, bool ExecBalance, long IdleBalanceUs, string Source);

/// <summary>What one file-system operation does in the journal: transactions opened, buffers given write access, buffers marked dirty metadata, on-disk inodes filled.</summary>
public sealed record JournalOp(int Transactions, int WriteAccess, int DirtyMetadata, int InodeUpdates);

/// <summary>A journaling file system's work per creat() and per unlink() of an empty file, with its source.</summary>
public sealed record JournalCounts(JournalOp Create, JournalOp Unlink, string Source);
