namespace PerfSim.IO.Trace;

/// <summary>How the value of a trace key is written in the text format and which values are allowed.</summary>
public enum TraceValueType : byte
{
    /// <summary>A non-negative 32-bit integer: cpu, pid, child pid, signal number. Decimal.</summary>
    Id,
    /// <summary>A CPU: a non-negative 32-bit integer, or <c>any</c> (-1, <see cref="PerfSim.Core.Trace.TraceEvent.AnyCpu"/>): the kernel's scheduler places the event.</summary>
    Cpu,
    /// <summary>A signed 32-bit integer (exit status). Decimal, may be negative.</summary>
    Int32,
    /// <summary>A non-negative 64-bit count: bytes, pages, cycles. Decimal.</summary>
    Count,
    /// <summary>A non-negative 64-bit virtual address. Written as 0x hex.</summary>
    Address,
    /// <summary>A <see cref="PerfSim.Core.Trace.SyscallKind"/> in snake_case: null, read, ..., pipe_read, other.</summary>
    Syscall,
    /// <summary>A <see cref="PerfSim.Core.Trace.ForkFlags"/> value: none, thread or vfork.</summary>
    ForkFlags,
    /// <summary>An <see cref="PerfSim.Core.Trace.AccessKind"/>: r, w or x.</summary>
    Access,
    /// <summary>A <see cref="PerfSim.Core.Trace.FaultKind"/>: auto, anon, cow, file or prot.</summary>
    FaultKind,
    /// <summary>A <see cref="PerfSim.Core.Trace.Protection"/>: letters from r, w, x (any order, each at most once) or none.</summary>
    Protection,
    /// <summary>A <see cref="PerfSim.Core.Trace.MapFlags"/> value: anon or file, optionally followed by ,shared.</summary>
    MapFlags,
    /// <summary>A <see cref="PerfSim.Core.Trace.MarkKind"/>: measure (MeasureStart) or iter (IterationEnd).</summary>
    Mark,
}
