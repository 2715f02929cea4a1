namespace PerfSim.Core.Kernel;

/// <summary>
/// Families of kernel paths whose length estimates share a bias (same authors' reading of the same subsystem).
/// Calibration fits one scale factor per group, never per path, so every fitted factor rests on several
/// published cells.
/// </summary>
public enum KernelPathGroup
{
    /// <summary>System-call entry and dispatch, trivial bodies, signals, pipes, select.</summary>
    Syscall,
    /// <summary>VFS and file-system paths: lookup, open, create, unlink, file writes.</summary>
    FileSystem,
    /// <summary>Memory management and process lifecycle: fork, exec, exit, wait, faults, mmap, page tables.</summary>
    Memory,
    /// <summary>The scheduler and the context-switch software path.</summary>
    Scheduler,
}
