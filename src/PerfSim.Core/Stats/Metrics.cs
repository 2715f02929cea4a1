namespace PerfSim.Core.Stats;

/// <summary>The one list of metric metadata: every cost category and counter, with its CSV name and meaning.</summary>
public static class Metrics
{
    public static readonly int CategoryCount = Enum.GetValues<CostCategory>().Length;
    public static readonly int CounterCount = Enum.GetValues<Counter>().Length;

    public static readonly IReadOnlyList<MetricInfo> Categories = BuildCategories();
    public static readonly IReadOnlyList<MetricInfo> Counters = BuildCounters();

    public static MetricInfo Of(CostCategory c) => Categories[(int)c];
    public static MetricInfo Of(Counter c) => Counters[(int)c];

    private static MetricInfo[] BuildCategories()
    {
        var m = new MetricInfo[CategoryCount];
        void C(CostCategory c, string name, string d) => m[(int)c] = new MetricInfo(name, "cycles", d);
        C(CostCategory.UserCompute, "user_compute", "User-mode computation the trace states.");
        C(CostCategory.UserTlbMiss, "user_tlb_miss", "TLB misses on user accesses: second-level TLB hits and page walks.");
        C(CostCategory.KernelTlbMiss, "kernel_tlb_miss", "TLB misses on the kernel's own data references (kernel stacks): page walks, or second-level TLB hits.");
        C(CostCategory.KernelPath, "kernel_path", "Kernel software work between privileged operations (named path lengths × kernel CPI).");
        C(CostCategory.Hook, "hook", "Reaching a hooked operation's implementation: direct or indirect calls, NOP padding, mispredictions.");
        C(CostCategory.Translation, "translation", "Binary translation: system-call and fault transitions through the VMM.");
        C(CostCategory.TranslatedCode, "translated_code", "Binary translation: kernel code's indirect control flow run from the translation cache (per instruction, like the kernel CPI).");
        C(CostCategory.KernelCodeMiss, "kernel_code_miss", "Fetching kernel path code that the instruction cache no longer held.");
        C(CostCategory.KernelEntryExit, "kernel_entry_exit", "Exception, interrupt and system-call entry to and return from the kernel.");
        C(CostCategory.InterruptFlag, "interrupt_flag", "cli, sti, pushf and popf, their virtual-flag replacements, or their trap and emulation.");
        C(CostCategory.PteUpdate, "pte_update", "Writing page-table entries and installing or releasing page-table pages.");
        C(CostCategory.TlbFlush, "tlb_flush", "CR3 loads, invlpg and full TLB flushes (the misses they cause are user_tlb_miss).");
        C(CostCategory.CpuState, "cpu_state", "Other privileged CPU state: esp0, TLS and LDT descriptors, CR0/TS, debug registers, FPU save and restore, CR2 reads (or their trap and emulation).");
        C(CostCategory.PageCopy, "page_copy", "Clearing and copying whole pages.");
        C(CostCategory.PortIo, "port_io", "I/O port instructions and, under a VMM, their emulation.");
        C(CostCategory.Hypercall, "hypercall", "Hypercall round trips (and per-entry multicall handling), besides the validation they do.");
        C(CostCategory.PageTableValidation, "pt_validation", "The hypervisor validating page-table entries: single updates, batches and pinning whole tables.");
        C(CostCategory.PteTrap, "pte_trap", "Guest writes to write-protected page tables, and intercepted TLB operations, trapped into the hypervisor and emulated.");
        C(CostCategory.Shadow, "shadow", "Keeping shadow page tables: syncing entries, switching and building shadow roots, resyncing out-of-sync pages.");
        C(CostCategory.HiddenFault, "hidden_fault", "Faults the hypervisor handles by itself to fill shadow entries.");
        C(CostCategory.FaultDelivery, "fault_delivery", "Extra cost of delivering a guest page fault through the hypervisor.");
        C(CostCategory.IpiHandler, "ipi_handler", "Taking an inter-processor interrupt on its target: the entry, the acknowledgement and the return (and, under a hypervisor, its delivery through the hypervisor); the handler's own code is kernel_path.");
        C(CostCategory.SmpLocks, "smp_locks", "Lock-prefixed operations an SMP kernel adds on its paths (spin locks, atomics, bit operations, barriers that are plain on a UP build).");
        C(CostCategory.Coherence, "coherence", "Cache lines (and pages) of kernel objects another CPU wrote last, moved into this CPU's cache (several CPUs only).");
        C(CostCategory.Descheduled, "descheduled", "A vCPU with work to do waiting for the hypervisor to schedule it on a physical CPU (when vCPUs outnumber physical CPUs).");
        C(CostCategory.IpiWait, "ipi_wait", "The initiator of a TLB shootdown spinning until every target has acknowledged (delivery, the targets' handlers).");
        C(CostCategory.Idle, "idle", "A CPU idle, waiting for a wake-up from another CPU (with several CPUs: the time lmbench's clock sees pass while the work happens elsewhere).");
        C(CostCategory.Ipi, "ipi", "Sending inter-processor interrupts and remote TLB flush requests: APIC writes, or their trap and emulation, or event-channel and flush hypercalls.");
        return Check(m);
    }

