using PerfSim.Core.Platform;
using PerfSim.Core.Stats;
using PerfSim.Core.Trace;

namespace PerfSim.Core.Kernel;

/// <summary>
/// The SMP part of the kernel model: sleeping and waking across CPUs, reschedule IPIs, TLB shootdowns (cpu_vm_mask,
/// lazy TLB), the SMP mmu_gather, and which CPU wrote each shared kernel object last (the coherence steps).
/// </summary>
public sealed partial class LinuxKernel
{
    // Sleeping and waking (named pipes, wait), and the processes a fork will create (several CPUs only).
    private readonly Dictionary<long, long> _pipeBytes = new();
    private readonly Dictionary<long, Process> _pipeSleeper = new();
    private readonly Dictionary<int, int> _unborn = new();

    /// <summary>Pages an SMP mmu_gather frees per batch (2.4 and 2.6: FREE_PTE_NR = 506 with CONFIG_SMP).</summary>
    public const int FreePteNr = 506;

    private int _gathered;

    // Which CPU wrote each shared kernel object last (several CPUs): pipes, runqueues; tasks keep their own.
    private readonly Dictionary<long, int> _pipeWriter = new();
    private readonly int[] _runqueueWriter;

    /// <summary>
    /// An SMP step touches a kernel object: if another CPU wrote it last its lines (the profile's count for the step)
    /// move into this CPU's cache. On one CPU, or without the profile's smp_coherence table, nothing moves.
    /// </summary>
    private void Share(ref int lastWriter, SharedStep step)
    {
        var cpu = _p.CurrentCpu;
        if (lastWriter >= 0 && lastWriter != cpu && _current.Length > 1 && _profile.SmpCoherence is { } lines && lines[(int)step] > 0)
        {
            _p.MoveLines(lines[(int)step]);
        }
        lastWriter = cpu;
    }

    /// <summary>A runqueue is taken: the given CPU's own (2.6), or the one global runqueue (2.4).</summary>
    private void ShareRunqueue(int cpu)
    {
        var perCpu = _profile.SmpCoherence is { } c && c[SharedSteps.Defs.Count - 1] != 0;
        Share(ref _runqueueWriter[perCpu ? cpu : 0], SharedStep.Runqueue);
    }

    private void SharePipe(long pipe, SharedStep step)
    {
        var w = _pipeWriter.GetValueOrDefault(pipe, -1);
        Share(ref w, step);
        _pipeWriter[pipe] = w;
    }

    private void ShareTask(Process p, SharedStep step)
    {
        var w = p.LinesWriter;
        Share(ref w, step);
        p.LinesWriter = w;
    }

    /// <summary>
    /// Tearing down an address space another CPU built: the page directory's scanned lines, one line per 16 present PTEs
    /// of its page tables, and the struct page line of every mapped page whose reference that CPU took (pages this CPU
    /// wrote since are its own).
    /// </summary>
    private void PullTeardownLines(AddressSpace mm)
    {
        var cpu = _p.CurrentCpu;
        if (_current.Length == 1 || mm.BuiltOn < 0 || mm.BuiltOn == cpu || _profile.SmpCoherence is not { } lines)
        {
            return;
        }
        long pulled = lines[(int)SharedStep.ExitPgdScan];
        long pages = 0;
        foreach (var t in mm.TableIndexes())
        {
            var present = 0;
            var tableEnd = mm.FirstVpnOf(t + 1);
            for (var vpn = mm.NextPresent(mm.FirstVpnOf(t), tableEnd); vpn >= 0; vpn = mm.NextPresent(vpn + 1, tableEnd))
            {
                var pte = mm.GetPte(vpn);
                present++;
                if (_frames.LastWriter(Pte.FrameOf(pte)) != cpu)
                {
                    pages++;
                }
            }
            pulled += (present + 15) / 16;
        }
        pulled += pages * lines[(int)SharedStep.PageRefcount];
        if (pulled > 0)
        {
            _p.MoveLines(pulled);
        }
    }

