namespace PerfSim.Core.Designs.Hooks;

/// <summary>What a hook site looks like in an i386 pv_ops kernel (interfaces.md 3.2, byte lengths derived with GNU as).</summary>
/// <param name="Name">The name in hooks.csv.</param>
/// <param name="SiteBytes">Bytes the call site occupies (the NOP-padded call sequence).</param>
/// <param name="InlineBytes">Bytes of the native instruction when the native patch table inlines it; 0 when patched to a direct call.</param>
/// <param name="NativeNop">The native implementation does nothing (pte_update, alloc_pt, lazy modes): patched to NOPs.</param>
public sealed record HookSite(string Name, int SiteBytes, int InlineBytes, bool NativeNop);

public static class HookSites
{
    public static readonly int Count = Enum.GetValues<HookOp>().Length;

    /// <summary>Indexed by <see cref="HookOp"/>.</summary>
    public static readonly IReadOnlyList<HookSite> All = Build();

    public static HookSite Of(HookOp op) => All[(int)op];

    private static HookSite[] Build()
    {
        var s = new HookSite[Count];
        void H(HookOp op, string name, int site, int inline, bool nop = false) => s[(int)op] = new HookSite(name, site, inline, nop);
        // C-level interrupt-flag sites are 10 bytes (push/pop around an indirect call); cli, sti are 1 byte,
        // pushf;pop and push;popf 2.
        H(HookOp.IrqDisable, "irq_disable", 10, 1);
        H(HookOp.IrqEnable, "irq_enable", 10, 1);
        H(HookOp.SaveFlags, "save_fl", 10, 2);
        H(HookOp.RestoreFlags, "restore_fl", 10, 2);
        // INTERRUPT_RETURN is a 7-byte jmp *%cs:mem site; iret is 1 byte, sti;sysexit 3.
        H(HookOp.Iret, "iret", 7, 1);
        H(HookOp.SysExit, "irq_enable_sysexit", 7, 3);
        // Later native patch tables inline mov %cr2/%cr3 (3 bytes) and clts (2) into 6-byte sites.
        H(HookOp.ReadCr2, "read_cr2", 6, 3);
        H(HookOp.WriteCr3, "write_cr3", 6, 3);
        H(HookOp.Clts, "clts", 6, 2);
        // Everything else becomes a 5-byte direct call in a 6-byte site (or NOPs for no-op hooks).
        H(HookOp.Invlpg, "flush_tlb_single", 6, 0);
        H(HookOp.FlushTlb, "flush_tlb_user", 6, 0);
        H(HookOp.SetPte, "set_pte", 6, 0);
        // ptep_set_wrprotect and ptep_get_and_clear are native instructions inline followed by the pte_update
        // hook, a no-op on native.
        H(HookOp.UpdatePte, "pte_update", 6, 0, nop: true);
        H(HookOp.ClearPte, "pte_update (clear)", 6, 0, nop: true);
        H(HookOp.SetPmd, "set_pmd", 6, 0);
        H(HookOp.AllocPageTable, "alloc_pt", 6, 0, nop: true);
        H(HookOp.ReleasePageTable, "release_pt", 6, 0, nop: true);
        H(HookOp.LazyMode, "set_lazy_mode", 6, 0, nop: true);
        H(HookOp.LoadEsp0, "load_esp0", 6, 0);
        H(HookOp.LoadTls, "load_tls", 6, 0);
        H(HookOp.LoadLdt, "set_ldt", 6, 0);
        H(HookOp.WriteCr0, "write_cr0", 6, 0);
        return s;
    }
}
