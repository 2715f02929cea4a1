using PerfSim.Core.Designs;
using PerfSim.Core.Engine;
using PerfSim.Core.Kernel;
using PerfSim.Core.Machine;
using PerfSim.Core.Platform;
using PerfSim.Core.Stats;
using PerfSim.Core.Trace;

namespace PerfSim.Core.Simulation;

/// <summary>
/// Runs a trace through kernel → design → machine and measures it. Trace events are applied in trace order
/// on their CPU, advancing that CPU's clock. Timed events (things that cross CPUs or happen later, such as
/// interrupts) are kept in an <see cref="EventQueue{T}"/> ordered by (cycle, priority, sequence) and fired
/// before any trace event on a CPU whose clock has passed them; at the end of the trace the queue is drained,
/// so a run always stops, and at the same point for the same inputs.
/// </summary>
public sealed partial class Simulator
{
    private readonly ResolvedConfig _config;
    private readonly EventQueue<TimedEvent> _queue = new();

    public Simulator(ResolvedConfig config)
    {
        if (config.PhysicalCpus < config.Cpus && !config.Design.Hypervisor)
        {
            throw new ArgumentException($"design '{config.Design.Name}' has no hypervisor to run {config.Cpus} vCPUs on {config.PhysicalCpus} physical CPUs");
        }
        _config = config;
        Stats = new RunStats();
        Machine = new MachineModel(config.Machine, config.Cpus, config.Kernel.WalkLevels, config.KernelPathSizes, Stats);
        Platform = DesignFactory.Create(config, Machine);
        Kernel = new LinuxKernel(config.Kernel, Platform, Stats, config.Cpus);
    }

    public RunStats Stats { get; }
    public MachineModel Machine { get; }
    public IPlatform Platform { get; }
    public LinuxKernel Kernel { get; }

    /// <summary>Schedules an action on a CPU at an absolute cycle.</summary>
    public void Schedule(long cycle, int cpu, int priority, Action<Simulator, int> action) =>
        _queue.Push(cycle, priority, new TimedEvent(cpu, action));

    /// <summary>Events applied so far.</summary>
    public long EventsApplied { get; private set; }

    /// <summary>Applies one non-marker event (for step-by-step checks); <see cref="Run"/> does this for each event.</summary>
    public void Apply(in TraceEvent e)
    {
        FireDue(e.Cpu);
        Kernel.Handle(e);
        EventsApplied++;
    }

    /// <summary>
    /// Replays a whole trace. Measurement starts at the first <see cref="MarkKind.MeasureStart"/> mark (or at
    /// the start if there is none); iterations are the <see cref="MarkKind.IterationEnd"/> marks after it.
    /// </summary>
    public Measurement Run(ITraceSource trace)
    {
        if (_config.Cpus == 1)
        {
            return RunOneCpu(trace);
        }
        var events = new List<TraceEvent>();
        while (trace.TryRead(out var e))
        {
            events.Add(e);
        }
        return UsesScheduler(trace.Name, events) ? RunScheduled(trace.Name, events) : RunPlaced(trace.Name, events);
    }

    /// <summary>
    /// Whether the kernel's scheduler places the events: asked for, or (auto) every event says <c>any</c>. A trace that
    /// places some events and not others is refused: nothing says where the others would run beside the placed ones.
    /// </summary>
    private bool UsesScheduler(string name, List<TraceEvent> events)
    {
        if (_config.Placement == Placement.Scheduler)
        {
            return true;
        }
        var placed = -1;
        var any = -1;
        for (var i = 0; i < events.Count && (placed < 0 || any < 0); i++)
        {
            if (events[i].Kind == TraceEventKind.Mark)
            {
                continue;
            }
            if (events[i].Cpu == TraceEvent.AnyCpu)
            {
                any = any < 0 ? i : any;
            }
            else
            {
                placed = placed < 0 ? i : placed;
            }
        }
        if (any >= 0 && (placed >= 0 || _config.Placement == Placement.Trace))
        {
            throw new SimulationException(placed >= 0
                ? $"{name}: event {placed + 1} names cpu {events[placed].Cpu} and event {any + 1} says any: a trace places all its events or none (or run it with the scheduler placing every event)."
                : $"{name}: event {any + 1} says cpu any, but the run asks for the trace's placement.");
        }
        return any >= 0;
    }