    /// <summary>A copy reads a whole page: if another CPU wrote it last, the page moves (bandwidth-bound).</summary>
    private void CopyFrom(int frame)
    {
        var cpu = _p.CurrentCpu;
        var w = _frames.LastWriter(frame);
        if (w >= 0 && w != cpu && _current.Length > 1 && _profile.SmpCoherence is not null)
        {
            _p.MoveLines(64, wholePage: true);
        }
        _p.CopyPage();
    }

    /// <summary>
    /// Whether a CPU is idle, waiting for a wake-up (set by the simulator; a wake-up of a task whose CPU is idle
    /// sends it a reschedule IPI). Null on one CPU.
    /// </summary>
    public Func<int, bool>? CpuIsIdle { get; set; }

    /// <summary>Delivers a reschedule IPI to a CPU after the machine's delivery latency and returns its arrival cycle (set by the simulator).</summary>
    public Func<int, long>? DeliverIpi { get; set; }

    /// <summary>A CPU's clock (set by the simulator with several CPUs).</summary>
    public Func<int, long>? ClockOf { get; set; }

    /// <summary>The earliest cycle a process's next event may start (0 when it may start at once).</summary>
    public long ReadyAt(int pid) => _procs.TryGetValue(pid, out var p) ? p.ReadyAt : 0;

    /// <summary>A process the trace will fork (on another CPU's stream) does not exist before that fork; its events wait.</summary>
    public void ExpectFork(int childPid, int firstCpu) => _unborn.TryAdd(childPid, firstCpu);

    /// <summary>Whether an event can run now: its process exists and is not asleep.</summary>
    public bool CanRun(in TraceEvent e)
    {
        if (e.Kind == TraceEventKind.Mark)
        {
            return true;
        }
        if (_unborn.ContainsKey(e.Pid))
        {
            return false;
        }
        return !_procs.TryGetValue(e.Pid, out var p) || !p.Sleeping;
    }

    /// <summary>Why a process cannot run (for the error when nothing can wake it).</summary>
    public string WhyWaiting(int pid) =>
        _unborn.ContainsKey(pid) ? $"pid {pid} is never forked"
        : _procs.TryGetValue(pid, out var p) && p.SleepingOnPipe != 0 ? $"pid {pid} sleeps in a read of pipe {p.SleepingOnPipe} that no later write wakes"
        : _procs.TryGetValue(pid, out p) && p.SleepingOnChild != 0 ? $"pid {pid} waits for child {p.SleepingOnChild}, which never exits"
        : _procs.TryGetValue(pid, out p) && p.PendingAcks > 0 ? $"pid {pid} spins for {p.PendingAcks} TLB shootdown acknowledgement(s) that never come"
        : _procs.TryGetValue(pid, out p) && p.SleepingOnVfork != 0 ? $"pid {pid} lent its address space to vfork child {p.SleepingOnVfork}, which never execs or exits"
        : $"pid {pid} can run";

    /// <summary>A CPU has nothing to run until a wake-up: the task asleep on it switches to the idle task (no CR3 load: lazy TLB).</summary>
    public void GoIdle(int cpu)
    {
        if (_current[cpu] is null)
        {
            return;
        }
        _p.CurrentCpu = cpu;
        _p.Cli();
        _p.KernelPath(KernelPath.Schedule);
        _p.KernelPath(KernelPath.SwitchTo);
        _current[cpu] = null;
    }

    /// <summary>A reschedule IPI arrives at a CPU: interrupt entry, the handler, the APIC acknowledgement, the return.</summary>
    public void ReceiveIpi(int cpu)
    {
        _p.CurrentCpu = cpu;
        _stats.Count(Counter.IpisReceived);
        _p.ReceiveIpi();
        _p.KernelPath(KernelPath.IpiHandler);
    }

    /// <summary>Sends a TLB shootdown IPI to a CPU; the simulator runs the target's handler when it arrives (set by the simulator).</summary>
    public Action<int, AddressSpace, long, int>? DeliverShootdown { get; set; }

    /// <summary>Whether a vCPU is scheduled on a physical CPU at a cycle (set by the simulator when vCPUs share physical CPUs).</summary>
    public Func<int, long, bool>? VcpuRunning { get; set; }

