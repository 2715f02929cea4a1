namespace PerfSim.Core.Machine;

/// <summary>
/// Every hardware cost primitive of a machine profile. A profile is a value per entry
/// (<see cref="MachineProfile"/>); <see cref="MachineParams.Defs"/> holds the key, unit and description.
/// </summary>
public enum MachineParam
{
    FrequencyMhz,
    // Plain instructions.
    Store,
    Load,
    LockedRmw,
    Xchg,
    CallDirect,
    CallIndirect,
    CallIndirectMispredict,
    IndirectMispredictRate,
    NopByte,
    // Interrupt flag.
    Cli,
    Sti,
    Pushf,
    Popf,
    // Privilege transitions.
    TrapEntry,
    TrapExit,
    SysenterEntry,
    SysexitExit,
    // Privileged instructions.
    Cr3Write,
    ReadCr2,
    ReadCr0,
    WriteCr0,
    Clts,
    Invlpg,
    Lgdt,
    Lldt,
    Ltr,
    Wrmsr,
    Rdmsr,
    MovDr,
    Cpuid,
    Rdtsc,
    Fxsave,
    Fxrstor,
    PortIo,
    // Memory.
    ClearPage,
    CopyPage,
    L1Latency,
    L2Latency,
    MemoryLatency,
    // TLBs and page walks.
    DtlbEntries,
    DtlbWays,
    ItlbEntries,
    ItlbWays,
    StlbEntries,
    StlbWays,
    StlbHit,
    WalkReference,
    WalkCacheHit,
    GlobalPages,
    TlbAsidTags,
    NestedWalkLevels,
    // Hypervisor.
    Hypercall,
    MulticallEntry,
    ValidateEntry,
    PinPresentEntry,
    PinEmptyEntry,
    FaultBounce,
    TrapEmulate,
    ShadowSync,
    HiddenFault,
    ShadowRootSwitch,
    ShadowResyncPage,
    VmExit,
    VmEmulate,
    ShadowFaultCheck,
    VmFaultHandling,
    IoEmulate,
    BtCallout,
    BtSyscall,
    BtFaultReflect,
    BtPteWrite,
    BtCr3Switch,
    BtKernelCpiExtra,
    // Kernel code.
    KernelCpi,
    KernelCodeCache,
    KernelCodeMiss,
    // Inter-processor interrupts.
    IpiSend,
    ApicEmulate,
    EvtchnSend,
    ApicEoi,
    IpiLatency,
    CacheLineTransfer,
    PageTransfer,
    RepStringStartup,
    RepStringPerDword,
    RepScanStartup,
    RepScanPerElement,
    BtIndirectTransfer,
    SegmentLoad,
}

public static class MachineParams
{
    public static readonly int Count = Enum.GetValues<MachineParam>().Length;

    /// <summary>Metadata, indexed by <see cref="MachineParam"/>.</summary>
    public static readonly IReadOnlyList<ParamDef> Defs = Build();

