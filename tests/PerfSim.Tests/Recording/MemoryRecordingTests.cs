using PerfSim.Cli;
using PerfSim.Core.Trace;
using PerfSim.IO.Recording;

namespace PerfSim.Tests.Recording;

/// <summary>
/// record --mem: valgrind's logs joined into the run's image tree, the two runs' system calls lined up, and each image's
/// page touches placed between the same calls of the perf run, at the same place in its address space.
/// </summary>
public sealed class MemoryRecordingTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("perfsim-mem-test-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Log(string name, string text)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void Logs_join_into_the_tree_of_forks_and_execs_and_the_wrappers_exec_is_skipped()
    {
        var files = new[]
        {
            Log("000000-lk.10.1.log", "==10== Command: /usr/bin/env PATH=x sh -c a\n==10== Parent PID: 5\nI  00108000,3\n" +
                "SYSCALL[10,1](59) sys_execve ( 0x1(/usr/bin/sh), 0x2, 0x3 )\n"),
            Log("000001-lk.10.1.log", "==10== Command: /usr/bin/sh -c a\n==10== Parent PID: 5\nI  00108000,3\n" +
                "SYSCALL[10,1](56) sys_clone ( 1200011, 0x0, 0x0, 0x0, 0x0 )   clone(fork): process 10 created child 11\nI  00108004,3\n"),
            Log("000002-lk.11.2.log", "==11== Command: /usr/bin/sh -c a\n==11== Parent PID: 10\nI  00108000,3\n" +
                "SYSCALL[11,1](59) sys_execve ( 0x1(/usr/bin/ls), 0x2, 0x3 )\n"),
            Log("000003-lk.11.1.log", "==11== Command: /usr/bin/ls\n==11== Parent PID: 10\nI  00108000,3\nI  00109000,3\n"),
            Log("000004-lk.12.1.log", "==12== Command: /usr/bin/cat\n==12== Parent PID: 10\nI  00108000,3\n"), // no fork the others show
        };
        var tree = LackeyLogs.Read(files, "/usr/bin/env PATH=x sh -c a", wrapperExecs: 1);
        Assert.Equal("/usr/bin/sh -c a", tree.Root.Stream.Command);
        var child = Assert.Single(tree.Root.Forks);
        Assert.Equal((11, "/usr/bin/ls"), (child!.Stream.Pid, child.Stream.ExecPath));
        Assert.Equal("/usr/bin/ls", child.Exec!.Stream.Command);
        Assert.Equal(2, child.Exec.Stream.Instructions);
        Assert.Null(child.Exec.Exec);
        Assert.Equal(5, tree.Logs);
        Assert.Contains(tree.Notes, n => n.StartsWith("1 of valgrind's 5 logs", StringComparison.Ordinal));
        var ex = Assert.Throws<RecorderException>(() => LackeyLogs.Read(files[1..], "/usr/bin/true"));
        Assert.Contains("is the recorded command's", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_plan_lines_up_equal_calls_skips_what_only_one_run_made_and_interpolates_between()
    {
        // valgrind's loader maps its preload library (openat, mmap, close) where the perf run made none; the perf run
        // retried a read.
        // The mappings' lengths tell the preload's mmap from the program's.
        var valgrind = new[] { ("brk", 10L, -1L), ("openat", 20, -1), ("mmap", 25, 0x3000), ("close", 30, -1), ("mmap", 40, 0x2000), ("read", 100, -1), ("exit_group", 200, -1) }
            .Select(c => new LackeyCall(c.Item1, c.Item2, c.Item3)).ToList();
        var perf = new List<(string, long, long)> { ("brk", -1, 1_000), ("mmap", 0x2000, 5_000), ("read", -1, 9_000), ("read", -1, 9_500), ("exit_group", -1, 20_000) };
        var plan = RecordingConverter.TouchPlan.Align(valgrind, perf, 250, 21_000);
        Assert.Equal([0L, 10, 40, 100, 200, 250], plan.Instructions);
        Assert.Equal([0L, 1_000, 5_000, 9_000, 20_000, 21_000], plan.Cycles);
        Assert.Equal(0, plan.CycleOf(0));
        Assert.Equal(500, plan.CycleOf(5));
        Assert.Equal(5_000, plan.CycleOf(40)); // made right after the mmap: right after it in the perf run too
        Assert.Equal(4_866, plan.CycleOf(39)); // before it
        Assert.Equal(14_500, plan.CycleOf(150));
        Assert.Equal(21_000, plan.CycleOf(260)); // past the end: the end
    }

    [Fact]
    public void A_mapping_sized_differently_in_the_two_runs_still_lines_up()
    {
        // sort's buffer: 0x822000 bytes under valgrind, 0x821000 under perf; the calls around it line up by name.
        var valgrind = new[] { new LackeyCall("read", 10), new LackeyCall("mmap", 20, 0x822000), new LackeyCall("munmap", 90, 0x822000), new LackeyCall("exit_group", 100) };
        var plan = RecordingConverter.TouchPlan.Align(valgrind, [("read", -1, 1_000), ("mmap", 0x821000, 2_000), ("munmap", 0x821000, 9_000), ("exit_group", -1, 10_000)], 100, 10_000);
        Assert.Equal([0L, 10, 20, 90, 100, 100], plan.Instructions); // the end, after the last call made there
        Assert.Equal([0L, 1_000, 2_000, 9_000, 10_000, 10_000], plan.Cycles);
    }

    [Fact]
    public void Points_that_would_run_backwards_are_left_out()
    {
        var valgrind = new[] { new LackeyCall("a", 10), new LackeyCall("b", 20) };
        var plan = RecordingConverter.TouchPlan.Align(valgrind, [("a", -1, 500), ("b", -1, 400)], 30, 1_000);
        Assert.Equal([0L, 10, 30], plan.Instructions);
        Assert.Equal([0L, 500, 1_000], plan.Cycles);
    }

    /// <summary>
    /// The valgrind run of <see cref="PerfScriptParserTests.Sample"/>'s sh: the same calls, and touches around them (each
    /// call after the fetch of its syscall instruction, as in a real log).
    /// </summary>
    private const string ShLog = """
        ==700== Command: sh
        ==700== Parent PID: 1
        I  00108000,3
         S 0010c000,8
        I  00108003,2
        SYSCALL[700,1](9) sys_mmap ( 0x0, 8192, 3, 34, -1, 0 ) --> [pre-success] Success(0x4a00000)
        I  00108010,2
         S 04a01000,8
         L 08000000,8
        I  00108012,2
        SYSCALL[700,1](56) sys_clone ( 1200011, 0x0, 0x0, 0x0, 0x0 )   clone(fork): process 700 created child 701
         L 1ffefff000,8
        I  00108014,2
        SYSCALL[700,1](61) sys_wait4 ( -1, 0x1ffefff0a0, 0, 0x0 ) --> [async] ...
        SYSCALL[700,1](61) ... [async] --> Success(0x2bd)
        I  00108020,2
        I  00108022,2
        SYSCALL[700,1](231) sys_exit_group ( 0 )
        """;

    private static ConversionResult ConvertWithMemory()
    {
        var stream = LackeyParser.Parse(new StringReader(ShLog), "lk.700.1");
        var root = new LackeyImage(stream);
        root.Forks.Add(null); // the child's log is missing: its recorded faults stay
        var recording = PerfScriptParser.Parse(new StringReader(PerfScriptParserTests.Sample), "t.script");
        return RecordingConverter.Convert(recording, new ConvertOptions(2000, Memory: root), "t.script");
    }

    [Fact]
    public void Touches_land_between_the_same_calls_at_the_same_place_and_replace_the_recorded_faults()
    {
        var r = ConvertWithMemory();
        var sh = r.Events.Where(e => e.Pid == 100).ToList();
        int Index(TraceEventKind kind) => kind == TraceEventKind.Mmap ? sh.FindLastIndex(e => e.Kind == kind) : sh.FindIndex(e => e.Kind == kind); // the program's own mmap: the last
        var touches = sh.Where(e => e.Kind == TraceEventKind.Touch).ToList();
        Assert.Equal(4, touches.Count);
        // The first fetch: the image's first page, where the model execs it; the store to the text is kept as a read.
        Assert.Equal((0x0804_8000L, (long)AccessKind.Execute), (touches[0].Arg0, touches[0].Arg2));
        Assert.Equal((0x0804_C000L, (long)AccessKind.Read), (touches[1].Arg0, touches[1].Arg2));
        Assert.True(sh.IndexOf(touches[1]) < Index(TraceEventKind.Mmap));
        // The store to the anonymous mapping: after its mmap, one page into it, and before the fork.
        var mmap = sh[Index(TraceEventKind.Mmap)];
        var anon = touches[2];
        Assert.Equal((mmap.Arg0 + 0x1000, (long)AccessKind.Write), (anon.Arg0, anon.Arg2));
        Assert.InRange(sh.IndexOf(anon), Index(TraceEventKind.Mmap) + 1, Index(TraceEventKind.Fork) - 1);
        // The stack's top page, after the fork.
        Assert.Equal(0xC000_0000L - 0x1000, touches[3].Arg0);
        Assert.True(sh.IndexOf(touches[3]) > Index(TraceEventKind.Fork));
        Assert.DoesNotContain(sh, e => e.Kind == TraceEventKind.PageFault);
        Assert.Equal(3, r.Counts.FaultsReplaced); // two user faults and the kernel's copy to the stack
        Assert.Equal((4L, 1L, 1L), (r.Counts.Touches, r.Counts.WritesDowngraded, r.Counts.TouchesDropped)); // 0x8000000: nothing there
        Assert.Equal((1, 2), (r.Counts.ImagesWithMemory, r.Counts.Images));
        // The user time is the same with the touches as without: only split around them.
        var plain = RecordingConverter.Convert(PerfScriptParser.Parse(new StringReader(PerfScriptParserTests.Sample), "t.script"), new ConvertOptions(2000), "t.script");
        Assert.Equal(plain.Counts.ComputeCycles, r.Counts.ComputeCycles);
        Assert.Equal(plain.Events.Where(e => e.Kind == TraceEventKind.Compute).Sum(e => e.Arg0), r.Events.Where(e => e.Kind == TraceEventKind.Compute).Sum(e => e.Arg0));
    }

    [Fact]
    public void A_trace_with_touches_replays_through_every_design()
    {
        var r = ConvertWithMemory();
        var trace = Path.Combine(_dir, "m.trace");
        PerfSim.IO.Trace.TraceFiles.Write(trace, new ListTraceSource("m", r.Events), PerfSim.IO.Trace.TraceFormat.Text);
        var err = new StringWriter();
        Assert.True(CliApp.Run(["replay", trace, "--designs", "all", "--machine", "p4-672-2006", "--out", Path.Combine(_dir, "o")], new StringWriter(), err) == 0, err.ToString());
    }
}