    /// <summary>Whether a process spins (for shootdown acknowledgements) rather than sleeps: its CPU is busy, not idle.</summary>
    public bool IsSpinning(int pid) => _procs.TryGetValue(pid, out var p) && p.PendingAcks > 0;

    /// <summary>Whether the wait before a process's next event was a spin for acknowledgements (then clears the mark).</summary>
    public bool TakeSpinWait(int pid)
    {
        if (!_procs.TryGetValue(pid, out var p) || !p.SpunForAcks)
        {
            return false;
        }
        p.SpunForAcks = false;
        return true;
    }

    /// <summary>flush_tlb_mm: the local flush, then the other CPUs that have the mm loaded.</summary>
    private void FlushTlbMm(AddressSpace mm)
    {
        _p.FlushTlb(mm);
        ShootDown(mm, -1);
    }

    /// <summary>flush_tlb_page: the local invlpg, then the other CPUs that have the mm loaded.</summary>
    private void FlushTlbPage(AddressSpace mm, long vpn)
    {
        _p.Invlpg(mm, vpn);
        ShootDown(mm, vpn);
    }

    /// <summary>
    /// flush_tlb_others: under tlbstate_lock, the flush request to every other CPU in cpu_vm_mask by the design's IPI
    /// mechanism; the initiator then spins until each target acknowledges (its next event waits for the last one).
    /// </summary>
    private void ShootDown(AddressSpace mm, long vpn)
    {
        var cpu = _p.CurrentCpu;
        if (DeliverShootdown is null || mm.LoadedOn.Count == 0 || (mm.LoadedOn.Count == 1 && mm.LoadedOn.Contains(cpu)))
        {
            return;
        }
        var targets = mm.LoadedOn.Where(c => c != cpu).ToArray();
        var initiator = _current[cpu] ?? throw new SimulationException($"cpu {cpu}: a TLB shootdown with no task running.");
        _stats.Count(Counter.Shootdowns);
        _p.KernelPath(KernelPath.TlbShootdown);
        var now = ClockOf?.Invoke(cpu) ?? 0;
        var skip = _p.HypervisorFlushesRemotely && VcpuRunning is not null;
        foreach (var t in targets)
        {
            _p.SetVcpuRunning(t, VcpuRunning?.Invoke(t, now) ?? true);
        }
        _p.FlushTlbOthers(mm, targets);
        initiator.ShootdownStart = now;
        foreach (var t in targets)
        {
            if (skip && !VcpuRunning!(t, now))
            {
                _p.DiscardTlb(t, mm); // the hypervisor flushes it before it runs again: nobody waits for it
                continue;
            }
            initiator.PendingAcks++;
            DeliverShootdown(t, mm, vpn, initiator.Pid);
        }
        _p.CurrentCpu = cpu;
        if (initiator.PendingAcks == 0)
        {
            ShootdownLatencies.Add((ClockOf?.Invoke(cpu) ?? now) - now); // every target skipped: the flush hypercall alone
        }
    }

    /// <summary>Each completed shootdown's latency in cycles, from the request to the last acknowledgement, in completion order.</summary>
    public List<long> ShootdownLatencies { get; } = new();

    /// <summary>
    /// A shootdown arrives at a CPU. Natively the guest's smp_invalidate_interrupt runs: the entry, the handler, a flush
    /// of the page (or a CR3 reload) if the mm is the CPU's active one, or leave_mm if the CPU holds it lazily, the EOI,
    /// the return. With a paravirtual remote flush the hypervisor flushes the CPU itself and no guest handler runs.
    /// </summary>
    public void ReceiveShootdown(int cpu, AddressSpace mm, long vpn)
    {
        _p.CurrentCpu = cpu;
        if (_p.HypervisorFlushesRemotely)
        {
            _p.HypervisorRemoteFlush(mm, vpn);
            return;
        }
        _stats.Count(Counter.IpisReceived);
        _p.ReceiveIpi();
        _p.KernelPath(KernelPath.IpiHandler);
        if (_activeMm[cpu] != mm)
        {
            return; // switched away since the request: nothing of mm is left to flush
        }
        if (_current[cpu] is null)
        {
            // leave_mm: a lazy CPU drops the mm (clear its cpu_vm_mask bit, load swapper_pg_dir: a full flush).
            mm.LoadedOn.Remove(cpu);
            _activeMm[cpu] = null;
            _p.FlushTlb(mm);
        }
        else if (vpn >= 0)
        {
            _p.Invlpg(mm, vpn);
        }
        else
        {
            _p.FlushTlb(mm);
        }
    }