    private static MetricInfo[] BuildCounters()
    {
        var m = new MetricInfo[CounterCount];
        void C(Counter c, string name, string d) => m[(int)c] = new MetricInfo(name, "count", d);
        C(Counter.Syscalls, "syscalls", "System calls entered.");
        C(Counter.PageFaults, "page_faults", "Page faults taken by user accesses, of every kind.");
        C(Counter.FaultsAnonymous, "faults_anonymous", "Demand-zero anonymous faults.");
        C(Counter.FaultsCopyOnWrite, "faults_cow", "Copy-on-write faults (copy or reuse).");
        C(Counter.FaultsFile, "faults_file", "File-backed minor faults served from the page cache.");
        C(Counter.FaultsProtection, "faults_protection", "Protection faults turned into SIGSEGV.");
        C(Counter.PteWrites, "pte_writes", "Page-table entry writes of every kind (sets, updates, clears).");
        C(Counter.PteSets, "pte_sets", "PTE writes from not-present to present.");
        C(Counter.PteUpdates, "pte_updates", "PTE modifications of a present entry (write-protect, protection change).");
        C(Counter.PteClears, "pte_clears", "PTE clears (unmap, teardown).");
        C(Counter.PageTablesAllocated, "page_tables_allocated", "Page-table pages allocated (including page directories).");
        C(Counter.PageTablesFreed, "page_tables_freed", "Page-table pages released (including page directories).");
        C(Counter.Cr3Loads, "cr3_loads", "Address-space switches (CR3 writes).");
        C(Counter.Invlpgs, "invlpgs", "Single-page TLB invalidations.");
        C(Counter.TlbFlushes, "tlb_flushes", "Full local TLB flushes requested by the kernel.");
        C(Counter.Traps, "traps", "Exceptions and software interrupts entering the kernel (page faults, int 0x80, sysenter).");
        C(Counter.TlbLookups, "tlb_lookups", "User data-TLB lookups.");
        C(Counter.TlbMisses, "tlb_misses", "User accesses that missed the first-level TLB.");
        C(Counter.KernelTlbMisses, "kernel_tlb_misses", "Kernel data references that missed the first-level TLB (included in tlb_misses).");
        C(Counter.StlbHits, "stlb_hits", "First-level misses that hit the second-level TLB.");
        C(Counter.WalkReferences, "walk_references", "Page-table entries read by page walks.");
        C(Counter.PageClears, "page_clears", "Pages zeroed.");
        C(Counter.PageCopies, "page_copies", "Pages copied.");
        C(Counter.ContextSwitches, "context_switches", "Context switches between processes.");
        C(Counter.Forks, "forks", "fork/clone calls.");
        C(Counter.Execs, "execs", "execve calls.");
        C(Counter.Exits, "exits", "Process exits.");
        C(Counter.SignalsDelivered, "signals_delivered", "Signals delivered to a user handler.");
        C(Counter.InterruptFlagOps, "interrupt_flag_ops", "cli/sti/pushf/popf operations.");
        C(Counter.LockedOps, "locked_ops", "Locked read-modify-write operations on page-table entries.");
        C(Counter.KernelCodeMisses, "kernel_code_misses", "Kernel paths whose code was fetched cold.");
        C(Counter.Hypercalls, "hypercalls", "Hypercalls made (a batch or multicall counts once).");
        C(Counter.Validations, "validations", "Page-table entries the hypervisor validated (updates and pinning).");
        C(Counter.PinOps, "pin_ops", "Page-table pins and unpins.");
        C(Counter.BatchFlushes, "batch_flushes", "Flushes of a queue of batched PTE updates.");
        C(Counter.BatchedUpdates, "batched_updates", "PTE updates that went through a batch queue.");
        C(Counter.PteHazards, "pte_hazards", "Kernel reads of a PTE whose update was still queued and was not flushed first (audit mode): the kernel saw a stale entry.");
        C(Counter.PteTraps, "pte_traps", "Guest writes to write-protected page-table pages trapped into the hypervisor and emulated.");
        C(Counter.Intercepts, "intercepts", "CR3 loads, invlpg and TLB flushes intercepted by a shadow-paging hypervisor (trap or exit, then emulation).");
        C(Counter.ShadowSyncs, "shadow_syncs", "Shadow page-table entries synchronised with the guest's.");
        C(Counter.HiddenFaults, "hidden_faults", "Faults handled inside the hypervisor to fill a shadow entry.");
        C(Counter.ShadowRootMisses, "shadow_root_misses", "CR3 loads that found no cached shadow root and built one.");
        C(Counter.PtwrFlushes, "ptwr_flushes", "Writable page tables reconnected: compared with their snapshot and the changed entries revalidated.");
        C(Counter.HazardFlushes, "hazard_flushes", "Reads of a PTE whose update was still queued, resolved by flushing the queue first (flush-on-hazard mode).");
        C(Counter.PrivilegedTraps, "privileged_traps", "Privileged instructions that faulted (or exited) to the hypervisor and were emulated: trap hook overrides, a trapped interrupt flag, trapped APIC accesses.");
        C(Counter.CoherenceLines, "coherence_lines", "Cache lines of kernel objects moved from another CPU's cache (a moved page counts 64).");
        C(Counter.Shootdowns, "shootdowns", "TLB shootdowns started: flushes of an address space that other CPUs have loaded (flush_tlb_others).");
        C(Counter.IpisReceived, "ipis_received", "Inter-processor interrupts taken by a CPU (a reschedule on a wake-up, a TLB shootdown).");
        C(Counter.Migrations, "migrations", "Tasks the kernel's scheduler moved to another CPU (exec balancing, an idle CPU pulling a waiting task); a trace that places its events itself shows none.");
        C(Counter.IpiTargets, "ipi_targets", "CPUs an IPI or a remote TLB flush request was sent to (descheduled vCPUs a paravirtual flush skips are not counted).");
        return Check(m);
    }

    private static MetricInfo[] Check(MetricInfo[] m)
    {
        for (var i = 0; i < m.Length; i++)
        {
            if (m[i] is null)
            {
                throw new InvalidOperationException($"Metric {i} has no metadata.");
            }
        }
        return m;
    }
}
