using PerfSim.Core.Designs;
using PerfSim.Core.Kernel;
using PerfSim.Core.Simulation;
using PerfSim.Core.Stats;
using PerfSim.Core.Trace;
using PerfSim.Core.Workloads;
using PerfSim.IO.Config;

namespace PerfSim.Tests.Core;

/// <summary>
/// The kernel's scheduler placing a trace's events (cpu any, or --placement scheduler): wake-up placement, fork and
/// exec placement by kernel version, time slices, idle balancing with migrations, determinism, shootdown correctness.
/// </summary>
public sealed class SchedulerTests
{
    private static readonly ConfigCatalog Catalog = ConfigCatalog.Locate();
    private const int Any = TraceEvent.AnyCpu;

    private static ResolvedConfig Config(string kernel, int cpus, Placement placement = Placement.Auto, string design = "native", string machine = "xeon-2400-2003")
    {
        var m = Catalog.LoadMachine(machine);
        return new ResolvedConfig(m, Catalog.LoadKernel(kernel), design == "native" ? DesignSpec.Native : Catalog.LoadDesign(design), cpus, 1)
        {
            Placement = placement,
        };
    }

    private static (Simulator Sim, Measurement M) Run(ResolvedConfig config, IReadOnlyList<TraceEvent> events)
    {
        var sim = new Simulator(config);
        return (sim, sim.Run(new ListTraceSource("t", events)));
    }

    private static long Count(Simulator sim, Counter c) => sim.Stats.Counts[(int)c];

    /// <summary>Independent CPU-bound processes: each a series of compute events.</summary>
    private static List<TraceEvent> Hogs(int processes, int slices, long cycles)
    {
        var events = new List<TraceEvent>();
        for (var i = 0; i < slices; i++)
        {
            for (var p = 0; p < processes; p++)
            {
                events.Add(TraceEvent.Compute(Any, 100 + p, cycles));
            }
        }
        return events;
    }

    [Theory]
    [InlineData("null-call")]
    [InlineData("fork")]
    [InlineData("exec")]
    [InlineData("ctx-2p-0k")]
    [InlineData("page-fault")]
    [InlineData("mt-munmap")]
    public void On_2_4_the_scheduler_places_the_lmbench_processes_where_the_generators_do(string workload)
    {
        // The generators imitate 2.4's scheduler (a child on an idle CPU, lat_ctx's ring across the CPUs), so letting the
        // scheduler place the same events must cost the same, to rounding in the measured window.
        var w = Lmbench.Find(workload)!;
        var placed = ScenarioRunner.Run(Config("linux-2.4.21", 2, Placement.Trace), w, new WorkloadOptions());
        var scheduled = ScenarioRunner.Run(Config("linux-2.4.21", 2, Placement.Scheduler), w, new WorkloadOptions());
        Assert.InRange(scheduled.CyclesPerIter / placed.CyclesPerIter, 0.99, 1.01);
        Assert.Equal(placed.CounterValue(Counter.IpisReceived), scheduled.CounterValue(Counter.IpisReceived), 2);
    }

    [Fact]
    public void A_trace_that_says_any_everywhere_is_placed_by_the_scheduler_and_a_woken_reader_goes_to_the_idle_cpu()
    {
        // Two processes pass a token through two named pipes: each read of an empty pipe sleeps, each write wakes the
        // other. The scheduler keeps them on separate CPUs, so every hop is a cross-CPU wake-up with a reschedule IPI.
        var events = new List<TraceEvent> { TraceEvent.Fork(Any, 1, 2) };
        for (var i = 0; i < 50; i++)
        {
            events.Add(TraceEvent.Syscall(Any, 1, SyscallKind.PipeWrite, 4, 11));
            events.Add(TraceEvent.Syscall(Any, 2, SyscallKind.PipeRead, 4, 11));
            events.Add(TraceEvent.Syscall(Any, 2, SyscallKind.PipeWrite, 4, 12));
            events.Add(TraceEvent.Syscall(Any, 1, SyscallKind.PipeRead, 4, 12));
        }
        var (sim, _) = Run(Config("linux-2.4.21", 2), events);
        Assert.InRange(Count(sim, Counter.IpisReceived), 98, 101); // one per hop (and one to start the child)
        Assert.NotEqual(sim.Kernel.Find(1)!.LastCpu, sim.Kernel.Find(2)!.LastCpu);
        Assert.True(sim.Machine.Cpus[0].Clock > 0 && sim.Machine.Cpus[1].Clock > 0);
    }

