using PerfSim.Core.Machine;

namespace PerfSim.Core.Kernel;

/// <summary>Key, default length and description of every <see cref="KernelPath"/>.</summary>
public static class KernelPaths
{
    public static readonly int Count = Enum.GetValues<KernelPath>().Length;

    /// <summary>Metadata, indexed by <see cref="KernelPath"/>; the unit is always instructions.</summary>
    public static readonly IReadOnlyList<ParamDef> Defs = Build();

    /// <summary>The same keys for a kernel profile's <c>rep_string_ops</c> table: rep movs/stos instructions per run of the path.</summary>
    public static readonly IReadOnlyList<ParamDef> RepOpDefs = Defs.Select(d => new ParamDef(d.Key, ParamUnit.Count, 0, 100_000,
        "rep movs and rep stos instructions one run of the path executes (each also counted as one of its instructions): " + d.Description)).ToArray();

    /// <summary>The same keys for a kernel profile's <c>rep_string_dwords</c> table: dwords those instructions move or store per run.</summary>
    public static readonly IReadOnlyList<ParamDef> RepDwordDefs = Defs.Select(d => new ParamDef(d.Key, ParamUnit.Count, 0, 100_000_000,
        "Dwords (4 bytes) the path's rep movs and rep stos instructions move or store in one run: " + d.Description)).ToArray();

    /// <summary>The same keys for a kernel profile's <c>rep_scan_ops</c> table: rep cmps/scas instructions per run of the path.</summary>
    public static readonly IReadOnlyList<ParamDef> RepScanOpDefs = Defs.Select(d => new ParamDef(d.Key, ParamUnit.Count, 0, 100_000,
        "rep cmps and rep scas instructions (an inlined memcmp, strlen, find_first_zero_bit) one run of the path executes (each also counted as one of its instructions): " + d.Description)).ToArray();

    /// <summary>The same keys for a kernel profile's <c>rep_scan_elements</c> table: elements those instructions compare or scan per run.</summary>
    public static readonly IReadOnlyList<ParamDef> RepScanElementDefs = Defs.Select(d => new ParamDef(d.Key, ParamUnit.Count, 0, 100_000_000,
        "Elements (bytes for cmpsb and scasb, dwords for scasl) the path's rep cmps and rep scas instructions compare or scan in one run: " + d.Description)).ToArray();

    /// <summary>The same keys for a kernel profile's <c>indirect_transfers</c> table: returns and indirect calls and jumps per 1,000 runs.</summary>
    public static readonly IReadOnlyList<ParamDef> IndirectTransferDefs = Defs.Select(d => new ParamDef(d.Key, ParamUnit.Per1000Runs, 0, 100_000_000,
        "Returns and indirect calls and jumps (switch tables, function pointers) 1,000 runs of the path execute: the control transfers a binary translator resolves through a lookup. " + d.Description)).ToArray();

    /// <summary>The same keys for a kernel profile's <c>segment_loads</c> table: data segment register loads per run of the path.</summary>
    public static readonly IReadOnlyList<ParamDef> SegmentLoadDefs = Defs.Select(d => new ParamDef(d.Key, ParamUnit.Count, 0, 100_000,
        "Loads of a data segment register (mov or pop to %ds, %es, %fs, %gs) one run of the path executes (each also counted as one of its instructions): " + d.Description)).ToArray();

    /// <summary>The same keys for a kernel profile's <c>xchg_ops</c> table: xchg instructions with memory per run of the path.</summary>
    public static readonly IReadOnlyList<ParamDef> XchgOpDefs = Defs.Select(d => new ParamDef(d.Key, ParamUnit.Count, 0, 100_000,
        "xchg instructions with a memory operand, implicitly locked on any build, one run of the path executes (each also counted as one of its instructions): " + d.Description)).ToArray();

