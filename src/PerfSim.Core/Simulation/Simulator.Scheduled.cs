using PerfSim.Core.Kernel;
using PerfSim.Core.Stats;
using PerfSim.Core.Trace;

namespace PerfSim.Core.Simulation;

public sealed partial class Simulator
{
    /// <summary>
    /// Several CPUs, placed by the kernel's scheduler (a trace whose events say <c>cpu any</c>, or <c>--placement
    /// scheduler</c>). Each process's events run in trace order on whichever CPU the scheduler has it; marks ride with
    /// the process of the event before them. The scheduler is a simple Linux-like one, its knobs from the kernel profile:
    /// <list type="bullet">
    /// <item>one run queue per CPU, first in first out; a task runs until it sleeps, exits, or has used its time slice
    /// while another waits on its CPU (then it goes to the back);</item>
    /// <item>a woken task goes to the CPU it last ran on if that CPU has nothing to run, else to the lowest-numbered CPU
    /// that has nothing to run, else back to its own queue (2.4's reschedule_idle; 2.6's wake-up balancing alike);
    /// an idle target gets a reschedule IPI from the waker;</item>
    /// <item>a forked child is placed like a woken task, except that with <c>fork_child_runs_first</c> (2.6) it goes
    /// to the front of the parent's CPU and runs before the parent (a thread is queued there, behind it);</item>
    /// <item>with exec balancing (2.6's sched_exec) an exec first moves the task to the least loaded CPU when that
    /// CPU would still have fewer tasks than its own;</item>
    /// <item>a task whose events run out without an exit keeps its CPU (the trace stopped recording it, it did not stop
    /// running) until another task is queued there, as a CPU's last task does when the trace places the events;</item>
    /// <item>a CPU with nothing to run pulls the task that has waited longest on the busiest other CPU's queue (idle
    /// balancing): at once if it went idle after the task was queued (schedule()'s idle_balance), else at its next
    /// rebalance tick (the profile's <c>idle_balance_us</c>; 0, as in 2.4, means a displaced task is handed to an idle
    /// CPU at once with a reschedule IPI), unless the task's own CPU takes it back first.</item>
    /// </list>
    /// Moves to another CPU are counted as <see cref="Counter.Migrations"/>.
    /// </summary>
    private enum Next
    {
        Nothing,
        Event,
        Pull,
    }