    [Fact]
    public void A_trace_that_places_some_events_and_not_others_is_refused_with_the_event_numbers()
    {
        var events = new List<TraceEvent> { TraceEvent.Syscall(0, 1, SyscallKind.Null), TraceEvent.Syscall(Any, 1, SyscallKind.Null) };
        var ex = Assert.Throws<SimulationException>(() => Run(Config("linux-2.4.21", 2), events));
        Assert.Contains("event 1 names cpu 0 and event 2 says any", ex.Message);
        var placedOnly = Assert.Throws<SimulationException>(() => Run(Config("linux-2.4.21", 2, Placement.Trace), [TraceEvent.Syscall(Any, 1, SyscallKind.Null)]));
        Assert.Contains("says cpu any, but the run asks for the trace's placement", placedOnly.Message);
        // --placement scheduler ignores the cpu fields, so the same mixed trace runs.
        var (sim, _) = Run(Config("linux-2.4.21", 2, Placement.Scheduler), events);
        Assert.Equal(2, sim.EventsApplied);
    }

    [Fact]
    public void On_one_cpu_a_trace_that_says_any_runs_on_that_cpu()
    {
        var (sim, _) = Run(Config("linux-2.4.21", 1), [TraceEvent.Syscall(Any, 1, SyscallKind.Null), TraceEvent.Syscall(Any, 1, SyscallKind.Null)]);
        Assert.Equal(2, Count(sim, Counter.Syscalls));
    }

    [Theory]
    [InlineData("linux-2.4.21")]
    [InlineData("linux-2.6.20")]
    public void Three_cpu_bound_processes_on_two_cpus_share_them_by_time_slices_and_migrations(string kernel)
    {
        // 3 x 40 slices of 10 ms: on two CPUs the work takes 600 ms if the scheduler moves the third process around,
        // 800 ms if one CPU kept two of them. Time slices (60 ms, 100 ms) force the moves.
        var config = Config(kernel, 2);
        var mhz = config.Machine.FrequencyMhz;
        var (sim, m) = Run(config, Hogs(3, 40, 10_000 * mhz));
        var elapsedMs = m.EndCycle / (1000.0 * mhz);
        Assert.InRange(elapsedMs, 600, 700);
        Assert.True(Count(sim, Counter.Migrations) > 0);
        // Until the lone process's CPU frees up at 400 ms, the other two take turns a slice at a time.
        var slices = 400 / (config.Kernel.Scheduler!.TimesliceUs / 1000);
        Assert.InRange(Count(sim, Counter.ContextSwitches), slices, slices + 6);
    }

    [Fact]
    public void Without_time_slices_a_cpu_bound_process_would_keep_its_cpu_so_the_test_above_can_fail()
    {
        // The same work with a time slice longer than the run: no preemption, so the CPU that took two processes runs
        // both to the end (800 ms) while the other finishes its one at 400 ms and has nothing left to pull.
        var baseConfig = Config("linux-2.4.21", 2);
        var kernel = baseConfig.Kernel.WithScheduler(baseConfig.Kernel.Scheduler! with { TimesliceUs = 10_000_000 });
        var config = new ResolvedConfig(baseConfig.Machine, kernel, DesignSpec.Native, 2, 1);
        var mhz = config.Machine.FrequencyMhz;
        var (sim, m) = Run(config, Hogs(3, 40, 10_000 * mhz));
        Assert.InRange(m.EndCycle / (1000.0 * mhz), 790, 810);
        Assert.Equal(0, Count(sim, Counter.Migrations));
    }