    /// <summary>The same keys for a kernel profile's <c>smp_locked_ops</c> table: lock-prefixed operations an SMP build adds per run of the path.</summary>
    public static readonly IReadOnlyList<ParamDef> SmpDefs = Defs.Select(d => new ParamDef(d.Key, ParamUnit.LockedOps, 0, 100_000,
        "Lock-prefixed operations an SMP build of the kernel executes on this path and a UP build does not: " + d.Description)).ToArray();

    private static ParamDef[] Build()
    {
        var d = new ParamDef[Count];
        void P(KernelPath p, string key, string description) => d[(int)p] = new ParamDef(key, ParamUnit.Instructions, 0, 100_000_000, description);
        P(KernelPath.SyscallDispatch, "syscall_dispatch", "System-call entry and exit path: SAVE_ALL, table dispatch, exit-work check, RESTORE_ALL.");
        P(KernelPath.SysNull, "sys_null", "Body of a trivial system call (getppid).");
        P(KernelPath.SysReadDevZero, "sys_read_devzero", "read() of 1 byte from /dev/zero: fget, rw_verify_area, the driver, fput.");
        P(KernelPath.SysWriteDevNull, "sys_write_devnull", "write() of 1 byte to /dev/null.");
        P(KernelPath.SysStat, "sys_stat", "stat(): path lookup through the dcache and inode copy-out.");
        P(KernelPath.SysOpen, "sys_open", "open(O_RDONLY): path lookup, file allocation, fd install.");
        P(KernelPath.SysClose, "sys_close", "close(): fd release and fput.");
        P(KernelPath.SysSigaction, "sys_sigaction", "rt_sigaction installing a handler.");
        P(KernelPath.SysKill, "sys_kill", "kill(): permission checks and queueing a signal to a process.");
        P(KernelPath.SignalSetupFrame, "signal_setup_frame", "Signal delivery on return to user: dequeue, build the signal frame on the user stack.");
        P(KernelPath.SysSigreturn, "sys_sigreturn", "sigreturn: restore the saved context from the signal frame.");
        P(KernelPath.SysSelectBase, "sys_select_base", "select(): fixed part (copying fd sets, the poll table).");
        P(KernelPath.SysSelectPerFd, "sys_select_per_fd", "select(): per descriptor polled (a TCP socket's poll).");
        P(KernelPath.SysCreate, "sys_create", "creat() of a new empty file on ext2/ext3 plus the close that follows.");
        P(KernelPath.SysUnlink, "sys_unlink", "unlink() of a small file.");
        P(KernelPath.SysWritePerPage, "sys_write_per_page", "write(): per 4 KB page copied into the page cache.");
        P(KernelPath.JournalTransaction, "journal_transaction", "ext3/jbd journal_start and journal_stop around one file-system operation: handle allocation, credits, the transaction's update count.");
        P(KernelPath.JournalWriteAccess, "journal_write_access", "jbd journal_get_write_access on a buffer already in the running transaction (the usual case): journal head, buffer lock, revoke check.");
        P(KernelPath.JournalDirtyMetadata, "journal_dirty_metadata", "jbd journal_dirty_metadata on a buffer already on the running transaction's metadata list.");
        P(KernelPath.InodeUpdate, "inode_update", "ext3_mark_inode_dirty's own work besides its journal calls: ext3_get_inode_loc (a division, a buffer-cache hit) and filling the 128-byte on-disk inode.");
        P(KernelPath.DirEntryScan, "dir_entry_scan", "Per existing entry of a linear ext2/ext3 directory scan (ext3_find_entry's and ext3_add_entry's comparison and record checks).");
        P(KernelPath.PipeRead, "pipe_read", "read() of a few bytes from a pipe that holds them.");
        P(KernelPath.PipeWrite, "pipe_write", "write() of a few bytes to a pipe, waking the reader.");
        P(KernelPath.SysMsync, "sys_msync", "msync() over a small mapping.");
        P(KernelPath.SysBrk, "sys_brk", "brk() moving the heap end.");
        P(KernelPath.SysOther, "sys_other", "Any system call the model does not name.");
        P(KernelPath.ExceptionBase, "exception_base", "A synchronous exception handled in the kernel (divide error): the entry stub and the handler's fix-up, without a signal.");
        P(KernelPath.ForkBase, "fork_base", "copy_process: task struct and kernel stack, files, fs, signal handlers, pid, runqueue insert.");
        P(KernelPath.ForkPerVma, "fork_per_vma", "dup_mmap: per VMA copied (vm_area_struct, anon_vma link, file refcount).");
        P(KernelPath.ForkPerPte, "fork_per_pte", "copy_one_pte: per present PTE copied (page refcount, rmap), besides the PTE operations.");
        P(KernelPath.ForkPerPageTable, "fork_per_page_table", "copy_page_range: per page-table page walked in the parent.");
        P(KernelPath.ExecBase, "exec_base", "do_execve and load_elf_binary: open the image, read headers, flush the old context, set up the new one.");
        P(KernelPath.ExecPerArgPage, "exec_per_arg_page", "Per argument/environment page copied and installed.");
        P(KernelPath.ExecPerSegment, "exec_per_segment", "Per ELF segment mapped (do_mmap).");
        P(KernelPath.ExitBase, "exit_base", "do_exit: files, fs, signals, notify the parent, final schedule.");
        P(KernelPath.ExitPerVma, "exit_per_vma", "exit_mmap: per VMA removed.");
        P(KernelPath.ExitPerPte, "exit_per_pte", "zap_pte_range: per present PTE (page refcount drop, rmap, freeing), besides the PTE clear.");
        P(KernelPath.ExitPerPageTable, "exit_per_page_table", "free_pgtables: per page-table page freed.");
        P(KernelPath.WaitBase, "wait_base", "wait4 reaping a zombie child.");
        P(KernelPath.Schedule, "schedule", "schedule(): runqueue manipulation and picking the next task.");
        P(KernelPath.SwitchTo, "switch_to", "context_switch/__switch_to software work besides the privileged operations.");
        P(KernelPath.FaultBase, "fault_base", "do_page_fault: find_vma, access checks, handle_mm_fault dispatch and the exception return path.");
        P(KernelPath.FaultAnonymous, "fault_anonymous", "do_anonymous_page: page allocation and accounting (clearing is a page operation).");
        P(KernelPath.FaultFile, "fault_file", "do_no_page: page-cache lookup and mapping of a cached file page.");
        P(KernelPath.FaultCopyOnWrite, "fault_cow", "do_wp_page copying a shared page: page allocation, rmap and refcount work (copying is a page operation); the reuse branch is fault_cow_reuse.");
        P(KernelPath.FaultSegv, "fault_segv", "A protection fault turned into SIGSEGV: force_sig_info.");
        P(KernelPath.MmapBase, "mmap_base", "do_mmap_pgoff: VMA allocation, merge checks, file mapping.");
        P(KernelPath.MunmapBase, "munmap_base", "do_munmap: VMA split or removal, unmap_region bookkeeping.");
        P(KernelPath.UnmapPerPte, "unmap_per_pte", "zap_pte_range on munmap: per present PTE (refcount drop, rmap, dirty tracking).");
        P(KernelPath.MprotectBase, "mprotect_base", "mprotect_fixup: VMA split/merge and flag changes.");
        P(KernelPath.MprotectPerPte, "mprotect_per_pte", "change_pte_range: per present PTE besides the PTE operations.");
        P(KernelPath.PageTableAlloc, "page_table_alloc", "pte_alloc_one: allocating a page-table page (clearing is a page operation).");
        P(KernelPath.TlbShootdown, "tlb_shootdown", "flush_tlb_others on the initiating CPU: take tlbstate_lock, publish the mm and address, set flush_cpumask (the IPI send and the wait for acknowledgements are machine operations).");
        P(KernelPath.IpiHandler, "ipi_handler", "An inter-processor interrupt's handler (reschedule: mark the CPU for rescheduling; the entry, APIC acknowledgement and return are machine operations).");
        P(KernelPath.ForkPerEmptySlot, "fork_per_empty_slot", "copy_page_range: per empty PTE slot inside a VMA whose page table exists (the loop tests every slot, present or not).");
        P(KernelPath.MmTeardown, "mm_teardown", "exit_mmap's fixed part when the last user of an mm drops it (at exit, or in exec for the old image): the loop set-up and, in 2.4, clear_page_tables' walk over every user page-directory entry; the per-VMA, per-PTE and per-table work is charged apart.");
        P(KernelPath.SysCreateCached, "sys_create_cached", "creat() of a new empty file whose name has a negative dentry in the dcache (an earlier unlink left it), plus the close: sys_create without the lookup's miss work (d_alloc, the file system's lookup, its directory read).");
        P(KernelPath.DirInsertScan, "dir_insert_scan", "Per existing entry of a linear ext2/ext3 directory that an insertion alone scans (ext3_add_entry's record checks), when the lookup before it read no directory block.");
        P(KernelPath.SysKillProbe, "sys_kill_probe", "kill() with signal 0, the existence and permission probe: the task lookup and the permission check; send_sig_info returns before the signal lock, the sigqueue and the wake-up.");
        P(KernelPath.PipeWait, "pipe_wait", "A pipe read that finds the pipe empty and sleeps: pipe_wait's wait-queue add and remove around schedule, the semaphore released and retaken, the tests after the wake-up (schedule itself is its own path).");
        P(KernelPath.PipeWake, "pipe_wake", "A pipe write that wakes a sleeping reader: try_to_wake_up and the preemption check beyond a wake-up of an empty wait queue.");
        P(KernelPath.FaultCowReuse, "fault_cow_reuse", "do_wp_page when the page is not copied: its sole user (after the other sharer exited) or a shared mapping makes the entry writable in place (the PTE write and the flush are machine ops).");
        P(KernelPath.PageFreeLast, "page_free_last", "Freeing a page whose last reference a zap drops (a page the process had to itself): the page allocator's free path beyond dropping a reference.");
        P(KernelPath.ZapPerEmptySlot, "zap_per_empty_slot", "zap_pte_range at exit or munmap: per empty PTE slot inside the range whose page table exists.");
        for (var i = 0; i < d.Length; i++)
        {
            if (d[i] is null)
            {
                throw new InvalidOperationException($"KernelPath {(KernelPath)i} has no definition.");
            }
        }
        return d;
    }