    /// <summary>A target's acknowledgement reaches the initiator (its flush_cpumask bit cleared) at <paramref name="cycle"/>.</summary>
    public void AcknowledgeShootdown(int initiatorPid, long cycle)
    {
        if (!_procs.TryGetValue(initiatorPid, out var p) || p.PendingAcks == 0)
        {
            return;
        }
        p.ReadyAt = Math.Max(p.ReadyAt, cycle);
        if (--p.PendingAcks == 0)
        {
            p.SpunForAcks = true;
            ShootdownLatencies.Add(p.ReadyAt - p.ShootdownStart);
        }
    }

    /// <summary>
    /// Where a task that wakes or is forked goes when the trace does not place it (set by the simulator's scheduler):
    /// the CPU whose run queue takes it. Null when the trace places every event.
    /// </summary>
    public Func<Process, PlaceReason, int>? Place { get; set; }

    /// <summary>Wakes a sleeping task: with several CPUs, a task whose CPU is idle gets that CPU a reschedule IPI.</summary>
    private void Wake(Process sleeper)
    {
        ShareTask(sleeper, SharedStep.TaskWake);
        var target = Place?.Invoke(sleeper, PlaceReason.Wake) ?? sleeper.LastCpu; // try_to_wake_up: set_task_cpu
        ShareRunqueue(target >= 0 ? target : _p.CurrentCpu);
        var readyAt = SendRescheduleIfIdle(target); // decided while the sleeper still sleeps on its CPU
        sleeper.LastCpu = target;
        sleeper.SleepingOnPipe = 0;
        sleeper.SleepingOnChild = 0;
        sleeper.SleepingOnVfork = 0;
        sleeper.ReadyAt = readyAt;
    }

    /// <summary>
    /// The scheduler moves a task to another CPU's run queue, counted as a migration. Exec balancing
    /// (<paramref name="pulled"/> false): the task leaves <paramref name="from"/>, where it was running, and an idle
    /// target gets a reschedule IPI from there. Idle balancing (<paramref name="pulled"/> true): the idle target takes a
    /// task that waited on <paramref name="from"/>'s queue, and needs no IPI.
    /// </summary>
    public void Migrate(Process task, int from, int to, bool pulled)
    {
        _stats.Count(Counter.Migrations);
        if (!pulled)
        {
            _p.CurrentCpu = from;
            if (_current[from] == task)
            {
                _current[from] = null; // it leaves its CPU now; that CPU switches to whatever runs next
            }
            task.ReadyAt = Math.Max(task.ReadyAt, SendRescheduleIfIdle(to));
        }
        task.LastCpu = to;
    }

    /// <summary>try_to_wake_up's last step: an idle target CPU gets a reschedule IPI. Returns when the woken task may run.</summary>
    private long SendRescheduleIfIdle(int target)
    {
        var cpu = _p.CurrentCpu;
        var now = ClockOf?.Invoke(cpu) ?? 0;
        // The target is idle if the simulator has it waiting, or if the task on it has just gone to sleep (it will run the
        // idle task next), or it runs no task at all.
        var idle = CpuIsIdle is not null && (CpuIsIdle(target) || _current[target] is null || _current[target]!.Sleeping);
        if (target < 0 || target == cpu || !idle)
        {
            return now;
        }
        _p.SendIpi([target]);
        var arrival = DeliverIpi?.Invoke(target) ?? now;
        _p.CurrentCpu = cpu;
        return arrival;
    }
}
