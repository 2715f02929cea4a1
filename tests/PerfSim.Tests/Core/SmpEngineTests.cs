using PerfSim.Core.Designs;
using PerfSim.Core.Kernel;
using PerfSim.Core.Machine;
using PerfSim.Core.Simulation;
using PerfSim.Core.Stats;
using PerfSim.Core.Trace;
using PerfSim.Core.Workloads;
using PerfSim.IO.Config;
using PerfSim.Tests.Support;

namespace PerfSim.Tests.Core;

/// <summary>Several CPUs: time order across CPU streams, sleeping and waking, reschedule IPIs, determinism.</summary>
public sealed class SmpEngineTests
{
    private static readonly ConfigCatalog Catalog = ConfigCatalog.Locate();

    private static ResolvedConfig Xeon(int cpus, string design = "native")
    {
        var m = Catalog.LoadMachine("xeon-2400-2003");
        return new ResolvedConfig(m, Catalog.LoadKernel(m.DefaultKernel), design == "native" ? DesignSpec.Native : Catalog.LoadDesign(design), cpus, 1);
    }

    [Theory]
    [InlineData("ctx-2p-0k")]
    [InlineData("ctx-8p-16k")]
    [InlineData("fork")]
    public void Two_cpus_give_identical_results_for_the_same_inputs(string workload)
    {
        var a = ScenarioRunner.Run(Xeon(2), Lmbench.Find(workload)!, new WorkloadOptions());
        var b = ScenarioRunner.Run(Xeon(2), Lmbench.Find(workload)!, new WorkloadOptions());
        Assert.Equal(a.CyclesPerIterByCategory, b.CyclesPerIterByCategory);
        Assert.Equal(a.CountersPerIter, b.CountersPerIter);
        Assert.Equal(a.ElapsedCyclesPerIter, b.ElapsedCyclesPerIter);
    }

    [Fact]
    public void A_token_passed_between_two_cpus_costs_one_reschedule_ipi_and_one_switch_per_hop_and_waits_for_its_delivery()
    {
        var config = Xeon(2);
        var w = Lmbench.Find("ctx-2p-0k")! with { Baselines = null };
        var r = ScenarioRunner.Run(config, w, new WorkloadOptions());
        // (the last hop may end just outside the measured window, which ends with the measuring CPU's last mark)
        Assert.InRange(r.CounterValue(Counter.IpisReceived), 0.97, 1.0);
        Assert.InRange(r.CounterValue(Counter.ContextSwitches), 0.97, 1.0);
        // Each hop waits for the IPI that wakes the next process: the wall time per hop exceeds the delivery latency.
        Assert.True(r.ElapsedCyclesPerIter > config.Machine[MachineParam.IpiLatency], $"{r.ElapsedCyclesPerIter} cycles per hop");
        Assert.True(r.Category(CostCategory.Idle) > 0);
    }

    [Fact]
    public void A_child_forked_onto_an_idle_cpu_is_started_and_its_exit_wakes_the_waiting_parent_by_ipi()
    {
        var r = ScenarioRunner.Run(Xeon(2), Lmbench.Find("fork")!, new WorkloadOptions());
        // Start the child on CPU 1, wake the parent on CPU 0 (the window may also catch the warm-up's last IPI).
        Assert.InRange(r.CounterValue(Counter.IpisReceived), 2.0, 2.05);
        Assert.Equal(1.0, r.CounterValue(Counter.Forks), 6);
    }

    [Fact]
    public void One_cpu_sends_no_ipis_and_its_wall_time_is_its_breakdown()
    {
        var r = ScenarioRunner.Run(Xeon(1), Lmbench.Find("ctx-2p-0k")!, new WorkloadOptions());
        Assert.Equal(0, r.CounterValue(Counter.IpisReceived));
        Assert.Equal(r.CyclesPerIterByCategory.Sum(), r.ElapsedCyclesPerIter, 6);
    }

    [Fact]
    public void With_two_cpus_the_breakdown_covers_both_and_is_at_least_the_wall_time()
    {
        var w = Lmbench.Find("ctx-2p-0k")! with { Baselines = null };
        var r = ScenarioRunner.Run(Xeon(2), w, new WorkloadOptions());
        Assert.True(r.CyclesPerIterByCategory.Sum() >= r.ElapsedCyclesPerIter);
        Assert.All(r.CyclesPerIterByCategory, c => Assert.True(c >= 0));
    }