    private Measurement RunOneCpu(ITraceSource trace)
    {
        var window = new MeasureWindow();
        TraceEvent e = default;
        try
        {
            // One exception handler around the loop rather than one per event: the per-event path stays inlinable.
            while (trace.TryRead(out e))
            {
                if (e.Cpu == TraceEvent.AnyCpu)
                {
                    e = e with { Cpu = 0 }; // one CPU: everything runs on it
                }
                FireDue(e.Cpu);
                if (e.Kind == TraceEventKind.Mark)
                {
                    ApplyMark(e, window, Machine.Now);
                    continue;
                }
                Apply1(e);
            }
        }
        catch (SimulationException ex)
        {
            throw Located(trace.Name, e, ex);
        }
        while (_queue.TryPop(out var cycle, out var te))
        {
            Fire(cycle, te);
        }
        return window.Finish(this);
    }

    /// <summary>Where the measurement stands: the snapshot and clock at the measure mark, and the iterations since.</summary>
    private sealed class MeasureWindow
    {
        private StatsSnapshot _start = StatsSnapshot.Empty;
        private long _startClock;
        private bool _measuring;
        private long _iterations;
        private int _latencyFrom;
        private Dictionary<int, (long Events, long Cycles)> _perPidAtStart = new();

        public void Mark(Simulator sim, MarkKind kind, long clock)
        {
            if (kind == MarkKind.MeasureStart && !_measuring)
            {
                _start = sim.Stats.Snapshot();
                _latencyFrom = sim.Kernel.ShootdownLatencies.Count;
                _perPidAtStart = sim._perPid.ToDictionary(p => p.Key, p => (p.Value.Events, p.Value.Cycles));
                _startClock = clock;
                _measuring = true;
                _iterations = 0;
            }
            else if (kind == MarkKind.IterationEnd)
            {
                _iterations++;
            }
        }

        public Measurement Finish(Simulator sim) =>
            new(_measuring ? sim.Stats.Since(_start) : sim.Stats.Snapshot(), _iterations, sim.EventsApplied, sim.Machine.Now)
            {
                ElapsedCycles = sim.Machine.Now - _startClock,
                ShootdownLatencies = sim.Kernel.ShootdownLatencies.Skip(_latencyFrom).ToArray(),
                Processes = sim._perPid.OrderBy(p => p.Key)
                    .Select(p => (p.Key, Value: (p.Value.Events, p.Value.Cycles), At: _perPidAtStart.GetValueOrDefault(p.Key)))
                    .Where(p => p.Value.Events > p.At.Events)
                    .Select(p => new ProcessShare(p.Key, p.Value.Events - p.At.Events, p.Value.Cycles - p.At.Cycles)).ToArray(),
            };
    }

    private void ApplyMark(in TraceEvent e, MeasureWindow window, long clock) => window.Mark(this, (MarkKind)e.Arg0, clock);

    /// <summary>
    /// Before a CPU's next event: the time it waited for a wake-up (idle) or for shootdown acknowledgements (spinning),
    /// then the time its vCPU waited for the physical CPU.
    /// </summary>
    private void ChargeWaits(int cpu, long readyAt, long startAt, bool spun)
    {
        if (Machine.Cpus[cpu].Clock < readyAt)
        {
            Machine.Charge(cpu, spun ? CostCategory.IpiWait : CostCategory.Idle, readyAt - Machine.Cpus[cpu].Clock);
        }
        if (Machine.Cpus[cpu].Clock < startAt)
        {
            Machine.Charge(cpu, CostCategory.Descheduled, startAt - Machine.Cpus[cpu].Clock); // the vCPU waits for its turn
        }
    }

    private void ApplyNamed(string name, in TraceEvent e)
    {
        try
        {
            Apply1(e);
        }
        catch (SimulationException ex)
        {
            throw Located(name, e, ex);
        }
    }

    /// <summary>A kernel error with the trace, the event's number and what the event was.</summary>
    private SimulationException Located(string name, in TraceEvent e, SimulationException ex) =>
        new($"{name}: event {EventsApplied + 1} ({e.Kind} pid {e.Pid}): {ex.Message}");

