namespace PerfSim.Core.Designs.Paging;

/// <summary>A write to a page-table entry, as the kernel performs it.</summary>
public enum PteOp
{
    /// <summary>set_pte(_at): not-present to present (a store).</summary>
    Set,
    /// <summary>ptep_set_wrprotect: a locked bit clear.</summary>
    WriteProtect,
    /// <summary>ptep_get_and_clear then set_pte with new bits (an xchg and a store).</summary>
    Modify,
    /// <summary>ptep_set_access_flags: a store making a present entry writable and dirty.</summary>
    SetAccessFlags,
    /// <summary>ptep_get_and_clear (an xchg): 2.6's munmap, 2.4's zaps with several CPUs online, ptep_clear_flush.</summary>
    Clear,
    /// <summary>A plain load and store: 2.6's ptep_get_and_clear_full at exit, 2.4's zaps with one CPU online.</summary>
    ClearPlain,
    /// <summary>set_pmd / pmd_clear: a page-directory entry.</summary>
    SetPmd,
}