    [Fact]
    public void A_read_nothing_will_ever_satisfy_names_the_cpu_the_pid_and_the_pipe()
    {
        var events = new List<TraceEvent>
        {
            TraceEvent.Syscall(0, 1, SyscallKind.Null),
            TraceEvent.Syscall(1, 2, SyscallKind.PipeRead, 4, pipe: 7),
            TraceEvent.Syscall(1, 2, SyscallKind.Null),
        };
        var e = Assert.Throws<SimulationException>(() => new Simulator(Xeon(2)).Run(new ListTraceSource("t", events)));
        Assert.Contains("cpu 1 waits", e.Message);
        Assert.Contains("pid 2 sleeps in a read of pipe 7", e.Message);
    }

    [Fact]
    public void Events_on_a_cpu_the_run_does_not_have_are_refused()
    {
        var events = new List<TraceEvent> { TraceEvent.Syscall(3, 1, SyscallKind.Null) };
        var e = Assert.Throws<SimulationException>(() => new Simulator(Xeon(2)).Run(new ListTraceSource("t", events)));
        Assert.Contains("cpu 3", e.Message);
    }

    [Fact]
    public void A_write_on_one_cpu_wakes_a_reader_sleeping_on_another_no_earlier_than_the_ipi_arrives()
    {
        var config = Xeon(2);
        var events = new List<TraceEvent>
        {
            TraceEvent.Syscall(1, 2, SyscallKind.PipeRead, 4, pipe: 1), // cpu 1: pid 2 sleeps
            TraceEvent.Syscall(1, 2, SyscallKind.Null),                  // ...then runs this once woken
            TraceEvent.Compute(0, 1, 50_000),                           // cpu 0: pid 1 computes first
            TraceEvent.Syscall(0, 1, SyscallKind.PipeWrite, 4, pipe: 1),
        };
        var sim = new Simulator(config);
        sim.Run(new ListTraceSource("t", events));
        var writerDone = sim.Machine.Cpus[0].Clock;
        Assert.Equal(1, sim.Stats.Counts[(int)Counter.IpisReceived]);
        Assert.True(sim.Machine.Cpus[1].Clock > 50_000 + config.Machine[MachineParam.IpiLatency], "the reader ran before it could have been woken");
        Assert.True(sim.Stats.Cycles[(int)CostCategory.Idle] >= 50_000);
        Assert.True(writerDone > 50_000);
    }
}

public sealed class ShootdownTests
{
    private static readonly ConfigCatalog Catalog = ConfigCatalog.Locate();

    public static TheoryData<string> Designs() => new() { "native", "xen-1.0", "xen-pv", "vmi-hypervisor", "hvm-shadow", "fullvirt-bt" };

    [Theory]
    [MemberData(nameof(Designs))]
    public void Once_a_shootdown_has_completed_no_cpu_holds_a_translation_the_guest_has_unmapped(string design)
    {
        var m = Catalog.LoadMachine("p4-672-2006");
        var config = new ResolvedConfig(m, Catalog.LoadKernel(m.DefaultKernel), Catalog.LoadDesign(design), 4, 1);
        var sim = new Simulator(config);
        var checkedEvents = CheckNoStaleTranslations(sim, design);
        var m2 = sim.Run(new ListTraceSource("mt", Lmbench.Find("mt-munmap")!.Main(new WorkloadOptions { Cpus = 4 })));
        Assert.True(checkedEvents() > 100);
        Assert.Equal(2000, m2.Measured.Counts[(int)Counter.Shootdowns]); // one per munmap in the measured loop
    }

    /// <summary>
    /// After each event of thread 0 (pid 1) whose shootdowns have all been acknowledged, every CPU that has the shared mm
    /// loaded must map nothing that is not present. Returns how many entries were checked so far.
    /// </summary>
    internal static Func<int> CheckNoStaleTranslations(Simulator sim, string label)
    {
        var checkedEntries = 0;
        sim.AfterEvent = e =>
        {
            if (e.Pid != 1 || sim.Kernel.Find(1)!.PendingAcks > 0)
            {
                return;
            }
            var mm = sim.Kernel.Find(1)!.Mm;
            for (var k = 0; k < sim.Machine.Cpus.Length; k++)
            {
                if (sim.Kernel.ActiveMm(k) != mm)
                {
                    continue;
                }
                foreach (var (tag, global) in sim.Machine.Cpus[k].Dtlb.ValidEntries())
                {
                    if (!global && tag < 0xC0000)
                    {
                        Assert.True(Pte.IsPresent(mm.GetPte(tag)), $"{label}: cpu {k} still maps page 0x{tag:x} after {e.Kind}");
                        checkedEntries++;
                    }
                }
            }
        };
        return () => checkedEntries;
    }

