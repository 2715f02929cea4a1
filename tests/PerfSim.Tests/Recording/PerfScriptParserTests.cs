using PerfSim.Core.Trace;
using PerfSim.IO.Recording;

namespace PerfSim.Tests.Recording;

/// <summary>perf script's text: syscalls joined per thread, tasks, faults, switches, signals, mappings, lost records, errors.</summary>
public sealed class PerfScriptParserTests
{
    /// <summary>A trimmed recording of sh -c 'ls | wc -l' (perf 6.1, the project's event list), pids renumbered.</summary>
    internal const string Sample = """
                 swapper     0/0     [000]     0.000000000: PERF_RECORD_MMAP -1/0: [0xffffffff81000000(0x1209988) @ 0xffffffff81000000]: x [kernel.kallsyms]_text
                      sh 100/100 [001] 16702.904033454: PERF_RECORD_MMAP2 100/100: [0x7ffff4572000(0x21000) @ 0x7ffffffde000 00:00 0 0]: rw-p [stack]
                      sh 100/100 [001] 16702.904041779: PERF_RECORD_MMAP2 100/100: [0x556e86964000(0x4000) @ 0 fe:00 247361 0]: r--p /usr/bin/dash
                      sh 100/100 [001] 16702.904052919: PERF_RECORD_MMAP2 100/100: [0x556e86968000(0x13000) @ 0x4000 fe:00 247361 0]: r-xp /usr/bin/dash
                      sh 100/100 [001] 16702.904057728: PERF_RECORD_MMAP2 100/100: [0x556e8697b000(0x3000) @ 0x17000 fe:00 247361 0]: rw-p /usr/bin/dash
                      sh 100/100 [001] 16702.904057900: PERF_RECORD_MMAP2 100/100: [0x556e8697e000(0x2000) @ 0x556e8697e000 00:00 0 0]: rw-p //anon
                      sh 100/100 [001] 16702.904058000: PERF_RECORD_MMAP2 100/100: [0x7fe19027d000(0x26000) @ 0x1000 fe:00 331651 0]: r-xp /usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2
                      sh 100/100 [001] 16702.904058100: PERF_RECORD_MMAP2 100/100: [0x7fe19027a000(0x2000) @ 0 00:00 0 0]: r-xp [vdso]
                      sh 100/100 [001] 16702.904060000:     sched:sched_process_exec: filename=/usr/bin/sh pid=100 old_pid=100
                      sh 100/100 [001] 16702.904061000:        raw_syscalls:sys_exit: NR 59 = 0
                      sh 100/100 [001] 16702.904070000:    exceptions:page_fault_user: address=0x556e86968b70 ip=0x556e86968b70 error_code=0x14
                      sh 100/100 [001] 16702.904071000:    exceptions:page_fault_user: address=0x556e8697b010 ip=0x556e86968b80 error_code=0x6
                      sh 100/100 [001] 16702.904072000:  exceptions:page_fault_kernel: address=0x7ffff4592ea9 ip=_copy_to_user error_code=0x2
                      sh 100/100 [001] 16702.904072500:  exceptions:page_fault_kernel: address=0xffff888012345678 ip=memcpy error_code=0x2
                      sh 100/100 [001] 16702.904080000:       raw_syscalls:sys_enter: NR 9 (0, 2000, 3, 22, ffffffff, 0)
                      sh 100/100 [001] 16702.904081000:        raw_syscalls:sys_exit: NR 9 = 140606762852352
                      sh 100/100 [001] 16702.904090000:       raw_syscalls:sys_enter: NR 56 (1200011, 0, 0, 7fe1900c7a10, 0, 0)
                      sh 100/100 [001] 16702.904095000:     sched:sched_process_fork: comm=sh pid=100 child_comm=sh child_pid=101
                      sh 101/101 [000] 16702.904096000:        raw_syscalls:sys_exit: NR 56 = 0
                      sh 100/100 [001] 16702.904097000:        raw_syscalls:sys_exit: NR 56 = 101
                      sh 100/100 [001] 16702.904098000:       raw_syscalls:sys_enter: NR 61 (ffffffffffffffff, 7ffff4590a5c, 0, 0, 0, 0)
                      sh 100/100 [001] 16702.904099000:           sched:sched_switch: prev_comm=sh prev_pid=100 prev_prio=120 prev_state=S ==> next_comm=swapper/1 next_pid=0 next_prio=120
                      sh 101/101 [000] 16702.904100000:       raw_syscalls:sys_enter: NR 231 (0, 0, 0, 0, 0, 0)
                      sh 101/101 [000] 16702.904101000:   sched:sched_process_exit: comm=sh pid=101 prio=120
                      sh 101/101 [000] 16702.904102000:           sched:sched_switch: prev_comm=sh prev_pid=101 prev_prio=120 prev_state=Z ==> next_comm=sh next_pid=100 next_prio=120
                      sh 100/100 [000] 16702.904103000:      signal:signal_deliver: sig=17 errno=0 code=1 sa_handler=556e86976dc0 sa_flags=4000000
                      sh 100/100 [000] 16702.904104000:        raw_syscalls:sys_exit: NR -1 = 101
                      sh 100/100 [000] 16702.904110000:       raw_syscalls:sys_enter: NR 231 (0, 0, 0, 0, 0, 0)
                      sh 100/100 [000] 16702.904111000:   sched:sched_process_exit: comm=sh pid=100 prio=120
        """;

