namespace PerfSim.Core.Kernel;

/// <summary>A task: its address space and the state the switch and signal paths look at.</summary>
public sealed class Process
{
    public Process(int pid, AddressSpace mm)
    {
        Pid = pid;
        Mm = mm;
    }

    public int Pid { get; }
    public AddressSpace Mm { get; set; }
    public int ParentPid { get; set; }
    public bool Exited { get; set; }

    /// <summary>Signals with a user handler installed (bit n = signal n).</summary>
    public ulong Handlers { get; set; }

    /// <summary>Used the FPU in its current time slice (saved at the next switch away).</summary>
    public bool UsedFpu { get; set; }

    /// <summary>
    /// A debugger set hardware breakpoints (TIF_DEBUG): every switch to the task loads dr0-dr3, dr6 and dr7.
    /// fork copies it with the task (2.4 and 2.6.20 copy the thread state whole); exec clears it (flush_thread).
    /// </summary>
    public bool DebugRegisters { get; set; }

    /// <summary>Identifies this task's TLS descriptors; a switch rewrites the GDT entries that differ.</summary>
    public int TlsKey { get; set; }

    /// <summary>The CPU it last ran on (task->cpu), or -1 before it first runs.</summary>
    public int LastCpu { get; set; } = -1;

    /// <summary>The named pipe it sleeps on in a read (0 = not sleeping in a pipe read).</summary>
    public long SleepingOnPipe { get; set; }

    /// <summary>The child it sleeps on in wait (0 = not sleeping in wait).</summary>
    public int SleepingOnChild { get; set; }

    /// <summary>The vfork child it waits for until that child execs or exits (0 = none): the child borrows its address space.</summary>
    public int SleepingOnVfork { get; set; }

    /// <summary>With several CPUs, the earliest cycle its next event may start: when it was woken or forked, plus the reschedule IPI's latency when its CPU had to be interrupted.</summary>
    public long ReadyAt { get; set; }

    /// <summary>It has been switched in at least once (a forked child's first run pulls everything copy_process wrote).</summary>
    public bool HasRun { get; set; }

    /// <summary>A forked child not yet switched in: its first run returns to user through ret_from_fork's iret.</summary>
    public bool InRetFromFork { get; set; }

    /// <summary>The CPU that wrote its task_struct and kernel stack last (-1: none yet).</summary>
    public int LinesWriter { get; set; } = -1;

    /// <summary>When its current TLB shootdown was requested.</summary>
    public long ShootdownStart { get; set; }

    /// <summary>TLB shootdown acknowledgements it still spins for (flush_tlb_others waits for every target).</summary>
    public int PendingAcks { get; set; }

    /// <summary>The last of its shootdown's acknowledgements arrived at this cycle; its next event waits for it (spinning, not idle).</summary>
    public bool SpunForAcks { get; set; }

    /// <summary>Asleep: its next event must wait for the wake-up.</summary>
    public bool Sleeping => SleepingOnPipe != 0 || SleepingOnChild != 0 || SleepingOnVfork != 0 || PendingAcks > 0;

    /// <summary>Top page of the user stack (where signal frames are written).</summary>
    public long StackTopVpn { get; set; } = 0xBFFFF;
}