    [Fact]
    public void A_target_holds_the_stale_entry_until_the_shootdown_reaches_it()
    {
        // The check above can fail: between the munmap and the acknowledgement the other CPU does hold the entry.
        var m = Catalog.LoadMachine("p4-672-2006");
        var config = new ResolvedConfig(m, Catalog.LoadKernel(m.DefaultKernel), DesignSpec.Native, 2, 1);
        const long scratch = TraceBuilder.MmapBase;
        var events = new List<TraceEvent>
        {
            TraceEvent.Mmap(0, 1, scratch, 4096, Protection.Read | Protection.Write, MapFlags.Anonymous),
            TraceEvent.Touch(0, 1, scratch, 4096, AccessKind.Write),
            TraceEvent.Fork(0, 1, 2, ForkFlags.Thread),
            TraceEvent.Touch(1, 2, scratch, 4096, AccessKind.Read), // cpu 1 caches the translation
            TraceEvent.Compute(1, 2, 1_000_000),                     // ...and keeps running the mm
            TraceEvent.Compute(0, 1, 100_000),
            TraceEvent.Munmap(0, 1, scratch, 4096),
            TraceEvent.Syscall(0, 1, SyscallKind.Null),
        };
        var sim = new Simulator(config);
        bool Cpu1Maps() => sim.Machine.Cpus[1].Dtlb.ValidEntries().Any(t => t.Tag == scratch / 4096);
        bool? atMunmap = null, afterAck = null;
        sim.AfterEvent = e =>
        {
            if (e.Kind == TraceEventKind.Munmap)
            {
                atMunmap = Cpu1Maps();
            }
            else if (e.Pid == 1 && e.Kind == TraceEventKind.Syscall)
            {
                afterAck = Cpu1Maps();
            }
        };
        sim.Run(new ListTraceSource("t", events));
        Assert.True(atMunmap, "cpu 1 should still map the page when the munmap has flushed only locally");
        Assert.False(afterAck, "cpu 1 still maps the page after the shootdown completed");
        Assert.Equal(1, sim.Stats.Counts[(int)Counter.Shootdowns]);
    }

    [Theory]
    [InlineData("native", 3)]
    [InlineData("xen-pv", 0)] // a paravirtual remote flush: the hypervisor flushes, no guest handler runs
    public void Each_munmap_interrupts_every_other_cpu_unless_the_hypervisor_flushes_for_the_guest(string design, int ipis)
    {
        var m = Catalog.LoadMachine("p4-672-2006");
        var config = new ResolvedConfig(m, Catalog.LoadKernel(m.DefaultKernel), design == "native" ? DesignSpec.Native : Catalog.LoadDesign(design), 4, 1);
        var r = ScenarioRunner.Run(config, Lmbench.Find("mt-munmap")!, new WorkloadOptions());
        Assert.Equal(1.0, r.CounterValue(Counter.Shootdowns), 6);
        Assert.InRange(r.CounterValue(Counter.IpisReceived), ipis, ipis + 0.05);
        Assert.True(r.Category(CostCategory.IpiWait) > config.Machine[MachineParam.IpiLatency] - 1, "the initiator waits at least one delivery");
    }
}

public sealed class VcpuScheduleTests
{
    [Fact]
    public void Four_vcpus_on_two_pcpus_take_turns_of_one_slice_each()
    {
        var s = new PerfSim.Core.Engine.VcpuSchedule(4, 2, 100);
        Assert.True(s.IsRunning(0, 0) && s.IsRunning(1, 99) && !s.IsRunning(2, 50) && !s.IsRunning(3, 0));
        Assert.True(s.IsRunning(2, 100) && s.IsRunning(3, 199) && !s.IsRunning(0, 150));
        Assert.Equal(100, s.NextRun(2, 5));
        Assert.Equal(200, s.NextRun(0, 150));
        Assert.Equal(150, s.NextRun(2, 150));
        Assert.False(s.Dedicated);
        Assert.True(new PerfSim.Core.Engine.VcpuSchedule(4, 4, 100).Dedicated);
    }

