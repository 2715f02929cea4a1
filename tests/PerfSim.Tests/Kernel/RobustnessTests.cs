using PerfSim.Core.Kernel;
using PerfSim.Core.Simulation;
using PerfSim.Core.Trace;
using PerfSim.Tests.Support;

namespace PerfSim.Tests.Kernel;

/// <summary>A crash is a bug: any sequence of events either replays or stops with a SimulationException.</summary>
public sealed class RobustnessTests
{
    private static TraceEvent RandomEvent(SplitMix64 rng)
    {
        var pid = 1 + (int)rng.NextBelow(4);
        long Addr() => rng.NextBelow(8) switch
        {
            0 => (long)rng.Next() >> (int)rng.NextBelow(64),
            1 => -(long)rng.NextBelow(1 << 20),
            _ => 0x08048000 + rng.NextBelow(64) * 4096 + (rng.NextBelow(4) == 0 ? rng.NextBelow(4096) : 0),
        };
        long Len() => rng.NextBelow(6) == 0 ? (long)(rng.Next() >> (int)rng.NextBelow(64)) : 1 + rng.NextBelow(8 * 4096);
        var kind = (TraceEventKind)(1 + rng.NextBelow(15));
        return kind switch
        {
            TraceEventKind.Syscall => TraceEvent.Syscall(0, pid, (SyscallKind)rng.NextBelow(20), rng.NextBelow(5000)),
            TraceEventKind.Fork => TraceEvent.Fork(0, pid, 1 + (int)rng.NextBelow(6), (ForkFlags)rng.NextBelow(4)),
            TraceEventKind.Exec => TraceEvent.Exec(0, pid, rng.NextBelow(40), rng.NextBelow(5), rng.NextBelow(5), rng.NextBelow(40)),
            TraceEventKind.Exit => TraceEvent.Exit(0, pid),
            TraceEventKind.Wait => TraceEvent.Wait(0, pid, 1 + (int)rng.NextBelow(6)),
            TraceEventKind.Switch => TraceEvent.Switch(0, pid),
            TraceEventKind.PageFault => TraceEvent.PageFault(0, pid, Addr(), (AccessKind)rng.NextBelow(4), (FaultKind)rng.NextBelow(6)),
            TraceEventKind.Mmap => TraceEvent.Mmap(0, pid, Addr(), Len(), (Protection)rng.NextBelow(8), (MapFlags)rng.NextBelow(4)),
            TraceEventKind.Munmap => TraceEvent.Munmap(0, pid, Addr(), Len()),
            TraceEventKind.Mprotect => TraceEvent.Mprotect(0, pid, Addr(), Len(), (Protection)rng.NextBelow(8)),
            TraceEventKind.SigInstall => TraceEvent.SigInstall(0, pid, (int)rng.NextBelow(70)),
            TraceEventKind.SigDeliver => TraceEvent.SigDeliver(0, pid, (int)rng.NextBelow(70)),
            TraceEventKind.Touch => TraceEvent.Touch(0, pid, Addr(), Len(), (AccessKind)rng.NextBelow(4)),
            TraceEventKind.Compute => TraceEvent.Compute(0, pid, rng.NextBelow(1000), rng.NextBelow(2) == 0),
            _ => TraceEvent.Mark(0, 0, (MarkKind)rng.NextBelow(2)),
        };
    }

    [Fact]
    public void Random_event_sequences_replay_or_fail_with_a_simulation_error()
    {
        var rng = new SplitMix64(2026);
        var completed = 0;
        var refused = 0;
        for (var trace = 0; trace < 400; trace++)
        {
            var events = new List<TraceEvent>();
            for (var i = 0; i < 150; i++)
            {
                events.Add(RandomEvent(rng));
            }
            try
            {
                new Simulator(TestProfiles.Config()).Run(new ListTraceSource($"random-{trace}", events));
                completed++;
            }
            catch (SimulationException)
            {
                refused++; // any other exception fails the test
            }
        }
        Assert.Equal(400, completed + refused);
    }

    [Fact]
    public void Random_event_sequences_that_avoid_impossible_steps_replay_to_the_end()
    {
        // Only steps that are always legal: a process that never exits, maps before touching, installs before signals.
        var rng = new SplitMix64(7);
        var events = new List<TraceEvent>
        {
            TraceEvent.Exec(0, 1, 8, 2, 2, 1),
            TraceEvent.Mmap(0, 1, 0x50000000, 64 * 4096, Protection.Read | Protection.Write, MapFlags.Anonymous),
            TraceEvent.SigInstall(0, 1, 10),
        };
        for (var i = 0; i < 3000; i++)
        {
            var page = 0x50000000 + rng.NextBelow(60) * 4096;
            events.Add(rng.NextBelow(6) switch
            {
                0 => TraceEvent.Touch(0, 1, page, 1 + rng.NextBelow(3 * 4096), (AccessKind)rng.NextBelow(2)),
                1 => TraceEvent.Mprotect(0, 1, page, 4096 * (1 + rng.NextBelow(4)), Protection.Read | Protection.Write),
                2 => TraceEvent.Syscall(0, 1, (SyscallKind)rng.NextBelow(15)),
                3 => TraceEvent.SigDeliver(0, 1, 10),
                4 => TraceEvent.Compute(0, 1, 50, rng.NextBelow(2) == 0),
                _ => TraceEvent.Touch(0, 1, page, 4096, AccessKind.Write),
            });
        }
        events.Add(TraceEvent.Exit(0, 1));
        var sim = new Simulator(TestProfiles.Config());
        var m = sim.Run(new ListTraceSource("legal", events));
        Assert.Equal(events.Count, m.Events);
        Assert.Equal(0, sim.Kernel.Frames.Allocated);
    }
}
