using PerfSim.Core.Simulation;
using PerfSim.Core.Trace;
using PerfSim.Tests.Support;

namespace PerfSim.Tests.Core;

public sealed class EngineTests
{
    [Fact]
    public void Timed_events_fire_in_cycle_priority_order_before_later_trace_events_and_drain_at_the_end()
    {
        var sim = new Simulator(TestProfiles.Config(cpus: 2));
        var fired = new List<string>();
        sim.Schedule(150, 0, 1, (s, cpu) => fired.Add($"b@{s.Machine.Cpus[cpu].Clock}"));
        sim.Schedule(150, 0, 0, (s, cpu) => fired.Add($"a@{s.Machine.Cpus[cpu].Clock}"));
        sim.Schedule(10_000, 1, 0, (s, cpu) => fired.Add($"late@{s.Machine.Cpus[cpu].Clock}"));
        var events = new List<TraceEvent>
        {
            TraceEvent.Compute(0, 1, 100),
            TraceEvent.Compute(0, 1, 100), // cpu 0 at 100 < 150: nothing fires before this one
            TraceEvent.Compute(0, 1, 100), // cpu 0 at 200: a then b fire first (priority, then order)
        };
        var m = sim.Run(new ListTraceSource("engine", events));
        // The first compute switches to pid 1 (a context switch costs cycles), so read the clock from the machine.
        Assert.Equal(["a", "b", "late"], fired.Select(f => f.Split('@')[0]));
        Assert.Equal("late@10000", fired[2]); // an idle CPU's clock jumps to the event
        Assert.Equal(10_000, m.EndCycle);
    }

    [Fact]
    public void A_run_with_no_trace_events_still_stops()
    {
        var sim = new Simulator(TestProfiles.Config());
        var count = 0;
        sim.Schedule(5, 0, 0, (s, cpu) =>
        {
            if (++count < 3)
            {
                s.Schedule(s.Machine.Cpus[cpu].Clock + 5, cpu, 0, (s2, c2) => count++);
            }
        });
        var m = sim.Run(new ListTraceSource("empty", []));
        Assert.Equal(2, count);
        Assert.Equal(0, m.Events);
    }
}
