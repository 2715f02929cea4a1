namespace PerfSim.IO.Recording;

/// <summary>What a tracer saw happen in the recorded program, before it becomes PerfSim trace events.</summary>
public enum RecordedKind : byte
{
    /// <summary>A system call that returned (or the program ended inside it): <see cref="RecordedEvent.Name"/>, <see cref="RecordedEvent.Args"/>, <see cref="RecordedEvent.Return"/>, enter and exit times.</summary>
    Syscall,
    /// <summary>A new task: <see cref="RecordedEvent.Child"/> (its thread id), <see cref="RecordedEvent.Thread"/>, <see cref="RecordedEvent.VFork"/>.</summary>
    Fork,
    /// <summary>A successful execve of <see cref="RecordedEvent.Path"/>.</summary>
    Exec,
    /// <summary>The task ended (exit, exit_group, or killed by a signal).</summary>
    Exit,
    /// <summary>A user-address page fault: <see cref="RecordedEvent.Address"/>, <see cref="RecordedEvent.Write"/>, <see cref="RecordedEvent.Fetch"/>, <see cref="RecordedEvent.Present"/>.</summary>
    PageFault,
    /// <summary>The task starts running on <see cref="RecordedEvent.Cpu"/> (a context switch to it).</summary>
    SwitchIn,
    /// <summary>A signal <see cref="RecordedEvent.Signal"/> delivered to the task; <see cref="RecordedEvent.Handled"/> when a user handler runs.</summary>
    Signal,
    /// <summary>The tracer lost <see cref="RecordedEvent.Return"/> events here (a ring buffer overflowed).</summary>
    Lost,
    /// <summary>
    /// A mapping the kernel reported (perf's MMAP2 record): <see cref="RecordedEvent.Address"/>, length in
    /// <see cref="RecordedEvent.Args"/>[0], file offset in Args[1], protection bits (1 r, 2 w, 4 x) in Args[2], shared
    /// (1) in Args[3]; <see cref="RecordedEvent.Path"/> the file or [stack], [heap], [vdso], //anon.
    /// </summary>
    Mapping,
}

/// <summary>
/// One thing a tracer saw, in the recording machine's terms (x86_64 system call names and addresses). Times are
/// nanoseconds on the tracer's clock; a syscall carries both its entry and its exit time. <see cref="Tid"/> is the task
/// (thread) id, <see cref="Pid"/> its thread group id (the process); <see cref="Line"/> the line of the tracer's output
/// it came from, for errors.
/// </summary>
public sealed record RecordedEvent(RecordedKind Kind, long TimeNs, int Tid, long Line)
{
    public int Pid { get; init; }

    /// <summary>The CPU it happened on, or -1 when the tracer does not say.</summary>
    public int Cpu { get; init; } = -1;

    /// <summary>Syscall: the x86_64 name (read, mmap, clone, ...).</summary>
    public string Name { get; init; } = "";

    /// <summary>Syscall: its arguments as numbers (pointers as addresses; strings are left 0 and put in <see cref="Path"/>).</summary>
    public long[] Args { get; init; } = [];

    /// <summary>Syscall: the return value (negative errno on failure). Exit: the exit status (0 when killed by a signal). Lost: how many events were lost.</summary>
    public long Return { get; init; }

    /// <summary>Syscall: when it returned (nanoseconds); equal to <see cref="TimeNs"/> when only one time is known.</summary>
    public long ExitNs { get; init; }

    /// <summary>Syscall: it never returned (the program ended inside it, or the recording stopped).</summary>
    public bool Unfinished { get; init; }

    /// <summary>Exec, or a syscall's first string argument (open's file name): the path.</summary>
    public string? Path { get; init; }

    /// <summary>Fork: the new task's id.</summary>
    public int Child { get; init; }

    /// <summary>Fork: the new task shares the address space (CLONE_VM without vfork: a thread).</summary>
    public bool Thread { get; init; }

    /// <summary>Fork: vfork (CLONE_VFORK): the parent waits until the child execs or exits.</summary>
    public bool VFork { get; init; }

    /// <summary>PageFault: the faulting user address.</summary>
    public long Address { get; init; }

    /// <summary>PageFault: a write access.</summary>
    public bool Write { get; init; }

    /// <summary>PageFault: an instruction fetch.</summary>
    public bool Fetch { get; init; }

    /// <summary>PageFault: the page was present (a protection fault, e.g. a write to a copy-on-write page).</summary>
    public bool Present { get; init; }

    /// <summary>Signal: the signal number. Exit: the signal that killed the task (0 when it exited).</summary>
    public int Signal { get; init; }

    /// <summary>Signal: a user handler runs (not the default action, not ignored).</summary>
    public bool Handled { get; init; }
}