    [Fact]
    public void On_2_6_a_forked_child_runs_first_on_the_parents_cpu_and_its_exec_moves_it_to_the_idle_cpu()
    {
        var events = new List<TraceEvent>
        {
            TraceEvent.Syscall(Any, 1, SyscallKind.Null),
            TraceEvent.Fork(Any, 1, 2),
            TraceEvent.Syscall(Any, 2, SyscallKind.Null), // the child, first, on the parent's CPU
            TraceEvent.Exec(Any, 2, 8, 2, 2, 1),          // sched_exec moves it to the idle CPU
            TraceEvent.Syscall(Any, 2, SyscallKind.Null),
            TraceEvent.Exit(Any, 2),
            TraceEvent.Wait(Any, 1, 2),
        };
        var cpus = new List<(int Pid, TraceEventKind Kind, int Cpu)>();
        var sim = new Simulator(Config("linux-2.6.20", 2, machine: "p4-672-2006"));
        var parentCpuAtChildsFirstEvent = -1;
        sim.AfterEvent = e =>
        {
            cpus.Add((e.Pid, e.Kind, e.Cpu));
            if (e.Pid == 2 && cpus.Count(c => c.Pid == 2) == 1)
            {
                parentCpuAtChildsFirstEvent = cpus.Last(c => c.Pid == 1).Cpu;
            }
        };
        sim.Run(new ListTraceSource("t", events));
        var parentCpu = cpus.First(c => c.Pid == 1).Cpu;
        Assert.Equal(parentCpu, cpus.First(c => c.Pid == 2).Cpu);            // child first, on the parent's CPU
        Assert.Equal(TraceEventKind.Syscall, cpus[2].Kind);                   // ...before the parent's next event
        Assert.Equal(2, cpus[2].Pid);
        Assert.NotEqual(parentCpu, cpus.First(c => c.Pid == 2 && c.Kind == TraceEventKind.Exec).Cpu); // exec balanced away
        Assert.Equal(1, Count(sim, Counter.Migrations));
    }

    [Fact]
    public void On_2_4_a_forked_child_goes_to_the_idle_cpu_and_the_parent_goes_on()
    {
        var events = new List<TraceEvent>
        {
            TraceEvent.Fork(Any, 1, 2),
            TraceEvent.Syscall(Any, 1, SyscallKind.Null),
            TraceEvent.Syscall(Any, 2, SyscallKind.Null),
            TraceEvent.Exec(Any, 2, 8, 2, 2, 1),
            TraceEvent.Exit(Any, 2),
            TraceEvent.Wait(Any, 1, 2),
        };
        var seen = new List<(int Pid, int Cpu)>();
        var sim = new Simulator(Config("linux-2.4.21", 2));
        sim.AfterEvent = e => seen.Add((e.Pid, e.Cpu));
        sim.Run(new ListTraceSource("t", events));
        Assert.All(seen.Where(s => s.Pid == 1), s => Assert.Equal(0, s.Cpu));
        Assert.All(seen.Where(s => s.Pid == 2), s => Assert.Equal(1, s.Cpu)); // no exec balancing on 2.4
        Assert.Equal(0, Count(sim, Counter.Migrations));
    }

    [Fact]
    public void An_idle_2_6_cpu_takes_a_waiting_task_only_at_its_rebalance_tick()
    {
        // Child-runs-first puts the parent behind the child on its CPU. The other CPU, idle since the start, may pull the
        // parent only at its next rebalance tick (4 ms): a short child is done long before, so nothing moves.
        var events = new List<TraceEvent>
        {
            TraceEvent.Fork(Any, 1, 2),
            TraceEvent.Compute(Any, 2, 100_000),
            TraceEvent.Exit(Any, 2),
            TraceEvent.Wait(Any, 1, 2),
        };
        var (sim, _) = Run(Config("linux-2.6.20", 2, machine: "p4-672-2006"), events);
        Assert.Equal(0, Count(sim, Counter.Migrations));
        Assert.Equal(0, sim.Machine.Cpus[1].Clock);
        // A child that computes past the tick loses the parent to the idle CPU.
        events[1] = TraceEvent.Compute(Any, 2, 40_000_000);
        var (sim2, _) = Run(Config("linux-2.6.20", 2, machine: "p4-672-2006"), events);
        Assert.Equal(1, Count(sim2, Counter.Migrations));
        var tick = 4000L * Config("linux-2.6.20", 2, machine: "p4-672-2006").Machine.FrequencyMhz;
        Assert.True(sim2.Machine.Cpus[1].Clock >= tick, $"cpu 1 took the parent at {sim2.Machine.Cpus[1].Clock}, before the tick at {tick}");
    }

