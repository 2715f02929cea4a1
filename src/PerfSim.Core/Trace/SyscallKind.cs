namespace PerfSim.Core.Trace;

/// <summary>System calls the kernel model distinguishes. Values are the binary encoding: never renumber.</summary>
public enum SyscallKind : byte
{
    /// <summary>A trivial system call (getppid).</summary>
    Null = 0,
    Read = 1,
    Write = 2,
    Stat = 3,
    Open = 4,
    Close = 5,
    /// <summary>kill(); Arg1 = 0 for a signal-0 probe.</summary>
    Kill = 6,
    Select = 7,
    /// <summary>creat() of a new file.</summary>
    Create = 8,
    Unlink = 9,
    /// <summary>A pipe read that finds data.</summary>
    PipeRead = 10,
    /// <summary>A pipe write that wakes a reader.</summary>
    PipeWrite = 11,
    Msync = 12,
    Brk = 13,
    /// <summary>Any other system call, charged at the generic path cost.</summary>
    Other = 14,
    /// <summary>creat() of a new file whose name has a negative dentry in the dcache: the lookup reads no directory block.</summary>
    CreateCached = 15,
}
