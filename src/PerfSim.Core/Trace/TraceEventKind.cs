namespace PerfSim.Core.Trace;

/// <summary>What a trace event says happened. The numeric values are the binary trace encoding: never renumber.</summary>
public enum TraceEventKind : byte
{
    /// <summary>A system call other than the process and memory calls below. Arg0 = <see cref="SyscallKind"/>, Arg1 = size argument (bytes, or descriptors for select), Arg2 = pipe, Arg3 = directory entries (create, unlink).</summary>
    Syscall = 1,
    /// <summary>fork/clone/vfork. Arg0 = child pid, Arg1 = <see cref="ForkFlags"/>.</summary>
    Fork = 2,
    /// <summary>execve of a new image. Arg0 = text pages, Arg1 = data pages, Arg2 = bss pages, Arg3 = argument/environment pages.</summary>
    Exec = 3,
    /// <summary>The process exits. Arg0 = status.</summary>
    Exit = 4,
    /// <summary>waitpid reaping a child. Arg0 = child pid.</summary>
    Wait = 5,
    /// <summary>Context switch on Cpu to process Pid (the previous task is whoever ran on that CPU).</summary>
    Switch = 6,
    /// <summary>A page fault recorded as such. Arg0 = address, Arg1 = <see cref="AccessKind"/>, Arg2 = <see cref="FaultKind"/> (Auto = classify from the VMA and PTE).</summary>
    PageFault = 7,
    /// <summary>mmap. Arg0 = address, Arg1 = length in bytes, Arg2 = <see cref="Protection"/>, Arg3 = <see cref="MapFlags"/>.</summary>
    Mmap = 8,
    /// <summary>munmap. Arg0 = address, Arg1 = length in bytes.</summary>
    Munmap = 9,
    /// <summary>mprotect. Arg0 = address, Arg1 = length in bytes, Arg2 = <see cref="Protection"/>.</summary>
    Mprotect = 10,
    /// <summary>sigaction installing a handler. Arg0 = signal number.</summary>
    SigInstall = 11,
    /// <summary>A signal delivered to a handler, which returns through sigreturn. Arg0 = signal number.</summary>
    SigDeliver = 12,
    /// <summary>User memory references over a range. Arg0 = address, Arg1 = length in bytes, Arg2 = <see cref="AccessKind"/>.</summary>
    Touch = 13,
    /// <summary>User computation. Arg0 = cycles, Arg1 = 1 if it uses the FPU.</summary>
    Compute = 14,
    /// <summary>A measurement marker. Arg0 = <see cref="MarkKind"/>.</summary>
    Mark = 15,
    /// <summary>A synchronous exception the kernel handles and returns from (no signal). Arg0 = vector (0 = divide error).</summary>
    Exception = 16,
    /// <summary>The kernel executes an I/O port instruction. Arg0 = port, Arg1 = 1 for out, 0 for in.</summary>
    PortIo = 17,
    /// <summary>A debugger (ptrace POKEUSR) sets or clears the process's hardware breakpoints. Arg0 = 1 set (TIF_DEBUG), 0 cleared.</summary>
    DebugRegs = 18,
}