    [Fact]
    public void Scheduled_runs_are_deterministic()
    {
        var w = Lmbench.Find("parallel-build")!;
        var a = ScenarioRunner.Run(Config("linux-2.6.20", 2, Placement.Scheduler, "xen-pv", "p4-672-2006"), w, new WorkloadOptions());
        var b = ScenarioRunner.Run(Config("linux-2.6.20", 2, Placement.Scheduler, "xen-pv", "p4-672-2006"), w, new WorkloadOptions());
        Assert.Equal(a.CyclesPerIterByCategory, b.CyclesPerIterByCategory);
        Assert.Equal(a.CountersPerIter, b.CountersPerIter);
    }

    [Theory]
    [InlineData("native")]
    [InlineData("xen-pv")]
    [InlineData("hvm-shadow")]
    public void With_the_scheduler_placing_threads_no_cpu_holds_an_unmapped_translation_after_a_shootdown(string design)
    {
        var m = Catalog.LoadMachine("p4-672-2006");
        var config = new ResolvedConfig(m, Catalog.LoadKernel(m.DefaultKernel), design == "native" ? DesignSpec.Native : Catalog.LoadDesign(design), 4, 1)
        {
            Placement = Placement.Scheduler,
        };
        var sim = new Simulator(config);
        var checkedEntries = ShootdownTests.CheckNoStaleTranslations(sim, design);
        sim.Run(new ListTraceSource("mt", Lmbench.Find("mt-munmap")!.Main(new WorkloadOptions { Cpus = 4 })));
        Assert.True(checkedEntries() > 100);
        Assert.True(Count(sim, Counter.Shootdowns) > 1000);
    }

    [Fact]
    public void A_trace_that_cannot_go_on_names_the_sleeping_processes()
    {
        var events = new List<TraceEvent> { TraceEvent.Syscall(Any, 1, SyscallKind.PipeRead, 4, 7), TraceEvent.Syscall(Any, 1, SyscallKind.Null) };
        var ex = Assert.Throws<SimulationException>(() => Run(Config("linux-2.4.21", 2), events));
        Assert.Contains("pid 1", ex.Message);
        Assert.Contains("pipe 7", ex.Message);
    }

    [Fact]
    public void A_kernel_without_scheduler_settings_cannot_place_a_trace()
    {
        var config = new ResolvedConfig(Catalog.LoadMachine("xeon-2400-2003"), Config("linux-2.4.21", 2).Kernel.WithScheduler(null), DesignSpec.Native, 2, 1);
        var ex = Assert.Throws<SimulationException>(() => Run(config, [TraceEvent.Syscall(Any, 1, SyscallKind.Null)]));
        Assert.Contains("no scheduler settings", ex.Message);
    }
}

/// <summary>vfork: the parent lends its address space and sleeps until the child execs or exits.</summary>
public sealed class VforkTests
{
    private static readonly ConfigCatalog Catalog = ConfigCatalog.Locate();

    private static Simulator Sim(int cpus)
    {
        var m = Catalog.LoadMachine("xeon-2400-2003");
        return new Simulator(new ResolvedConfig(m, Catalog.LoadKernel(m.DefaultKernel), DesignSpec.Native, cpus, 1));
    }

