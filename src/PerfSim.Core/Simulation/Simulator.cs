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
public sealed class Simulator
{
    private readonly ResolvedConfig _config;
    private readonly EventQueue<TimedEvent> _queue = new();

    public Simulator(ResolvedConfig config)
    {
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
        var start = StatsSnapshot.Empty;
        var measuring = false;
        long iterations = 0;
        while (trace.TryRead(out var e))
        {
            FireDue(e.Cpu);
            if (e.Kind == TraceEventKind.Mark)
            {
                if (e.Arg0 == (long)MarkKind.MeasureStart && !measuring)
                {
                    start = Stats.Snapshot();
                    measuring = true;
                    iterations = 0;
                }
                else if (e.Arg0 == (long)MarkKind.IterationEnd)
                {
                    iterations++;
                }
                continue;
            }
            try
            {
                Kernel.Handle(e);
            }
            catch (SimulationException ex)
            {
                throw new SimulationException($"{trace.Name}: event {EventsApplied + 1} ({e.Kind} pid {e.Pid}): {ex.Message}");
            }
            EventsApplied++;
        }
        while (_queue.TryPop(out var cycle, out var te))
        {
            Fire(cycle, te);
        }
        var measured = measuring ? Stats.Since(start) : Stats.Snapshot();
        return new Measurement(measured, iterations, EventsApplied, Machine.Now);
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

    private void Fire(long cycle, TimedEvent te)
    {
        var c = Machine.Cpus[te.Cpu];
        if (c.Clock < cycle)
        {
            c.Clock = cycle; // the CPU was idle until the event
        }
        Platform.CurrentCpu = te.Cpu;
        te.Action(this, te.Cpu);
    }

    private readonly record struct TimedEvent(int Cpu, Action<Simulator, int> Action);
}

/// <summary>What a run measured: counters after the measure mark, iterations, events and the end time.</summary>
public sealed record Measurement(StatsSnapshot Measured, long Iterations, long Events, long EndCycle);
