using PerfSim.Core.Designs;
using PerfSim.Core.Simulation;
using PerfSim.Core.Trace;
using PerfSim.IO.Config;
using PerfSim.IO.Recording;

namespace PerfSim.Tests.Recording;

/// <summary>From what a tracer saw to a trace the i386 kernel model replays: layout, relocation, tasks, time, drops.</summary>
public sealed class RecordingConverterTests
{
    private static readonly ConfigCatalog Catalog = ConfigCatalog.Locate();

    private static ConversionResult Convert(string text, bool keepCpus = false) =>
        RecordingConverter.Convert(PerfScriptParser.Parse(new StringReader(text), "t.script"), new ConvertOptions(2000, keepCpus), "t.script");

    [Fact]
    public void The_image_lands_where_the_model_execs_it_and_the_stack_under_the_model_stack_top()
    {
        var r = Convert(PerfScriptParserTests.Sample);
        var exec = r.Events[0];
        Assert.Equal(TraceEventKind.Exec, exec.Kind);
        Assert.Equal(100, exec.Pid);
        // dash: r-- and r-x (0x17000 = 23 pages) then rw- (3 pages) then its bss (2 anonymous pages).
        Assert.Equal((23L, 3L, 2L), (exec.Arg0, exec.Arg1, exec.Arg2));
        var faults = r.Events.Where(e => e.Kind == TraceEventKind.PageFault).ToList();
        Assert.Equal(0x0804_8000 + 0x4b70, faults[0].Arg0);
        Assert.Equal((long)AccessKind.Execute, faults[0].Arg1);
        Assert.Equal(0x0804_8000 + 0x17010, faults[1].Arg0);
        Assert.Equal((long)AccessKind.Write, faults[1].Arg1);
        Assert.Equal(0xC000_0000 - (0x7ffff4593000 - 0x7ffff4592ea9), faults[2].Arg0);
        // The interpreter and the vDSO execve mapped become mmaps right after the exec, in the model's 32-bit space.
        var mmaps = r.Events.Where(e => e.Kind == TraceEventKind.Mmap).ToList();
        Assert.Equal(3, mmaps.Count);
        Assert.All(mmaps, m => Assert.InRange(m.Arg0, 0x1000_0000, 0xBEFF_FFFF)); // the mmap area, under 0xBF000000
        // ...keeping their distances: the interpreter's top is the area's top, the program's mmap below it as it was.
        Assert.Equal(0xBF00_0000 - (0x7fe1902a3000 - 0x7fe19027d000), mmaps[0].Arg0);
        Assert.Equal(0x2000, mmaps[2].Arg1); // the program's own mmap of 8 KB
    }

    [Fact]
    public void Tasks_become_fork_exit_and_a_wait_after_the_childs_exit_and_every_event_says_cpu_any()
    {
        var r = Convert(PerfScriptParserTests.Sample);
        var kinds = r.Events.Where(e => e.Kind is TraceEventKind.Fork or TraceEventKind.Exit or TraceEventKind.Wait).Select(e => (e.Kind, e.Pid, e.Arg0)).ToList();
        Assert.Equal([(TraceEventKind.Fork, 100, 101L), (TraceEventKind.Exit, 101, 0L), (TraceEventKind.Wait, 100, 101L), (TraceEventKind.Exit, 100, 0L)], kinds);
        Assert.Equal(ForkFlags.None, (ForkFlags)r.Events.First(e => e.Kind == TraceEventKind.Fork).Arg1);
        Assert.All(r.Events, e => Assert.Equal(TraceEvent.AnyCpu, e.Cpu));
        Assert.Equal((2, 0, 1), (r.Counts.Processes, r.Counts.Threads, r.Counts.Execs));
        Assert.Equal(3, r.Counts.PageFaults);
        var kept = Convert(PerfScriptParserTests.Sample, keepCpus: true);
        Assert.Contains(kept.Events, e => e.Cpu == 1);
        Assert.DoesNotContain(kept.Events, e => e.Cpu == TraceEvent.AnyCpu);
    }

    [Fact]
    public void User_time_is_what_the_thread_ran_between_its_kernel_events_at_the_recording_clock()
    {
        var r = Convert(PerfScriptParserTests.Sample);
        // Between the fault at .904072000 and the mmap at .904080000 pid 100 ran 8 us: 16,000 cycles at 2,000 MHz.
        var i = r.Events.ToList().FindLastIndex(e => e.Kind == TraceEventKind.Mmap && e.Arg1 == 0x2000);
        Assert.Equal(TraceEventKind.Compute, r.Events[i - 1].Kind);
        Assert.Equal(16_000, r.Events[i - 1].Arg0);
        Assert.True(r.Counts.ComputeCycles > 0);
    }