    [Fact]
    public void The_parent_of_a_vfork_runs_again_only_after_the_child_execs()
    {
        const int any = TraceEvent.AnyCpu;
        var events = new List<TraceEvent>
        {
            TraceEvent.Fork(any, 1, 2, ForkFlags.VFork),
            TraceEvent.Syscall(any, 1, SyscallKind.Null),   // the parent's next call: after the child's exec, whatever the trace order
            TraceEvent.Compute(any, 2, 500_000),
            TraceEvent.Exec(any, 2, 8, 2, 2, 1),
            TraceEvent.Exit(any, 2),
            TraceEvent.Wait(any, 1, 2),
        };
        var sim = Sim(2);
        var order = new List<(int Pid, TraceEventKind Kind, long End)>();
        sim.AfterEvent = e => order.Add((e.Pid, e.Kind, sim.Machine.Cpus[e.Cpu].Clock));
        sim.Run(new ListTraceSource("v", events));
        var exec = order.First(o => o.Kind == TraceEventKind.Exec);
        var parentCall = order.First(o => o.Pid == 1 && o.Kind == TraceEventKind.Syscall);
        Assert.True(order.IndexOf(parentCall) > order.IndexOf(exec), string.Join(", ", order));
        // On one CPU the trace order is the schedule: the parent's call before the child's exec cannot run.
        var one = Sim(1);
        var ex = Assert.Throws<SimulationException>(() => one.Run(new ListTraceSource("v", events.Select(e => e with { Cpu = 0 }).ToList())));
        Assert.Contains("vfork child 2", ex.Message);
    }
}

/// <summary>Threads sharing an address space see its layout change in trace order, on several CPUs (SharedMmOrder).</summary>
public sealed class SharedMmOrderTests
{
    private static readonly ConfigCatalog Catalog = ConfigCatalog.Locate();

    private static List<TraceEvent> Trace(int a, int b)
    {
        const long region = 0x4000_0000;
        return
        [
            TraceEvent.Fork(a, 1, 2, ForkFlags.Thread),
            TraceEvent.Compute(b, 2, 10_000),                                   // the thread starts late...
            TraceEvent.Mmap(a, 1, region, 4096, Protection.Read | Protection.Write, MapFlags.Anonymous),
            TraceEvent.PageFault(b, 2, region, AccessKind.Write),               // ...faults on the new mapping...
            TraceEvent.Munmap(a, 1, region, 4096),                             // ...before the main thread unmaps it
            TraceEvent.Syscall(a, 1, SyscallKind.Null),
            TraceEvent.Exit(b, 2),
        ];
    }

    [Theory]
    [InlineData(Placement.Trace)]
    [InlineData(Placement.Scheduler)]
    public void A_threads_fault_waits_for_the_earlier_mmap_and_the_munmap_waits_for_the_fault(Placement placement)
    {
        var m = Catalog.LoadMachine("xeon-2400-2003");
        var sim = new Simulator(new ResolvedConfig(m, Catalog.LoadKernel(m.DefaultKernel), DesignSpec.Native, 2, 1) { Placement = placement });
        var order = new List<TraceEventKind>();
        var ends = new Dictionary<TraceEventKind, long>();
        sim.AfterEvent = e =>
        {
            order.Add(e.Kind);
            ends[e.Kind] = sim.Machine.Cpus[e.Cpu].Clock;
        };
        var events = placement == Placement.Trace ? Trace(0, 1) : Trace(TraceEvent.AnyCpu, TraceEvent.AnyCpu);
        sim.Run(new ListTraceSource("t", events)); // without the ordering the munmap overtakes the fault: a SIGSEGV error
        Assert.True(order.IndexOf(TraceEventKind.Mmap) < order.IndexOf(TraceEventKind.PageFault));
        Assert.True(order.IndexOf(TraceEventKind.PageFault) < order.IndexOf(TraceEventKind.Munmap));
        Assert.Equal(1, sim.Stats.Counts[(int)Counter.PageFaults]);
        Assert.True(ends[TraceEventKind.Munmap] > ends[TraceEventKind.PageFault]); // and in time, not only in order
    }
}
