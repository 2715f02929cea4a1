namespace PerfSim.Core.Kernel;

/// <summary>The page-table format the guest kernel uses.</summary>
public enum PagingMode
{
    /// <summary>i386, 2 levels of 1,024 four-byte entries; a walk reads 2 entries.</summary>
    I386,
    /// <summary>i386 PAE: 3 levels of 8-byte entries (512 per table), PDPTEs cached at CR3 load, so a walk reads 2 entries.</summary>
    Pae,
    /// <summary>x86-64: 4 levels of 512 entries; a walk reads 4 entries.</summary>
    X86_64,
}

/// <summary>How user code enters the kernel for a system call.</summary>
public enum SyscallEntry
{
    /// <summary>int $0x80 through a trap gate, iret back (Linux 2.4).</summary>
    Int80,
    /// <summary>sysenter/sysexit (Linux 2.6 with vsyscall page).</summary>
    Sysenter,
}