    [Fact]
    public void A_fault_outside_every_recorded_mapping_is_left_out_and_counted()
    {
        var text = PerfScriptParserTests.Sample.Replace("address=0x556e8697b010", "address=0x7fe19027a010", StringComparison.Ordinal); // the vDSO: mapped, kept
        Assert.Equal(3, Convert(text).Counts.PageFaults);
        text = PerfScriptParserTests.Sample.Replace("address=0x556e8697b010", "address=0x600000000010", StringComparison.Ordinal);
        var r = Convert(text);
        Assert.Equal(2, r.Counts.PageFaults);
        Assert.Equal(1, r.Counts.FaultsDropped);
        Assert.Contains(r.Notes, n => n.Contains("1 page fault(s) fell outside", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void The_converted_recording_replays_through_every_design(int cpus)
    {
        var events = Convert(PerfScriptParserTests.Sample).Events;
        var machine = Catalog.LoadMachine("xeon-2400-2003");
        var kernel = Catalog.LoadKernel(machine.DefaultKernel);
        foreach (var name in Catalog.DesignNames)
        {
            var design = Catalog.LoadDesign(name);
            if (ResolvedConfig.Problems(machine, design).Count > 0)
            {
                continue;
            }
            var m = new Simulator(new ResolvedConfig(machine, kernel, design, cpus, 1)).Run(new ListTraceSource("rec", events));
            Assert.Equal(events.Count, m.Events);
        }
    }

    [Fact]
    public void A_task_in_its_parents_thread_group_is_a_thread_sharing_the_address_space()
    {
        const string text = """
                prog 200/200 [000] 1.000000000: PERF_RECORD_MMAP2 200/200: [0x7ffff4572000(0x21000) @ 0x7ffffffde000 00:00 0 0]: rw-p [stack]
                prog 200/200 [000] 1.000000100: PERF_RECORD_MMAP2 200/200: [0x556e86964000(0x4000) @ 0 fe:00 1 0]: r-xp /usr/bin/prog
                prog 200/200 [000] 1.000000200: sched:sched_process_exec: filename=/usr/bin/prog pid=200 old_pid=200
                prog 200/200 [000] 1.000001000: raw_syscalls:sys_enter: NR 9 (0, 800000, 3, 22, ffffffff, 0)
                prog 200/200 [000] 1.000002000: raw_syscalls:sys_exit: NR 9 = 140606762852352
                prog 200/200 [000] 1.000003000: raw_syscalls:sys_enter: NR 435 (7ffff4590000, 58, 0, 0, 0, 0)
                prog 200/200 [000] 1.000004000: sched:sched_process_fork: comm=prog pid=200 child_comm=prog child_pid=201
                prog 200/201 [001] 1.000005000: exceptions:page_fault_user: address=0x7fe1902b0010 ip=0x556e86964100 error_code=0x6
                prog 200/200 [000] 1.000006000: raw_syscalls:sys_exit: NR 435 = 201
                prog 200/201 [001] 1.000007000: sched:sched_process_exit: comm=prog pid=201 prio=120
                prog 200/200 [000] 1.000008000: sched:sched_process_exit: comm=prog pid=200 prio=120
            """;
        var r = Convert(text);
        var fork = Assert.Single(r.Events, e => e.Kind == TraceEventKind.Fork);
        Assert.Equal((200, 201L, (long)ForkFlags.Thread), (fork.Pid, fork.Arg0, fork.Arg1));
        Assert.Equal((1, 1), (r.Counts.Processes, r.Counts.Threads));
        // The thread's fault is in the parent's mmap (0x7fe190...): kept, at the same model address the mmap went to.
        var fault = Assert.Single(r.Events, e => e.Kind == TraceEventKind.PageFault);
        var mmap = Assert.Single(r.Events, e => e.Kind == TraceEventKind.Mmap);
        Assert.Equal(201, fault.Pid);
        Assert.Equal(mmap.Arg0 + (0x7fe1902b0010 - 0x7fe190272000), fault.Arg0);
    }

    [Fact]
    public void Faults_the_kernel_takes_inside_an_execve_follow_the_exec_on_the_new_image()
    {
        const string text = """
                sh 100/100 [000] 1.000000000: PERF_RECORD_MMAP2 100/100: [0x7ffff4572000(0x21000) @ 0x7ffffffde000 00:00 0 0]: rw-p [stack]
                sh 100/100 [000] 1.000000100: PERF_RECORD_MMAP2 100/100: [0x556e86964000(0x4000) @ 0 fe:00 1 0]: r-xp /usr/bin/sh
                sh 100/100 [000] 1.000000200: sched:sched_process_exec: filename=/usr/bin/sh pid=100 old_pid=100
                sh 100/100 [000] 1.000001000: raw_syscalls:sys_enter: NR 59 (0, 0, 0, 0, 0, 0)
                ls 100/100 [000] 1.000002000: PERF_RECORD_MMAP2 100/100: [0x7fff9e69c000(0x21000) @ 0x7ffffffde000 00:00 0 0]: rw-p [stack]
                ls 100/100 [000] 1.000002100: PERF_RECORD_MMAP2 100/100: [0x564eb3567000(0x2000) @ 0 fe:00 2 0]: r-xp /usr/bin/ls
                ls 100/100 [000] 1.000002200: PERF_RECORD_MMAP2 100/100: [0x564eb3569000(0x1000) @ 0x2000 fe:00 2 0]: rw-p /usr/bin/ls
                ls 100/100 [000] 1.000002300: exceptions:page_fault_kernel: address=0x564eb35695c0 ip=elf_load error_code=0x2
                ls 100/100 [000] 1.000002400: exceptions:page_fault_kernel: address=0x7fff9e6bb349 ip=_copy_to_user error_code=0x2
                ls 100/100 [000] 1.000003000: sched:sched_process_exec: filename=/usr/bin/ls pid=100 old_pid=100
                ls 100/100 [000] 1.000003100: raw_syscalls:sys_exit: NR 59 = 0
                ls 100/100 [000] 1.000004000: sched:sched_process_exit: comm=ls pid=100 prio=120
            """;
        var r = Convert(text);
        Assert.Equal(0, r.Counts.FaultsDropped);
        var kinds = r.Events.Where(e => e.Kind is TraceEventKind.Exec or TraceEventKind.PageFault).Select(e => (e.Kind, e.Arg0)).ToList();
        Assert.Equal(
            [
                (TraceEventKind.Exec, 4L),                                             // sh: its image
                (TraceEventKind.Exec, 2L),                                             // ls: 2 text pages, then...
                (TraceEventKind.PageFault, 0x0804_8000 + 0x25c0),                      // ...its data page, cleared by elf_load
                (TraceEventKind.PageFault, 0xC000_0000 - (0x7fff9e6bd000 - 0x7fff9e6bb349)), // and the arguments on its stack
            ],
            kinds);
    }

    [Fact]
    public void A_recording_without_an_exec_is_refused()
    {
        var text = string.Join('\n', PerfScriptParserTests.Sample.Split('\n').Where(l => !l.Contains("sched_process_exec", StringComparison.Ordinal)));
        var ex = Assert.Throws<TraceException>(() => Convert(text));
        Assert.Equal("exec", ex.Field);
    }
}

/// <summary>Recordings that once stopped a multi-CPU replay, replayed again (regression fixtures).</summary>
public sealed class RecordedReplayRegressionTests
{
    private static readonly ConfigCatalog Catalog = ConfigCatalog.Locate();

    [Fact]
    public void A_task_exec_balanced_onto_a_cpu_settled_earlier_in_the_pass_still_runs()
    {
        // python-threads recorded with perf: under fullvirt-bt on two CPUs, exec balancing once moved a vfork child to
        // CPU 0 while CPU 1 was being settled; CPU 0 had been settled already (its thread waiting on SharedMmOrder), so
        // the pass found nothing to run and the run stopped with "no process can go on".
        var path = Path.Combine(Catalog.WorkloadsDirectory, "..", "tests", "PerfSim.Tests", "Recording", "Fixtures", "python-threads-2cpu-stall.bin");
        var machine = Catalog.LoadMachine("p4-672-2006");
        var config = new ResolvedConfig(machine, Catalog.LoadKernel(machine.DefaultKernel), Catalog.LoadDesign("fullvirt-bt"), 2, 1);
        using var trace = PerfSim.IO.Trace.TraceFiles.Open(path);
        var m = new Simulator(config).Run(trace);
        Assert.Equal(31222, m.Events);
    }
}
