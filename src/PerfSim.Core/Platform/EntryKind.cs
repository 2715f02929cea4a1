namespace PerfSim.Core.Platform;

/// <summary>How control enters the kernel from user mode.</summary>
public enum EntryKind
{
    /// <summary>A system call through int $0x80 (a trap gate).</summary>
    SyscallInt80,
    /// <summary>A system call through sysenter.</summary>
    SyscallSysenter,
    /// <summary>A page-fault exception (#PF).</summary>
    PageFault,
    /// <summary>A device-not-available exception (#NM) for lazy FPU restore.</summary>
    DeviceNotAvailable,
    /// <summary>Another synchronous exception handled by the kernel (a divide error).</summary>
    Exception,
}

/// <summary>How control returns to user mode.</summary>
public enum ReturnKind
{
    /// <summary>iret.</summary>
    Iret,
    /// <summary>sti; sysexit.</summary>
    Sysexit,
}

/// <summary>The kind of modification of a present PTE.</summary>
public enum PteUpdateKind
{
    /// <summary>Fork's ptep_set_wrprotect: a locked bit clear of R/W.</summary>
    WriteProtect,
    /// <summary>ptep_get_and_clear (xchg) followed by set_pte_at with new bits (mprotect).</summary>
    Modify,
    /// <summary>ptep_set_access_flags: make a present entry writable/dirty (COW reuse).</summary>
    SetAccessFlags,
}
