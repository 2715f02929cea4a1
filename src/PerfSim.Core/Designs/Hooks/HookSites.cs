namespace PerfSim.Core.Designs.Hooks;

/// <summary>What a hook site looks like in an i386 pv_ops kernel (interfaces.md 3.2, byte lengths derived with GNU as).</summary>
/// <param name="Name">The name in hooks.csv (and in a design's hook_overrides).</param>
/// <param name="SiteBytes">Bytes the call site occupies (the NOP-padded call sequence).</param>
/// <param name="InlineBytes">Bytes of the native instruction when the native patch table inlines it; 0 when patched to a direct call.</param>
/// <param name="NativeNop">The native implementation does nothing (pte_update, alloc_pt, lazy modes): patched to NOPs.</param>
public sealed record HookSite(string Name, int SiteBytes, int InlineBytes, bool NativeNop)
{
    /// <summary>The privileged instruction the native site runs, as named in messages.</summary>
    public string Instruction { get; init; } = "";

    /// <summary>Why the class cannot take the trap mechanism; null when its instruction faults in a deprivileged kernel.</summary>
    public string? NoTrap { get; init; }

    /// <summary>VT-x/AMD-V can be told to exit on the instruction (CR0 guest/host mask, MOV-DR exiting, descriptor-table exiting).</summary>
    public bool CanExit { get; init; }

    /// <summary>A page-table or TLB operation: priced by the design's page-table mode.</summary>
    public bool PageTable { get; init; }
}

public static class HookSites
{
    public static readonly int Count = Enum.GetValues<HookOp>().Length;

    /// <summary>Indexed by <see cref="HookOp"/>.</summary>
    private static readonly HookSite[] Sites = Build();

    public static readonly IReadOnlyList<HookSite> All = Sites;

    public static HookSite Of(HookOp op) => Sites[(int)op]; // the array itself: no interface call on the hot path

    /// <summary>The class whose hooks.csv name is <paramref name="name"/>, or null.</summary>
    public static HookOp? Find(string name)
    {
        for (var i = 0; i < All.Count; i++)
        {
            if (All[i].Name == name)
            {
                return (HookOp)i;
            }
        }
        return null;
    }

    private const string PageTableNoTrap =
        "page-table and TLB operations are priced by page_table_mode (stores, hypercalls, traced writes, intercepted CR3 loads); "
        + "trapping them as well would count the hypervisor twice (page_table_mode 'shadow' is the trapped one)";

    private static HookSite[] Build()
    {
        var s = new HookSite[Count];
        void H(HookOp op, string name, int site, int inline, bool nop = false, string insn = "", string? noTrap = null, bool exits = false, bool pageTable = false) =>
            s[(int)op] = new HookSite(name, site, inline, nop) { Instruction = insn, NoTrap = noTrap, CanExit = exits, PageTable = pageTable };
        // C-level interrupt-flag sites are 10 bytes (push/pop around an indirect call); cli, sti are 1 byte,
        // pushf;pop and push;popf 2. cli/sti fault in ring 1 when IOPL is 0; pushf/popf do not (popf silently
        // keeps IF), which only a study of trapped flags assumes away. VT-x has no exit for any of them.
        H(HookOp.IrqDisable, "irq_disable", 10, 1, insn: "cli");
        H(HookOp.IrqEnable, "irq_enable", 10, 1, insn: "sti");
        H(HookOp.SaveFlags, "save_fl", 10, 2, insn: "pushf");
        H(HookOp.RestoreFlags, "restore_fl", 10, 2, insn: "popf");
        // INTERRUPT_RETURN is a 7-byte jmp *%cs:mem site; iret is 1 byte, sti;sysexit 3. sysexit needs CPL 0.
        H(HookOp.Iret, "iret", 7, 1, insn: "iret",
            noTrap: "an iret to user mode is allowed from a deprivileged ring, so it never faults: there is nothing to emulate");
        H(HookOp.SysExit, "irq_enable_sysexit", 7, 3, insn: "sti; sysexit");
        // Later native patch tables inline mov %cr2/%cr3 (3 bytes) and clts (2) into 6-byte sites. VT-x does not
        // intercept CR2 reads.
        H(HookOp.ReadCr2, "read_cr2", 6, 3, insn: "mov from %cr2");
        H(HookOp.WriteCr3, "write_cr3", 6, 3, insn: "mov to %cr3", noTrap: PageTableNoTrap, exits: true, pageTable: true);
        H(HookOp.Clts, "clts", 6, 2, insn: "clts", exits: true);
        // Everything else becomes a 5-byte direct call in a 6-byte site (or NOPs for no-op hooks).
        H(HookOp.Invlpg, "flush_tlb_single", 6, 0, insn: "invlpg", noTrap: PageTableNoTrap, exits: true, pageTable: true);
        H(HookOp.FlushTlb, "flush_tlb_user", 6, 0, insn: "mov to %cr3", noTrap: PageTableNoTrap, exits: true, pageTable: true);
        H(HookOp.SetPte, "set_pte", 6, 0, insn: "a PTE store", noTrap: PageTableNoTrap, pageTable: true);
        // ptep_set_wrprotect and ptep_get_and_clear are native instructions inline followed by the pte_update
        // hook, a no-op on native.
        H(HookOp.UpdatePte, "pte_update", 6, 0, nop: true, insn: "a locked PTE update", noTrap: PageTableNoTrap, pageTable: true);
        H(HookOp.ClearPte, "pte_update (clear)", 6, 0, nop: true, insn: "xchg of a PTE", noTrap: PageTableNoTrap, pageTable: true);
        H(HookOp.SetPmd, "set_pmd", 6, 0, insn: "a PMD store", noTrap: PageTableNoTrap, pageTable: true);
        H(HookOp.AllocPageTable, "alloc_pt", 6, 0, nop: true, noTrap: PageTableNoTrap, pageTable: true);
        H(HookOp.ReleasePageTable, "release_pt", 6, 0, nop: true, noTrap: PageTableNoTrap, pageTable: true);
        H(HookOp.LazyMode, "set_lazy_mode", 6, 0, nop: true, noTrap: "set_lazy_mode does nothing natively: there is no instruction to fault");
        H(HookOp.LoadEsp0, "load_esp0", 6, 0, insn: "a store to the TSS",
            noTrap: "load_esp0 is a store to the TSS, not a privileged instruction: nothing faults (cpu_state 'hypercall' is Xen's stack_switch)");
        H(HookOp.LoadTls, "load_tls", 6, 0, insn: "GDT stores",
            noTrap: "load_tls is stores to the GDT, not a privileged instruction: nothing faults unless the hypervisor write-protects the GDT (cpu_state 'hypercall' is Xen's update_descriptor)");
        H(HookOp.LoadLdt, "set_ldt", 6, 0, insn: "lldt", exits: true);
        H(HookOp.WriteCr0, "write_cr0", 6, 0, insn: "mov to %cr0", exits: true);
        // set_debugreg is a pv_ops call (2.6.20) made once per register __switch_to_xtra loads.
        H(HookOp.SetDebugReg, "set_debugreg", 6, 0, insn: "mov to %dr", exits: true);
        const string ipiNoTrap = "IPIs take the design's 'ipi' mechanism ('trapped' traps the APIC accesses)";
        H(HookOp.SendIpi, "send_ipi", 6, 0, insn: "APIC ICR writes", noTrap: ipiNoTrap);
        H(HookOp.FlushTlbOthers, "flush_tlb_others", 6, 0, insn: "APIC ICR writes", noTrap: ipiNoTrap);
        return s;
    }
}