    /// <summary>One event: the kernel handles it; the process's share of events and cycles grows.</summary>
    private void Apply1(in TraceEvent e)
    {
        var onCpu = (uint)e.Cpu < (uint)Machine.Cpus.Length;
        var before = onCpu ? Machine.Cpus[e.Cpu].Clock : 0;
        Kernel.Handle(e);
        EventsApplied++;
        if (onCpu)
        {
            var share = _lastShare;
            if (share is null || _lastSharePid != e.Pid)
            {
                // Events come in runs of one process: the last one's counters are kept at hand.
                ref var slot = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(_perPid, e.Pid, out _);
                share = slot ??= new PidShare();
                _lastShare = share;
                _lastSharePid = e.Pid;
            }
            share.Events++;
            share.Cycles += Machine.Cpus[e.Cpu].Clock - before;
        }
        AfterEvent?.Invoke(e);
    }

    /// <summary>Each process's events and the cycles they took on their CPU (its own work: no waits, no other CPU's IPIs).</summary>
    private readonly Dictionary<int, PidShare> _perPid = new();
    private PidShare? _lastShare;
    private int _lastSharePid;

    private sealed class PidShare
    {
        public long Events;
        public long Cycles;
    }

    /// <summary>Called after each trace event is applied (for invariant checks in tests).</summary>
    public Action<TraceEvent>? AfterEvent { get; set; }

