namespace PerfSim.Core.Trace;

/// <summary>Kind of a memory access.</summary>
public enum AccessKind : byte
{
    Read = 0,
    Write = 1,
    Execute = 2,
}

/// <summary>How a page fault is resolved. Values are the binary encoding.</summary>
public enum FaultKind : byte
{
    /// <summary>Classify from the address space: VMA type and PTE state.</summary>
    Auto = 0,
    /// <summary>Anonymous demand-zero page.</summary>
    Anonymous = 1,
    /// <summary>Write to a present, write-protected page of a writable private mapping.</summary>
    CopyOnWrite = 2,
    /// <summary>File-backed page found in the page cache (minor fault).</summary>
    File = 3,
    /// <summary>Access the VMA does not permit: the kernel sends SIGSEGV.</summary>
    Protection = 4,
}

/// <summary>Page protection bits, as in mmap's PROT_*.</summary>
[Flags]
public enum Protection : byte
{
    None = 0,
    Read = 1,
    Write = 2,
    Execute = 4,
}

/// <summary>mmap flags the model distinguishes.</summary>
[Flags]
public enum MapFlags : byte
{
    /// <summary>Private anonymous memory.</summary>
    Anonymous = 0,
    /// <summary>Backed by a file (page cache).</summary>
    File = 1,
    /// <summary>MAP_SHARED: writes go to the shared page, never copy-on-write.</summary>
    Shared = 2,
}

/// <summary>fork/clone flags the model distinguishes.</summary>
[Flags]
public enum ForkFlags : byte
{
    None = 0,
    /// <summary>CLONE_VM: the child shares the parent's address space (a thread).</summary>
    Thread = 1,
    /// <summary>vfork: the child borrows the parent's address space until exec or exit.</summary>
    VFork = 2,
}

/// <summary>Measurement markers written by workload generators.</summary>
public enum MarkKind : byte
{
    /// <summary>Counters are snapshotted here; only what follows is measured.</summary>
    MeasureStart = 0,
    /// <summary>One iteration of the measured loop ends.</summary>
    IterationEnd = 1,
}