    [Fact]
    public void Three_vcpus_on_two_pcpus_leave_one_vcpu_a_pcpu_of_its_own()
    {
        var s = new PerfSim.Core.Engine.VcpuSchedule(3, 2, 10);
        Assert.True(s.IsRunning(1, 5) && s.IsRunning(1, 15)); // alone on pcpu 1
        Assert.True(s.IsRunning(0, 5) && !s.IsRunning(0, 15) && s.IsRunning(2, 15));
    }

    private static ScenarioResult Overcommitted(string design)
    {
        var catalog = ConfigCatalog.Locate();
        var m = catalog.LoadMachine("p4-672-2006");
        var d = design == "native" ? DesignSpec.Native : catalog.LoadDesign(design);
        var config = new ResolvedConfig(m, catalog.LoadKernel(m.DefaultKernel), d, 4, 1)
        {
            PhysicalCpus = d.Hypervisor ? 2 : 4,
            TimesliceCycles = 1000 * m.FrequencyMhz, // 1 ms
        };
        return ScenarioRunner.Run(config, Lmbench.Find("mt-munmap")!, new WorkloadOptions());
    }

    private static double P99(ScenarioResult r) =>
        MathNet.Numerics.Statistics.Statistics.QuantileCustom(r.ShootdownLatencies.Select(x => (double)x), 0.99, MathNet.Numerics.Statistics.QuantileDefinition.R8);

    [Theory]
    [InlineData("xen-1.0")]
    [InlineData("hvm-shadow")]
    [InlineData("vmi-hypervisor")]
    public void With_vcpus_overcommitted_a_shootdown_that_must_reach_every_target_waits_for_the_descheduled_ones(string design)
    {
        var native = P99(Overcommitted("native"));
        var r = Overcommitted(design);
        Assert.True(P99(r) > 100 * native, $"{design}: p99 {P99(r):F0} cycles against native's {native:F0}");
        Assert.True(r.Category(CostCategory.Descheduled) > 0);
    }

    [Fact]
    public void A_paravirtual_remote_flush_skips_descheduled_vcpus_and_keeps_its_latency()
    {
        var native = P99(Overcommitted("native"));
        var pv = P99(Overcommitted("xen-pv"));
        Assert.InRange(pv, 1, 2 * native);
    }
}

public sealed class MigrationTests
{
    [Fact]
    public void A_process_whose_events_move_to_another_cpu_migrates_and_runs_on_one_cpu_at_a_time()
    {
        var catalog = ConfigCatalog.Locate();
        var m = catalog.LoadMachine("xeon-2400-2003");
        var config = new ResolvedConfig(m, catalog.LoadKernel(m.DefaultKernel), DesignSpec.Native, 2, 1);
        var events = new List<TraceEvent>
        {
            TraceEvent.Syscall(0, 1, SyscallKind.Null),
            TraceEvent.Syscall(1, 1, SyscallKind.Null), // now on cpu 1
            TraceEvent.Syscall(0, 2, SyscallKind.Null), // cpu 0 runs another process
        };
        var sim = new Simulator(config);
        sim.Run(new ListTraceSource("t", events));
        Assert.Equal(1, sim.Kernel.Find(1)!.LastCpu);
        Assert.Equal(3, sim.Stats.Counts[(int)Counter.ContextSwitches]);
    }
}

public sealed class MmuGatherTests
{
    [Fact]
    public void An_smp_exit_of_a_large_process_flushes_the_tlb_every_506_freed_pages()
    {
        var catalog = ConfigCatalog.Locate();
        var m = catalog.LoadMachine("xeon-2400-2003");
        var shape = new WorkloadOptions { Shape = ProcessShape.Default with { HeapPages = 2048 } };
        double Flushes(int cpus) => ScenarioRunner.Run(new ResolvedConfig(m, catalog.LoadKernel(m.DefaultKernel), DesignSpec.Native, cpus, 1),
            Lmbench.Find("fork")!, shape).CounterValue(Counter.TlbFlushes);
        // The child's exit frees its more than 2,100 pages in batches of 506 on SMP: 4 or 5 extra flushes per fork.
        Assert.InRange(Flushes(2) - Flushes(1), 4, 5);
    }
}

public sealed class CoherenceTests
{
    private static readonly long[] Lines = [5, 2, 1, 3, 3, 1, 1, 0, 0, 0, 0]; // switch-in, wake, runqueue, pipe read, pipe write, reap, notify, fork child, pgd, page refs, global rq