    private static ParamDef[] Build()
    {
        const long Big = 100_000_000;
        var d = new ParamDef[Count];
        void C(MachineParam p, string key, string description) => d[(int)p] = new ParamDef(key, ParamUnit.Cycles, 0, Big, description);
        void U(MachineParam p, string key, ParamUnit unit, long min, long max, string description) => d[(int)p] = new ParamDef(key, unit, min, max, description);

        U(MachineParam.FrequencyMhz, "frequency", ParamUnit.Mhz, 1, 20_000, "Core clock; converts cycles to microseconds in reports.");
        C(MachineParam.Store, "store", "A store that hits the L1 data cache (a native PTE write).");
        C(MachineParam.Load, "load", "A load that hits the L1 data cache.");
        C(MachineParam.LockedRmw, "locked_rmw", "A LOCK-prefixed read-modify-write hitting the cache (lock btr on a PTE).");
        C(MachineParam.Xchg, "xchg", "An xchg with memory (implicitly locked).");
        C(MachineParam.CallDirect, "call_direct", "A predicted direct call plus return.");
        C(MachineParam.CallIndirect, "call_indirect", "A predicted indirect call plus return.");
        C(MachineParam.CallIndirectMispredict, "call_indirect_mispredict", "Extra cycles when an indirect call is mispredicted.");
        U(MachineParam.IndirectMispredictRate, "indirect_mispredict_rate", ParamUnit.Permille, 0, 1000, "Share of hook-site indirect calls the branch predictor gets wrong.");
        U(MachineParam.NopByte, "nop_byte", ParamUnit.Millicycles, 0, 1_000_000, "Cost of one byte of NOP padding at a patched call site.");
        C(MachineParam.Cli, "cli", "cli: clear the interrupt flag.");
        C(MachineParam.Sti, "sti", "sti: set the interrupt flag.");
        C(MachineParam.Pushf, "pushf", "pushf; pop: save the flags register.");
        C(MachineParam.Popf, "popf", "push; popf: restore the flags register.");
        C(MachineParam.TrapEntry, "trap_entry", "Exception or int 0x80 entry from user mode to the kernel through an IDT gate.");
        C(MachineParam.TrapExit, "trap_exit", "iret from the kernel back to user mode.");
        C(MachineParam.SysenterEntry, "sysenter_entry", "sysenter from user mode to the kernel.");
        C(MachineParam.SysexitExit, "sysexit_exit", "sti; sysexit back to user mode.");
        C(MachineParam.Cr3Write, "cr3_write", "mov to CR3, excluding the TLB refills it causes (those are walks).");
        C(MachineParam.ReadCr2, "read_cr2", "mov from CR2 (faulting address).");
        C(MachineParam.ReadCr0, "read_cr0", "mov from CR0.");
        C(MachineParam.WriteCr0, "write_cr0", "mov to CR0 (stts).");
        C(MachineParam.Clts, "clts", "clts: clear CR0.TS.");
        C(MachineParam.Invlpg, "invlpg", "invlpg of one page.");
        C(MachineParam.Lgdt, "lgdt", "lgdt/lidt.");
        C(MachineParam.Lldt, "lldt", "lldt.");
        C(MachineParam.Ltr, "ltr", "ltr.");
        C(MachineParam.Wrmsr, "wrmsr", "wrmsr.");
        C(MachineParam.Rdmsr, "rdmsr", "rdmsr.");
        C(MachineParam.MovDr, "mov_dr", "A write to one debug register.");
        C(MachineParam.Cpuid, "cpuid", "cpuid.");
        C(MachineParam.Rdtsc, "rdtsc", "rdtsc.");
        C(MachineParam.Fxsave, "fxsave", "fxsave of the FPU/SSE state.");
        C(MachineParam.Fxrstor, "fxrstor", "fxrstor of the FPU/SSE state.");
        C(MachineParam.PortIo, "port_io", "An in or out to a legacy I/O port (port 0x80: an ISA-bus cycle).");
        C(MachineParam.ClearPage, "clear_page", "Zeroing one 4 KB page (clear_page), cache-cold destination.");
        C(MachineParam.CopyPage, "copy_page", "Copying one 4 KB page (copy_page), cache-cold.");
        C(MachineParam.L1Latency, "l1_latency", "L1 data cache load-to-use latency.");
        C(MachineParam.L2Latency, "l2_latency", "Last-level (L2) cache hit latency.");
        C(MachineParam.MemoryLatency, "memory_latency", "DRAM access latency.");
        U(MachineParam.DtlbEntries, "dtlb_entries", ParamUnit.Entries, 1, 1 << 16, "L1 data TLB entries for 4 KB pages.");
        U(MachineParam.DtlbWays, "dtlb_ways", ParamUnit.Ways, 1, 1 << 16, "L1 data TLB associativity (ways = entries: fully associative).");
        U(MachineParam.ItlbEntries, "itlb_entries", ParamUnit.Entries, 1, 1 << 16, "L1 instruction TLB entries for 4 KB pages.");
        U(MachineParam.ItlbWays, "itlb_ways", ParamUnit.Ways, 1, 1 << 16, "L1 instruction TLB associativity.");
        U(MachineParam.StlbEntries, "stlb_entries", ParamUnit.Entries, 0, 1 << 20, "Second-level (unified) TLB entries; 0 = none.");
        U(MachineParam.StlbWays, "stlb_ways", ParamUnit.Ways, 0, 1 << 16, "Second-level TLB associativity (0 when there is none).");
        C(MachineParam.StlbHit, "stlb_hit", "Extra cycles for an L1 TLB miss that hits the second-level TLB.");
        C(MachineParam.WalkReference, "walk_reference", "One page-walk memory reference (page-table entry mostly cache-resident).");
        U(MachineParam.WalkCacheHit, "walk_cache_hit", ParamUnit.Permille, 0, 1000, "Share of the non-leaf page-walk references served by paging-structure caches at no cost.");
        U(MachineParam.GlobalPages, "global_pages", ParamUnit.Flag, 0, 1, "1 if the CPU has PGE, so kernel mappings marked global survive CR3 loads.");
        U(MachineParam.TlbAsidTags, "tlb_asid_tags", ParamUnit.Flag, 0, 1, "1 if TLB entries carry an address-space tag in use (PCID/VPID), so CR3 loads do not flush.");
        U(MachineParam.NestedWalkLevels, "nested_walk_levels", ParamUnit.Levels, 0, 5, "Levels of the host (EPT/NPT) table walked per guest reference under nested paging; 0 = the CPU has no nested paging.");
        C(MachineParam.Hypercall, "hypercall", "A hypercall's round trip (trap into the hypervisor, dispatch, return), excluding the work it does.");
        C(MachineParam.MulticallEntry, "multicall_entry", "The hypervisor's per-entry overhead of a multicall or batched update.");
        C(MachineParam.ValidateEntry, "validate_entry", "Validating one page-table entry written through the hypervisor (type and reference checks).");
        C(MachineParam.PinPresentEntry, "pin_present_entry", "Validating one present entry while pinning a page-table page.");
        C(MachineParam.PinEmptyEntry, "pin_empty_entry", "Checking one empty entry while pinning a page-table page.");
        C(MachineParam.FaultBounce, "fault_bounce", "Extra cost of a guest page fault taken by the hypervisor and bounced to the guest kernel.");
        C(MachineParam.TrapEmulate, "trap_emulate", "A guest write to a write-protected page-table page trapping into the hypervisor, decoded and emulated (excluding the shadow or validation work).");
        C(MachineParam.ShadowSync, "shadow_sync", "Propagating one guest PTE change into the shadow page table.");
        C(MachineParam.HiddenFault, "hidden_fault", "A page fault the hypervisor handles entirely by itself: a hidden shadow fill, or reconnecting a writable page table (trap, work, return).");
        C(MachineParam.ShadowRootSwitch, "shadow_root_switch", "Intercepting a guest CR3 load and finding the cached shadow root.");
        C(MachineParam.ShadowResyncPage, "shadow_resync_page", "Comparing one page-table page with its snapshot: resyncing an out-of-sync shadow page, or reconnecting a writable page table.");
        C(MachineParam.VmExit, "vm_exit", "A VT-x/AMD-V exit and re-entry (world switch out and back); 0 = the CPU has no hardware virtualization.");
        C(MachineParam.VmEmulate, "vm_emulate", "The VMM's decoding and emulation of the exiting instruction (besides the exit itself and the shadow work).");
        C(MachineParam.ShadowFaultCheck, "shadow_fault_check", "A shadow-paging VMM (ring-based or binary-translating) deciding what a page fault it took is: walk the guest tables and classify it as a true guest fault, a trace or a hidden fault.");
        C(MachineParam.VmFaultHandling, "vm_fault_handling", "A VT-x shadow-paging VMM's handling of a #PF exit, besides the exit itself: read the exit state, walk the guest tables, classify the fault and set up the injection or the emulation.");
        C(MachineParam.IoEmulate, "io_emulate", "A VMM's emulation of one trapped I/O port access (its device model), besides the trap or exit.");
        C(MachineParam.BtCallout, "bt_callout", "A privileged operation in binary-translated kernel code: a callout into the VMM that emulates it.");
        C(MachineParam.BtSyscall, "bt_syscall", "Extra cost of a system call under binary translation (into the VMM, then into the translated handler, and back).");
        C(MachineParam.BtFaultReflect, "bt_fault_reflect", "Extra cost of reflecting a guest fault through the VMM into translated kernel code.");
        C(MachineParam.BtPteWrite, "bt_pte_write", "The VMM's work for one guest page-table write under binary translation, besides the callout: emulate it and update the shadow (an adaptive translator's callout, or an older VMM's trace).");
        C(MachineParam.BtCr3Switch, "bt_cr3_switch", "The VMM's work for one guest CR3 load under binary translation, besides the callout: switch to (or find) the shadow root.");
        U(MachineParam.BtKernelCpiExtra, "bt_kernel_cpi_extra", ParamUnit.CyclesPer1000Instructions, 0, 1_000_000, "Extra cycles per 1,000 kernel instructions run from the translation cache (indirect control flow: calls and returns), for a kernel profile that does not count its paths' indirect transfers (otherwise bt_indirect_transfer prices them).");
        U(MachineParam.KernelCpi, "kernel_cpi", ParamUnit.CyclesPer1000Instructions, 1, 100_000, "Cycles per 1,000 instructions of kernel path code whose code is in the instruction cache (converts kernel path lengths to cycles).");
        U(MachineParam.KernelCodeCache, "kernel_code_cache", ParamUnit.Instructions, 1, 100_000_000, "Kernel instructions the instruction cache (NetBurst: trace cache) holds; paths whose code was evicted since their last run are fetched cold.");
        U(MachineParam.KernelCodeMiss, "kernel_code_miss", ParamUnit.CyclesPer1000Instructions, 0, 1_000_000, "Extra cycles per 1,000 instructions of a kernel path whose code is fetched cold (from L2 and decoded).");
        C(MachineParam.IpiSend, "ipi_send", "Sending one IPI natively: the local APIC's ICR2 and ICR writes and the wait for the send to complete (one send covers every target in flat logical mode).");
        C(MachineParam.ApicEmulate, "apic_emulate", "A VMM's emulation of one trapped local-APIC register access (decode the MMIO write, update the virtual APIC, pick the target vCPUs), besides the trap or exit.");
        C(MachineParam.CacheLineTransfer, "cache_line_transfer", "Moving one 64-byte line another CPU's cache holds modified into this CPU's (a snoop hit on a modified line).");
        C(MachineParam.PageTransfer, "page_transfer", "Moving a whole 4 KB page another CPU's cache holds modified (a copy's source): bandwidth-bound, the lines' misses overlapping.");
        C(MachineParam.RepStringStartup, "rep_string_startup", "Start-up of a rep movs or rep stos string instruction beyond its count as one instruction of its path (the microcode's set-up), charged per instruction a path's rep_string_ops table gives.");
        C(MachineParam.RepStringPerDword, "rep_string_per_dword", "Per 4 bytes a rep movs or rep stos moves or stores, charged per dword a path's rep_string_dwords table gives.");
        C(MachineParam.RepScanStartup, "rep_scan_startup", "Start-up of a rep cmps or rep scas instruction (an inlined memcmp, strlen or bit search) beyond its count as one instruction of its path, its exit included, charged per instruction a path's rep_scan_ops table gives.");
        C(MachineParam.RepScanPerElement, "rep_scan_per_element", "Per element (a byte for cmpsb and scasb, a dword for scasl) a rep cmps or rep scas compares or scans, charged per element a path's rep_scan_elements table gives.");
        C(MachineParam.BtIndirectTransfer, "bt_indirect_transfer", "Extra cycles a binary translator spends on one return or indirect call or jump of translated kernel code (looking the translated target up), charged per transfer a kernel path's indirect_transfers table counts.");
        C(MachineParam.SegmentLoad, "segment_load", "Loading a data segment register (mov or pop to %ds, %es, %fs or %gs: the descriptor fetched and checked), charged per load a kernel path's segment_loads table counts.");
        C(MachineParam.ApicEoi, "apic_eoi", "Acknowledging an interrupt at the local APIC: one uncached write to the EOI register.");
        C(MachineParam.IpiLatency, "ipi_latency", "From the end of an IPI's send to the start of its delivery on the target CPU (the message on the APIC bus or system bus, and waking the target core).");
        C(MachineParam.EvtchnSend, "evtchn_send", "Xen's work for one event-channel send besides the hypercall round trip: mark the port pending, set the target vCPU's upcall flag (a physical IPI to a running target is ipi_send).");
        for (var i = 0; i < d.Length; i++)
        {
            if (d[i] is null)
            {
                throw new InvalidOperationException($"MachineParam {(MachineParam)i} has no definition.");
            }
        }
        return d;
    }

    /// <summary>Finds a parameter by its data-file key.</summary>
    public static bool TryFind(string key, out MachineParam param)
    {
        for (var i = 0; i < Defs.Count; i++)
        {
            if (Defs[i].Key == key)
            {
                param = (MachineParam)i;
                return true;
            }
        }
        param = default;
        return false;
    }
}