    /// <summary>
    /// Several CPUs: the trace is split into one stream per CPU (order kept within a CPU), and the simulator always
    /// advances the CPU with the earliest clock whose next event can run, firing timed events (IPIs) in time order
    /// between. An event cannot run while its process sleeps (a read of an empty named pipe, a wait for a live child)
    /// or before the fork that creates it; a CPU whose next event cannot run switches to the idle task and waits
    /// for a wake-up (a reschedule IPI from the CPU that wakes the task), its waiting time charged as idle.
    /// </summary>
    private Measurement RunPlaced(string name, List<TraceEvent> events)
    {
        var n = Machine.Cpus.Length;
        var streams = new List<TraceEvent>[n];
        for (var k = 0; k < n; k++)
        {
            streams[k] = new List<TraceEvent>();
        }
        var firstCpu = new Dictionary<int, int>();
        var seen = new Dictionary<int, int>();
        var ordinals = new List<int>[n];
        for (var k = 0; k < n; k++)
        {
            ordinals[k] = new List<int>();
        }
        var applied = new Dictionary<int, int>(); // events of each process applied so far
        var lastEnd = new Dictionary<int, long>(); // when each process's last event ended
        var forked = new List<int>();
        var seqs = new List<long>[n];
        for (var k = 0; k < n; k++)
        {
            seqs[k] = new List<long>();
        }
        for (var seq = 0; seq < events.Count; seq++)
        {
            var e = events[seq];
            if ((uint)e.Cpu >= (uint)n)
            {
                throw new SimulationException($"{name}: event {EventsApplied + 1} ({e.Kind} pid {e.Pid}): event on cpu {e.Cpu}, but the run has {n} CPU(s) (use --cpus).");
            }
            streams[e.Cpu].Add(e);
            seqs[e.Cpu].Add(seq);
            if (e.Kind != TraceEventKind.Mark)
            {
                firstCpu.TryAdd(e.Pid, e.Cpu);
                // A process's events keep their trace order across CPUs: this is its n-th event.
                var nth = seen.GetValueOrDefault(e.Pid);
                seen[e.Pid] = nth + 1;
                ordinals[e.Cpu].Add(nth);
            }
            else
            {
                ordinals[e.Cpu].Add(-1);
            }
            if (e.Kind == TraceEventKind.Fork)
            {
                forked.Add(checked((int)e.Arg0));
            }
        }
        foreach (var child in forked)
        {
            if (firstCpu.TryGetValue(child, out var cpu))
            {
                Kernel.ExpectFork(child, cpu);
            }
        }
        var next = new int[n];
        var idle = new bool[n];
        var readyAt = new long[n];
        var (schedule, deliver) = WireCrossCpu(idle);
        var order = new SharedMmOrder(Kernel, events);
        var startAt = new long[n];
        var window = new MeasureWindow();
        while (true)
        {
            var best = -1;
            for (var k = 0; k < n; k++)
            {
                if (next[k] >= streams[k].Count)
                {
                    continue;
                }
                var head = streams[k][next[k]];
                var inOrder = head.Kind == TraceEventKind.Mark || ordinals[k][next[k]] == applied.GetValueOrDefault(head.Pid);
                var layoutOrder = true;
                var notBefore = 0L;
                if (inOrder && Kernel.CanRun(head) && (layoutOrder = order.CanRun(head, seqs[k][next[k]], out notBefore)))
                {
                    // A task woken from another CPU starts no earlier than its wake-up (or the IPI's arrival), a task that
                    // moved here no earlier than its last event ended on the other CPU, and a thread's access or layout
                    // change no earlier than the other threads' earlier ones (SharedMmOrder).
                    readyAt[k] = Math.Max(Machine.Cpus[k].Clock, head.Kind == TraceEventKind.Mark ? 0
                        : Math.Max(Math.Max(Kernel.ReadyAt(head.Pid), lastEnd.GetValueOrDefault(head.Pid)), notBefore));
                    startAt[k] = head.Kind == TraceEventKind.Mark ? readyAt[k] : deliver(k, readyAt[k]); // and only while its vCPU runs
                    if (best < 0 || startAt[k] < startAt[best])
                    {
                        best = k;
                    }
                }
                else if (!idle[k] && layoutOrder && !Kernel.IsSpinning(head.Pid) && (inOrder || head.Kind == TraceEventKind.Mark))
                {
                    idle[k] = true;
                    Kernel.GoIdle(k);
                }
            }
            if (_queue.TryPeekCycle(out var due) && (best < 0 || due <= startAt[best]))
            {
                _queue.TryPop(out var cycle, out var te);
                Fire(cycle, te, schedule is null || idle[te.Cpu] ? CostCategory.Idle : CostCategory.Descheduled);
                continue;
            }
            if (best < 0)
            {
                var stuck = Enumerable.Range(0, n).Where(k => next[k] < streams[k].Count).ToList();
                if (stuck.Count == 0)
                {
                    break;
                }
                throw new SimulationException($"{name}: no CPU can go on: " + string.Join("; ", stuck.Select(k =>
                    $"cpu {k} waits at its event {next[k] + 1} ({(ordinals[k][next[k]] > applied.GetValueOrDefault(streams[k][next[k]].Pid)
                        ? $"pid {streams[k][next[k]].Pid} has an earlier event on another CPU that cannot run"
                        : Kernel.WhyWaiting(streams[k][next[k]].Pid))})")) + ".");
            }
            idle[best] = false;
            var seqBest = seqs[best][next[best]];
            var e = streams[best][next[best]++];
            if (ApplyOn(best, name, e, seqBest, readyAt[best], startAt[best], window, order, lastEnd))
            {
                applied[e.Pid] = applied.GetValueOrDefault(e.Pid) + 1;
            }
        }
        return window.Finish(this);
    }

    /// <summary>
    /// Several CPUs: applies the event chosen to run next on <paramref name="cpu"/> after the waits before it; a mark
    /// updates the measure window. Returns whether it was a trace event (not a mark).
    /// </summary>
    private bool ApplyOn(int cpu, string name, in TraceEvent e, long seq, long readyAt, long startAt, MeasureWindow window,
        SharedMmOrder order, Dictionary<int, long> lastEnd)
    {
        var spun = e.Kind != TraceEventKind.Mark && Kernel.TakeSpinWait(e.Pid);
        ChargeWaits(cpu, readyAt, startAt, spun);
        if (e.Kind == TraceEventKind.Mark)
        {
            ApplyMark(e, window, Machine.Cpus[cpu].Clock);
            return false;
        }
        ApplyNamed(name, e);
        order.Applied(e, seq, Machine.Cpus[cpu].Clock);
        lastEnd[e.Pid] = Machine.Cpus[cpu].Clock;
        return true;
    }