    private static ParsedRecording Parse(string text) => PerfScriptParser.Parse(new StringReader(text), "t.script");

    [Fact]
    public void A_recording_parses_into_joined_syscalls_tasks_faults_switches_signals_and_mappings()
    {
        var r = Parse(Sample);
        Assert.False(r.Truncated);
        Assert.Empty(r.Warnings); // the child's first record (its return from clone) is expected, not a warning
        var mmap = Assert.Single(r.Events, e => e.Kind == RecordedKind.Syscall && e.Name == "mmap");
        Assert.Equal([0L, 0x2000, 3, 0x22, 0xffffffff, 0], mmap.Args);
        Assert.Equal(140606762852352, mmap.Return);
        Assert.Equal(16702_904080000L, mmap.TimeNs);
        Assert.Equal(16702_904081000L, mmap.ExitNs);
        var wait = Assert.Single(r.Events, e => e.Name == "wait4");
        Assert.Equal(101, wait.Return); // its exit said NR -1 (restarted after SIGCHLD)
        Assert.Equal(2, r.Events.Count(e => e.Name == "exit_group" && e.Unfinished));
        var fork = Assert.Single(r.Events, e => e.Kind == RecordedKind.Fork);
        Assert.Equal((100, 101), (fork.Tid, fork.Child));
        Assert.Equal("/usr/bin/sh", Assert.Single(r.Events, e => e.Kind == RecordedKind.Exec).Path);
        Assert.Equal(2, r.Events.Count(e => e.Kind == RecordedKind.Exit));
        var faults = r.Events.Where(e => e.Kind == RecordedKind.PageFault).ToList();
        Assert.Equal(3, faults.Count); // the fault on a kernel address is left out
        Assert.True(faults[0].Fetch && !faults[0].Write);
        Assert.True(faults[1].Write && !faults[1].Fetch);
        Assert.Equal(0x7ffff4592ea9, faults[2].Address);
        var switchIn = Assert.Single(r.Events, e => e.Kind == RecordedKind.SwitchIn);
        Assert.Equal((100, 0), (switchIn.Tid, switchIn.Cpu));
        var signal = Assert.Single(r.Events, e => e.Kind == RecordedKind.Signal);
        Assert.True(signal.Handled);
        Assert.Equal(17, signal.Signal);
        var stack = Assert.Single(r.Events, e => e.Kind == RecordedKind.Mapping && e.Path == "[stack]");
        Assert.Equal(0x7ffff4572000, stack.Address);
        Assert.Equal([0x21000L, 0x7ffffffde000, 3, 0], stack.Args);
        Assert.Equal(7, r.Events.Count(e => e.Kind == RecordedKind.Mapping)); // the kernel's own map (pid -1) is left out
        Assert.Equal(r.Events.OrderBy(e => e.TimeNs).Select(e => e.TimeNs), r.Events.Select(e => e.TimeNs));
    }

    [Fact]
    public void A_recording_that_ends_with_live_tasks_is_truncated_and_says_which()
    {
        var cut = string.Join('\n', Sample.Split('\n').Where(l => !l.Contains("sched_process_exit: comm=sh pid=100", StringComparison.Ordinal)));
        var r = Parse(cut);
        Assert.True(r.Truncated);
        Assert.Contains(r.Warnings, w => w.Contains("thread(s) 100", StringComparison.Ordinal));
    }

    [Fact]
    public void Lost_records_are_kept_and_reported()
    {
        var r = Parse(Sample + "\n              sh 100/100 [000] 16702.904112000: PERF_RECORD_LOST lost 17\n");
        Assert.Equal(17, Assert.Single(r.Events, e => e.Kind == RecordedKind.Lost).Return);
        Assert.Contains(r.Warnings, w => w.Contains("lost 17", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("garbage without the fields", "line")]
    [InlineData("sh 1/1 [000] 5.000000001: raw_syscalls:sys_enter: NR x (0)", "sys_enter")]
    [InlineData("sh 1/1 [000] 5.000000001: raw_syscalls:sys_enter: NR 9 (0, zz)", "sys_enter")]
    [InlineData("sh 1/1 [000] 5.000000001: raw_syscalls:sys_exit: NR 9 = lots", "sys_exit")]
    [InlineData("sh 1/1 [000] 5.000000001: sched:sched_process_fork: comm=sh pid=1", "child_pid")]
    [InlineData("sh 1/1 [000] 5.000000001: PERF_RECORD_MMAP2 1/1: nonsense", "mmap")]
    public void A_malformed_line_names_the_file_line_and_field(string line, string field)
    {
        var ex = Assert.Throws<TraceException>(() => Parse("\n" + line + "\n"));
        Assert.Equal("t.script", ex.Source);
        Assert.Equal(2, ex.Line);
        Assert.Equal(field, ex.Field);
    }
}
