using PerfSim.Core.Machine;

namespace PerfSim.Core.Kernel;

/// <summary>
/// A step at which an SMP kernel touches a kernel object another CPU may have written last (its cache lines then move
/// between the CPUs' caches). A kernel profile's <c>smp_coherence</c> table gives the lines each step touches.
/// </summary>
public enum SharedStep
{
    /// <summary>A task switched in: its task_struct (and thread_info) and kernel-stack lines schedule and switch_to touch.</summary>
    TaskSwitchIn,
    /// <summary>A sleeping task woken: the lines of its task_struct try_to_wake_up touches.</summary>
    TaskWake,
    /// <summary>A runqueue (2.4: the global one; 2.6: the target CPU's) taken by a wake-up or by schedule.</summary>
    Runqueue,
    /// <summary>A pipe read: pipe_inode_info, the inode's semaphore and times, the wait queue, the data.</summary>
    PipeRead,
    /// <summary>A pipe write: the same objects.</summary>
    PipeWrite,
    /// <summary>A parent reaping a child that exited: the child's exit state.</summary>
    WaitReap,
    /// <summary>An exiting child notifying its parent: the parent's signal and wait state.</summary>
    ExitNotify,
    /// <summary>A forked child's first run on another CPU than its parent's: the task_struct, kernel stack and mm_struct copy_process wrote.</summary>
    ForkChildFirstRun,
    /// <summary>Tearing down an address space another CPU built: the page directory's lines exit scans.</summary>
    ExitPgdScan,
    /// <summary>Tearing down an address space another CPU built: lines of struct page per mapped page whose reference count that CPU took.</summary>
    PageRefcount,
}

public static class SharedSteps
{
    public static readonly int Count = Enum.GetValues<SharedStep>().Length;

    /// <summary>The keys and meanings of a kernel profile's <c>smp_coherence</c> table, indexed by <see cref="SharedStep"/>.</summary>
    public static readonly IReadOnlyList<ParamDef> Defs =
    [
        new("task_switch_in", ParamUnit.Lines, 0, 1000, "Lines of a task's task_struct, thread_info and kernel stack that schedule, switch_to and the return to user touch when it is switched in."),
        new("task_wake", ParamUnit.Lines, 0, 1000, "Lines of a sleeping task's task_struct that try_to_wake_up touches."),
        new("runqueue", ParamUnit.Lines, 0, 1000, "Lines of a runqueue (2.4: the global runqueue_lock and list; 2.6: a CPU's struct runqueue) a wake-up or schedule touches."),
        new("pipe_read", ParamUnit.Lines, 0, 1000, "Lines of a pipe (pipe_inode_info, the inode's semaphore and times, the wait queue, the data) a small read touches."),
        new("pipe_write", ParamUnit.Lines, 0, 1000, "Lines of a pipe a small write touches."),
        new("wait_reap", ParamUnit.Lines, 0, 1000, "Lines of an exited child's task_struct a parent's wait4 reads when reaping it."),
        new("exit_notify", ParamUnit.Lines, 0, 1000, "Lines of the parent's task_struct and signal state an exiting child's notification writes."),
        new("fork_child_first_run", ParamUnit.Lines, 0, 1000, "Lines of a forked child's task_struct, kernel stack and mm_struct it pulls when it first runs on another CPU than the one that forked it."),
        new("exit_pgd_scan", ParamUnit.Lines, 0, 1000, "Lines of the page directory that tearing down an address space another CPU built scans (its page-table pages add one line per 16 present PTEs)."),
        new("page_refcount", ParamUnit.Lines, 0, 1000, "Lines of struct page per mapped page whose reference count another CPU took (at fork) and the teardown drops."),
        new("per_cpu_runqueues", ParamUnit.Flag, 0, 1, "1 if each CPU has its own runqueue (2.6's O(1) scheduler); 0 for one global runqueue (2.4)."),
    ];
}