    private Measurement RunScheduled(string name, List<TraceEvent> trace)
    {
        var n = Machine.Cpus.Length;
        var sched = _config.Kernel.Scheduler
            ?? throw new SimulationException($"{name}: the kernel's scheduler places this trace's events, and kernel '{_config.Kernel.Name}' has no scheduler settings (add a \"scheduler\" object to its profile).");
        var slice = sched.TimesliceUs * _config.Machine.FrequencyMhz;
        var childFirst = _config.Kernel.ForkChildRunsFirst;

        // Each process's events in trace order; a mark goes with the process of the event before it (or, at the start, after it).
        var events = new Dictionary<int, Queue<(TraceEvent E, long Seq)>>();
        var roots = new List<int>();
        var forked = new HashSet<int>();
        var leading = new List<TraceEvent>();
        var lastPid = int.MinValue;
        var remaining = 0L; // events not yet applied: a CPU goes idle only while the trace still has work for some task
        for (var seq = 0; seq < trace.Count; seq++)
        {
            var e = trace[seq];
            if (e.Kind == TraceEventKind.Mark)
            {
                if (lastPid == int.MinValue)
                {
                    leading.Add(e);
                }
                else
                {
                    events[lastPid].Enqueue((e, seq));
                }
                continue;
            }
            if (!events.TryGetValue(e.Pid, out var q))
            {
                events[e.Pid] = q = new Queue<(TraceEvent, long)>();
                if (!forked.Contains(e.Pid))
                {
                    roots.Add(e.Pid);
                }
                foreach (var m in leading)
                {
                    q.Enqueue((m, -1));
                }
                leading.Clear();
            }
            q.Enqueue((e, seq));
            remaining++;
            lastPid = e.Pid;
            if (e.Kind == TraceEventKind.Fork)
            {
                var child = checked((int)e.Arg0);
                if (!events.ContainsKey(child) && forked.Add(child))
                {
                    Kernel.ExpectFork(child, TraceEvent.AnyCpu);
                }
            }
        }

        var cur = new int[n];
        var queues = new List<int>[n];
        var sliceStart = new long[n];
        var preempt = new bool[n];
        var idle = new bool[n];
        for (var k = 0; k < n; k++)
        {
            cur[k] = -1;
            queues[k] = new List<int>();
        }
        var lastEnd = new Dictionary<int, long>();
        var order = new SharedMmOrder(Kernel, trace);
        var orderAt = new long[n];
        var enqueuedAt = new Dictionary<int, long>();
        var execBalanced = new HashSet<int>();
        var balancePeriod = sched.IdleBalanceUs * _config.Machine.FrequencyMhz;
        var settling = -1; // the CPU being settled in this pass (-1 between passes)
        var settledCpuGotTask = false;
        void Enqueue(int k, int pid, long at, int index = -1)
        {
            settledCpuGotTask |= k < settling; // a CPU already settled in this pass has a new task to consider
            queues[k].Insert(index < 0 ? queues[k].Count : index, pid);
            enqueuedAt[pid] = at;
        }
        long ClockHere() => Machine.Cpus[Platform.CurrentCpu].Clock;
        var (schedule, deliver) = WireCrossCpu(idle);

        // The earliest timed event (an IPI, a shootdown): a CPU behind it was idle, or (a vCPU with work) descheduled.
        void FireNext()
        {
            _queue.TryPop(out var cycle, out var te);
            Fire(cycle, te, schedule is null || idle[te.Cpu] ? CostCategory.Idle : CostCategory.Descheduled);
        }

        // Processes that exist when the trace starts: spread over the CPUs in order of first appearance.
        for (var i = 0; i < roots.Count; i++)
        {
            Enqueue(i % n, roots[i], 0);
        }

        // A task whose events ran out without an exit: the trace stopped recording it; it keeps its CPU while nothing else wants it.
        bool Done(int pid) => !events.TryGetValue(pid, out var q) || q.Count == 0;
        bool Busy(int k) => cur[k] >= 0 && !Done(cur[k]) && (Kernel.Find(cur[k]) is not { } p || !p.Sleeping || Kernel.IsSpinning(cur[k]));
        bool NothingToRun(int k) => !Busy(k) && queues[k].Count == 0;
        int Load(int k) => (Busy(k) ? 1 : 0) + queues[k].Count;
        int WakeTarget(int home)
        {
            if (home >= 0 && NothingToRun(home))
            {
                return home;
            }
            for (var k = 0; k < n; k++)
            {
                if (NothingToRun(k))
                {
                    return k;
                }
            }
            return home;
        }
        Kernel.Place = (task, why) =>
        {
            var from = Platform.CurrentCpu;
            var parent = why == PlaceReason.Fork ? Kernel.Find(task.ParentPid) : null;
            int target;
            if (why == PlaceReason.Fork && childFirst)
            {
                target = from; // wake_up_new_task: the parent's CPU
                if (parent is not null && parent.Mm != task.Mm)
                {
                    Enqueue(target, task.Pid, ClockHere(), 0); // the child runs first; the parent goes back behind it
                    preempt[target] = true;
                    return target;
                }
            }
            else
            {
                target = WakeTarget(why == PlaceReason.Fork ? from : task.LastCpu >= 0 ? task.LastCpu : from);
            }
            Enqueue(target, task.Pid, ClockHere());
            return target;
        };

        // A CPU with nothing to run may pull the task that has waited longest on the busiest other CPU's queue: at once if
        // it went idle after the task was queued (idle balancing in schedule()), else at its next rebalance tick after that.
        (int Pid, int From, long At) PullCandidate(int k)
        {
            var busiest = -1;
            for (var j = 0; j < n; j++)
            {
                if (j != k && Busy(j) && queues[j].Count > 0 && (busiest < 0 || queues[j].Count > queues[busiest].Count))
                {
                    busiest = j;
                }
            }
            if (busiest < 0)
            {
                return (-1, -1, 0);
            }
            var pid = queues[busiest][0];
            var queued = enqueuedAt[pid];
            var clock = Machine.Cpus[k].Clock;
            var at = clock >= queued ? clock : balancePeriod == 0 ? queued : (queued / balancePeriod + 1) * balancePeriod;
            return (pid, busiest, at);
        }

        // What CPU k does next: its current task's next event, a pull to try, or nothing until something changes.
        Next Settle(int k, out TraceEvent head, out (int Pid, int From, long At) pull)
        {
            head = default;
            pull = (-1, -1, 0);
            var yields = 0;
            while (true)
            {
                if (cur[k] < 0)
                {
                    preempt[k] = false;
                    if (queues[k].Count == 0)
                    {
                        pull = PullCandidate(k);
                        return pull.Pid < 0 ? Next.Nothing : Next.Pull;
                    }
                    var next = queues[k][0];
                    queues[k].RemoveAt(0);
                    cur[k] = next;
                    sliceStart[k] = Math.Max(Machine.Cpus[k].Clock, Math.Max(Kernel.ReadyAt(next), lastEnd.GetValueOrDefault(next)));
                    continue;
                }
                var pid = cur[k];
                if (!events.TryGetValue(pid, out var q) || q.Count == 0)
                {
                    if (Kernel.Find(pid) is { Exited: false } && queues[k].Count == 0)
                    {
                        // The trace stops recording it, but it has not exited: it keeps its CPU until another task needs it.
                        pull = PullCandidate(k);
                        return pull.Pid < 0 ? Next.Nothing : Next.Pull;
                    }
                    cur[k] = -1; // exited, or done and another task wants the CPU
                    continue;
                }
                var (h, seq) = q.Peek();
                if (h.Kind != TraceEventKind.Mark && !order.CanRun(h, seq, out orderAt[k]))
                {
                    // Another task of its address space has an earlier layout change or access to make first: let a
                    // task waiting here run meanwhile, or wait on the CPU.
                    if (queues[k].Count == 0 || yields++ > queues[k].Count)
                    {
                        return Next.Nothing; // (every task here waits on another CPU's: wait for it)
                    }
                    Enqueue(k, pid, Machine.Cpus[k].Clock);
                    cur[k] = -1;
                    continue;
                }
                if (!Kernel.CanRun(h))
                {
                    if (Kernel.IsSpinning(pid))
                    {
                        return Next.Nothing; // spinning for shootdown acknowledgements: the CPU is busy, not free
                    }
                    cur[k] = -1; // asleep: it leaves the CPU, and its wake-up queues it again
                    continue;
                }
                var ran = Machine.Cpus[k].Clock - sliceStart[k];
                if (preempt[k] || (queues[k].Count > 0 && ran >= slice))
                {
                    var now = Machine.Cpus[k].Clock;
                    Enqueue(k, pid, now, preempt[k] ? Math.Min(1, queues[k].Count) : -1); // behind a child that runs first, or at the back
                    preempt[k] = false;
                    cur[k] = -1;
                    if (balancePeriod == 0 && Enumerable.Range(0, n).FirstOrDefault(j => j != k && NothingToRun(j), -1) is var free and >= 0)
                    {
                        // 2.4: schedule_tail's reschedule_idle(prev) hands the displaced task to an idle CPU with an IPI.
                        queues[k].Remove(pid);
                        Enqueue(free, pid, now);
                        Kernel.Migrate(Kernel.Find(pid)!, k, free, pulled: false);
                    }
                    continue;
                }
                if (h.Kind == TraceEventKind.Exec && sched.ExecBalance && execBalanced.Add(pid))
                {
                    // sched_exec: the least loaded CPU (the lowest-numbered among equals), if it would still have fewer tasks.
                    var idlest = 0;
                    for (var j = 1; j < n; j++)
                    {
                        if (Load(j) < Load(idlest))
                        {
                            idlest = j;
                        }
                    }
                    if (idlest != k && Load(idlest) + 1 < Load(k))
                    {
                        cur[k] = -1;
                        Enqueue(idlest, pid, Machine.Cpus[k].Clock);
                        Kernel.Migrate(Kernel.Find(pid)!, k, idlest, pulled: false);
                        continue;
                    }
                }
                head = h;
                return Next.Event;
            }
        }

        var readyAt = new long[n];
        var startAt = new long[n];
        var pulls = new (int Pid, int From, long At)[n];
        var window = new MeasureWindow();
        while (true)
        {
            var best = -1;
            settledCpuGotTask = false;
            for (var k = 0; k < n; k++)
            {
                settling = k;
                var next = Settle(k, out var head, out pulls[k]);
                settling = -1;
                switch (next)
                {
                    case Next.Event:
                        var pid = cur[k];
                        readyAt[k] = Math.Max(Machine.Cpus[k].Clock, head.Kind == TraceEventKind.Mark ? lastEnd.GetValueOrDefault(pid)
                            : Math.Max(Math.Max(Kernel.ReadyAt(pid), lastEnd.GetValueOrDefault(pid)), orderAt[k]));
                        startAt[k] = head.Kind == TraceEventKind.Mark ? readyAt[k] : deliver(k, readyAt[k]);
                        break;
                    case Next.Pull:
                        startAt[k] = pulls[k].At;
                        break;
                    default:
                        if (!idle[k] && cur[k] < 0 && remaining > 0)
                        {
                            idle[k] = true;
                            Kernel.GoIdle(k);
                        }
                        continue;
                }
                if (best < 0 || startAt[k] < startAt[best])
                {
                    best = k;
                }
            }
            if (_queue.TryPeekCycle(out var due) && (best < 0 || due <= startAt[best]))
            {
                FireNext();
                continue;
            }
            if (best < 0 && settledCpuGotTask)
            {
                continue; // settling a later CPU gave a task to one settled earlier in the pass (exec balancing): look again
            }
            if (best < 0)
            {
                var stuck = events.Where(kv => kv.Value.Count > 0).Select(kv => kv.Key).OrderBy(p => p).ToList();
                if (stuck.Count == 0)
                {
                    break;
                }
                throw new SimulationException($"{name}: no process can go on: " + string.Join("; ", stuck.Select(p =>
                    $"pid {p} waits at its event {events[p].Peek().E.Kind} ({Kernel.WhyWaiting(p)})")) + "; " +
                    string.Join("; ", Enumerable.Range(0, n).Select(k => $"cpu {k} has {(cur[k] < 0 ? "no task" : $"pid {cur[k]}")}, queue [{string.Join(", ", queues[k])}]")) + ".");
            }
            if (cur[best] < 0 || Done(cur[best]))
            {
                // The pull wins: the idle CPU takes the task off the other queue at that time.
                var (pulled, from, at) = pulls[best];
                queues[from].Remove(pulled);
                if (Machine.Cpus[best].Clock < at)
                {
                    Machine.Charge(best, CostCategory.Idle, at - Machine.Cpus[best].Clock);
                }
                Kernel.Migrate(Kernel.Find(pulled)!, from, best, pulled: true);
                Enqueue(best, pulled, at, 0);
                cur[best] = -1; // a task the trace stopped recording gives the CPU up
                continue;
            }
            idle[best] = false;
            var pidBest = cur[best];
            var (dequeued, seqBest) = events[pidBest].Dequeue();
            var e = dequeued with { Cpu = best };
            if (ApplyOn(best, name, e, seqBest, readyAt[best], startAt[best], window, order, lastEnd))
            {
                remaining--;
                execBalanced.Remove(e.Pid);
                if (Kernel.Find(pidBest) is { Sleeping: true } && !Kernel.IsSpinning(pidBest))
                {
                    // It went to sleep in that event, so schedule() runs now, at the event's end: the CPU takes its next
                    // task or goes idle before any later wake-up is seen (even one applied from an event that began earlier).
                    cur[best] = -1;
                    var q = events[pidBest];
                    while (q.Count > 0 && q.Peek().E.Kind == TraceEventKind.Mark)
                    {
                        // A mark rides with the event before it: it is taken now, at the sleep, not when the task next runs.
                        var (mark, markSeq) = q.Dequeue();
                        var now = Machine.Cpus[best].Clock;
                        while (_queue.TryPeekCycle(out var dueFirst) && dueFirst <= now)
                        {
                            FireNext(); // what arrives before the mark is on the mark's near side
                        }
                        ApplyOn(best, name, mark with { Cpu = best }, markSeq, now, now, window, order, lastEnd);
                    }
                }
            }
        }
        return window.Finish(this);
    }
}