    /// <summary>The group each path's length estimate belongs to, for calibration.</summary>
    public static KernelPathGroup GroupOf(KernelPath p) => p switch
    {
        KernelPath.SysStat or KernelPath.SysOpen or KernelPath.SysClose or KernelPath.SysCreate or KernelPath.SysUnlink
            or KernelPath.SysWritePerPage or KernelPath.JournalTransaction or KernelPath.JournalWriteAccess
            or KernelPath.JournalDirtyMetadata or KernelPath.InodeUpdate or KernelPath.DirEntryScan or KernelPath.SysCreateCached
            or KernelPath.DirInsertScan => KernelPathGroup.FileSystem,
        KernelPath.SysKillProbe or KernelPath.PipeWait or KernelPath.PipeWake => KernelPathGroup.Syscall, // numbered after the fault paths
        KernelPath.Schedule or KernelPath.SwitchTo => KernelPathGroup.Scheduler,
        >= KernelPath.ForkBase and <= KernelPath.WaitBase => KernelPathGroup.Memory,
        KernelPath.IpiHandler or KernelPath.TlbShootdown => KernelPathGroup.Scheduler,
        >= KernelPath.FaultBase => KernelPathGroup.Memory,
        _ => KernelPathGroup.Syscall,
    };

    public static bool TryFind(string key, out KernelPath path)
    {
        for (var i = 0; i < Defs.Count; i++)
        {
            if (Defs[i].Key == key)
            {
                path = (KernelPath)i;
                return true;
            }
        }
        path = default;
        return false;
    }
}
