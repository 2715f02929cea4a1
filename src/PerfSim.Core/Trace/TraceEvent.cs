namespace PerfSim.Core.Trace;

/// <summary>
/// One event of a workload trace: a small, allocation-free value. The meaning of
/// <see cref="Arg0"/>..<see cref="Arg3"/> depends on <see cref="Kind"/> (see
/// <see cref="TraceEventKind"/>); the static factories below are the documented way to build one.
/// </summary>
public readonly record struct TraceEvent(
    TraceEventKind Kind,
    int Cpu,
    int Pid,
    long Arg0 = 0,
    long Arg1 = 0,
    long Arg2 = 0,
    long Arg3 = 0)
{
    /// <summary>The CPU of an event the trace does not place: the kernel's scheduler decides where it runs.</summary>
    public const int AnyCpu = -1;

    /// <param name="dirEntries">For create and unlink: entries already in the directory (a linear directory scans them).</param>
    public static TraceEvent Syscall(int cpu, int pid, SyscallKind kind, long size = 0, long pipe = 0, long dirEntries = 0) =>
        new(TraceEventKind.Syscall, cpu, pid, (long)kind, size, pipe, dirEntries);

    public static TraceEvent Fork(int cpu, int pid, int child, ForkFlags flags = ForkFlags.None) =>
        new(TraceEventKind.Fork, cpu, pid, child, (long)flags);

    public static TraceEvent Exec(int cpu, int pid, long textPages, long dataPages, long bssPages, long argPages) =>
        new(TraceEventKind.Exec, cpu, pid, textPages, dataPages, bssPages, argPages);

    public static TraceEvent Exit(int cpu, int pid, int status = 0) => new(TraceEventKind.Exit, cpu, pid, status);

    public static TraceEvent Wait(int cpu, int pid, int child) => new(TraceEventKind.Wait, cpu, pid, child);

    public static TraceEvent Switch(int cpu, int nextPid) => new(TraceEventKind.Switch, cpu, nextPid);

    public static TraceEvent PageFault(int cpu, int pid, long address, AccessKind access, FaultKind kind = FaultKind.Auto) =>
        new(TraceEventKind.PageFault, cpu, pid, address, (long)access, (long)kind);

    public static TraceEvent Mmap(int cpu, int pid, long address, long length, Protection prot, MapFlags flags) =>
        new(TraceEventKind.Mmap, cpu, pid, address, length, (long)prot, (long)flags);

    public static TraceEvent Munmap(int cpu, int pid, long address, long length) =>
        new(TraceEventKind.Munmap, cpu, pid, address, length);

    public static TraceEvent Mprotect(int cpu, int pid, long address, long length, Protection prot) =>
        new(TraceEventKind.Mprotect, cpu, pid, address, length, (long)prot);

    public static TraceEvent SigInstall(int cpu, int pid, int signal) => new(TraceEventKind.SigInstall, cpu, pid, signal);

    public static TraceEvent SigDeliver(int cpu, int pid, int signal) => new(TraceEventKind.SigDeliver, cpu, pid, signal);

    public static TraceEvent Touch(int cpu, int pid, long address, long length, AccessKind access) =>
        new(TraceEventKind.Touch, cpu, pid, address, length, (long)access);

    public static TraceEvent Compute(int cpu, int pid, long cycles, bool usesFpu = false) =>
        new(TraceEventKind.Compute, cpu, pid, cycles, usesFpu ? 1 : 0);

    public static TraceEvent Exception(int cpu, int pid, int vector) => new(TraceEventKind.Exception, cpu, pid, vector);

    public static TraceEvent PortIo(int cpu, int pid, int port, bool isOut = false) => new(TraceEventKind.PortIo, cpu, pid, port, isOut ? 1 : 0);

    public static TraceEvent DebugRegs(int cpu, int pid, bool set) => new(TraceEventKind.DebugRegs, cpu, pid, set ? 1 : 0);

    public static TraceEvent Mark(int cpu, int pid, MarkKind mark) => new(TraceEventKind.Mark, cpu, pid, (long)mark);
}