    private static ScenarioResult Ctx(int cpus, long[]? lines)
    {
        var catalog = ConfigCatalog.Locate();
        var m = catalog.LoadMachine("xeon-2400-2003");
        var k = TestProfiles.Variant(catalog.LoadKernel(m.DefaultKernel), lines, childRunsFirst: false);
        return ScenarioRunner.Run(new ResolvedConfig(m, k, DesignSpec.Native, cpus, 1), Lmbench.Find("ctx-2p-0k")! with { Baselines = null }, new WorkloadOptions());
    }

    [Fact]
    public void A_token_passed_between_cpus_moves_the_pipe_and_task_lines_each_hop()
    {
        var r = Ctx(2, Lines);
        // Per hop: the writer pulls the pipe it writes (3) and the reader's task (2) and the global runqueue (1); the reader's
        // CPU pulls the runqueue back (1), its own task the waker touched (5 at switch-in) and the pipe it reads (3).
        Assert.InRange(r.CounterValue(Counter.CoherenceLines), 13, 15); // 15 a hop, less the hops whose read found the token already there
        var m = ConfigCatalog.Locate().LoadMachine("xeon-2400-2003");
        Assert.Equal(r.CounterValue(Counter.CoherenceLines) * m[MachineParam.CacheLineTransfer], r.Category(CostCategory.Coherence), 6);
    }

    [Fact]
    public void One_cpu_or_a_profile_without_the_table_moves_nothing()
    {
        Assert.Equal(0, Ctx(1, Lines).CounterValue(Counter.CoherenceLines));
        Assert.Equal(0, Ctx(2, null).CounterValue(Counter.CoherenceLines));
    }

    [Fact]
    public void A_child_copying_a_page_its_parent_wrote_on_another_cpu_moves_the_page()
    {
        var catalog = ConfigCatalog.Locate();
        var m = catalog.LoadMachine("xeon-2400-2003");
        var k = TestProfiles.Variant(catalog.LoadKernel(m.DefaultKernel), Lines, childRunsFirst: false);
        var r = ScenarioRunner.Run(new ResolvedConfig(m, k, DesignSpec.Native, 2, 1), Lmbench.Find("fork")!, new WorkloadOptions());
        // The child's copy-on-write copies of pages the parent dirtied on CPU 0 each move a page.
        Assert.True(r.Category(CostCategory.Coherence) >= m[MachineParam.PageTransfer], $"coherence {r.Category(CostCategory.Coherence)}");
    }
}

public sealed class ForkPlacementTests
{
    private static ScenarioResult Fork(bool childFirst, int cpus, string workload)
    {
        var catalog = ConfigCatalog.Locate();
        var m = catalog.LoadMachine("p4-672-2006");
        var k = catalog.LoadKernel("linux-2.6.20");
        var kernel = TestProfiles.Variant(k, k.SmpCoherence, childFirst);
        return ScenarioRunner.Run(new ResolvedConfig(m, kernel, DesignSpec.Native, cpus, 1), Lmbench.Find(workload)!, new WorkloadOptions());
    }

    [Fact]
    public void With_two_cpus_a_child_that_runs_first_stays_on_its_parents_cpu_until_it_execs()
    {
        Assert.Equal(0, Fork(childFirst: true, 2, "fork").CounterValue(Counter.IpisReceived));   // fork: no other CPU involved
        Assert.True(Fork(childFirst: true, 2, "exec").CounterValue(Counter.IpisReceived) >= 1); // sched_exec moves it to the idle CPU
        Assert.True(Fork(childFirst: false, 2, "fork").CounterValue(Counter.IpisReceived) >= 2); // 2.4: the child starts on the idle CPU
    }

    [Fact]
    public void A_process_whose_events_are_split_over_cpus_keeps_its_trace_order()
    {
        var catalog = ConfigCatalog.Locate();
        var m = catalog.LoadMachine("xeon-2400-2003");
        var config = new ResolvedConfig(m, catalog.LoadKernel(m.DefaultKernel), DesignSpec.Native, 2, 1);
        var events = new List<TraceEvent>
        {
            TraceEvent.Compute(0, 1, 100_000),
            TraceEvent.Mmap(0, 1, TraceBuilder.MmapBase, 4096, Protection.Read | Protection.Write, MapFlags.Anonymous),
            TraceEvent.Touch(1, 1, TraceBuilder.MmapBase, 4096, AccessKind.Write), // cpu 1 is idle and earlier, but the mmap comes first
        };
        var sim = new Simulator(config);
        sim.Run(new ListTraceSource("t", events));
        Assert.True(sim.Machine.Cpus[1].Clock > 100_000);
    }
}