    /// <summary>
    /// Connects the kernel to the engine for several CPUs: idle flags, clocks, reschedule IPIs and shootdowns delivered as
    /// timed events after the IPI latency (and, with vCPUs sharing physical CPUs, only while the target vCPU runs).
    /// Returns the vCPU schedule (null when every vCPU has its own CPU) and when a vCPU can act at or after a cycle.
    /// </summary>
    private (VcpuSchedule? Schedule, Func<int, long, long> Deliver) WireCrossCpu(bool[] idle)
    {
        var n = Machine.Cpus.Length;
        var latency = _config.Machine[MachineParam.IpiLatency];
        var schedule = _config.PhysicalCpus < n ? new VcpuSchedule(n, _config.PhysicalCpus, _config.TimesliceCycles) : null;
        if (schedule is not null)
        {
            Kernel.VcpuRunning = schedule.IsRunning;
        }
        long Deliver(int target, long cycle) => schedule?.NextRun(target, cycle) ?? cycle; // a descheduled vCPU takes it when it next runs
        Kernel.CpuIsIdle = k => idle[k];
        Kernel.ClockOf = k => Machine.Cpus[k].Clock;
        long Arrival(int target) => Deliver(target, Machine.Cpus[Platform.CurrentCpu].Clock + latency); // sent from the current CPU now
        Kernel.DeliverIpi = target =>
        {
            var arrival = Arrival(target);
            Schedule(arrival, target, 0, (sim, cpu) => sim.Kernel.ReceiveIpi(cpu));
            return arrival;
        };
        Kernel.DeliverShootdown = (target, mm, vpn, initiator) =>
        {
            var arrival = Arrival(target);
            Schedule(arrival, target, 0, (sim, cpu) =>
            {
                var before = sim.Machine.Cpus[cpu].Clock;
                sim.Kernel.ReceiveShootdown(cpu, mm, vpn);
                // The handler runs when the IPI arrives (it interrupts whatever the CPU does); the acknowledgement
                // (its flush_cpumask bit cleared) is seen by the initiator when the handler has flushed.
                sim.Kernel.AcknowledgeShootdown(initiator, arrival + sim.Machine.Cpus[cpu].Clock - before);
            });
        };
        return (schedule, Deliver);
    }

    private void FireDue(int cpu)
    {
        if ((uint)cpu >= (uint)Machine.Cpus.Length)
        {
            return; // the kernel reports the bad CPU
        }
        var now = Machine.Cpus[cpu].Clock;
        while (_queue.TryPeekCycle(out var t) && t <= now)
        {
            _queue.TryPop(out var cycle, out var te);
            Fire(cycle, te);
        }
    }

    /// <param name="gap">What the target CPU did until the event if its clock is behind: idle, or (a vCPU with work) waiting for its turn.</param>
    private void Fire(long cycle, TimedEvent te, CostCategory gap = CostCategory.Idle)
    {
        var c = Machine.Cpus[te.Cpu];
        if (c.Clock < cycle)
        {
            Machine.Charge(te.Cpu, gap, cycle - c.Clock);
        }
        Platform.CurrentCpu = te.Cpu;
        te.Action(this, te.Cpu);
    }

    private readonly record struct TimedEvent(int Cpu, Action<Simulator, int> Action);
}

/// <summary>What a run measured: counters after the measure mark, iterations, events and the end time.</summary>
public sealed record Measurement(StatsSnapshot Measured, long Iterations, long Events, long EndCycle)
{
    /// <summary>The latency of each TLB shootdown completed after the measure mark (request to last acknowledgement), in cycles.</summary>
    public IReadOnlyList<long> ShootdownLatencies { get; init; } = [];

    /// <summary>Each process that ran after the measure mark: its events and the cycles they took, by pid.</summary>
    public IReadOnlyList<ProcessShare> Processes { get; init; } = [];

    /// <summary>Cycles that passed from the measure mark to the end (on one CPU, the sum of the measured categories; with several, wall time: the latest CPU clock at the end less the measuring CPU's clock at the mark).</summary>
    public long ElapsedCycles { get; init; }
}

/// <summary>A process's part of a run: its events and the cycles they took on their CPU (from the measure mark).</summary>
public sealed record ProcessShare(int Pid, long Events, long Cycles);
