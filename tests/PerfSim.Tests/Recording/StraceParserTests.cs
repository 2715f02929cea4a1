using PerfSim.Core.Trace;
using PerfSim.IO.Recording;

namespace PerfSim.Tests.Recording;

public sealed class StraceParserTests
{
    private const string Source = "rec.strace";

    [Fact]
    public void A_complete_call_gives_entry_and_exit_nanoseconds_args_return_and_path()
    {
        var result = Parse("""
            7 1795371852.883387 openat(-100, "/etc/ld.so.cache", 0x80000) = 3 <0.000098>
            7 1795371852.883500 +++ exited with 0 +++
            """);

        var call = result.Events[0];
        Assert.Equal(RecordedKind.Syscall, call.Kind);
        Assert.Equal("openat", call.Name);
        Assert.Equal(1_795_371_852_883_387_000, call.TimeNs);
        Assert.Equal(1_795_371_852_883_485_000, call.ExitNs);
        Assert.Equal([-100, 0, 0x80000], call.Args);
        Assert.Equal(3, call.Return);
        Assert.Equal("/etc/ld.so.cache", call.Path);
        Assert.Equal((7, 7, -1, 1L, false), (call.Tid, call.Pid, call.Cpu, call.Line, call.Unfinished));
        Assert.Empty(result.Warnings);
        Assert.False(result.Truncated);
    }

    [Theory]
    [InlineData("ENOENT (No such file or directory)", -2)]
    [InlineData("EINTR (Interrupted system call)", -4)]
    [InlineData("EBADF (Bad file descriptor)", -9)]
    [InlineData("ECHILD (No child processes)", -10)]
    [InlineData("EAGAIN (Resource temporarily unavailable)", -11)]
    [InlineData("EACCES (Permission denied)", -13)]
    [InlineData("EEXIST (File exists)", -17)]
    [InlineData("ENOTDIR (Not a directory)", -20)]
    [InlineData("EINVAL (Invalid argument)", -22)]
    [InlineData("ENOTTY (Inappropriate ioctl for device)", -25)]
    [InlineData("ESPIPE (Illegal seek)", -29)]
    [InlineData("EPIPE (Broken pipe)", -32)]
    [InlineData("ERRNO_530 (Unknown error 530)", -530)]
    public void A_failed_call_returns_minus_its_errno(string error, long expected)
    {
        var call = Parse($"7 1.000000 close(5) = -1 {error} <0.000010>\n").Events[0];

        Assert.Equal(expected, call.Return);
        Assert.False(call.Unfinished);
    }

    [Theory]
    [InlineData("ERESTARTSYS (To be restarted if SA_RESTART is set)", -512)]
    [InlineData("ERESTARTNOINTR (To be restarted)", -513)]
    [InlineData("ERESTARTNOHAND (To be restarted if no handler)", -514)]
    [InlineData("ERESTART_RESTARTBLOCK (Interrupted by signal)", -516)]
    public void A_call_interrupted_for_a_restart_returns_the_restart_code_and_is_not_unfinished(string error, long expected)
    {
        var call = Parse($"7 1.000000 rt_sigsuspend([], 8) = ? {error} <0.042490>\n").Events[0];

        Assert.Equal(expected, call.Return);
        Assert.False(call.Unfinished);
        Assert.Equal(1_042_490_000, call.ExitNs);
    }

    [Fact]
    public void An_unknown_errno_name_leaves_minus_one_and_warns()
    {
        var result = Parse("7 1.000000 close(5) = -1 EWHATEVER (Something) <0.000010>\n");

        Assert.Equal(-1, result.Events[0].Return);
        Assert.Contains(result.Warnings, w => w.StartsWith($"{Source}:1:", StringComparison.Ordinal) && w.Contains("EWHATEVER"));
    }

    [Fact]
    public void Hex_returns_and_text_after_the_return_value_are_read()
    {
        var events = Parse("""
            7 1.000000 brk(NULL)       = 0x564d0e168000 <0.000133>
            7 1.000200 poll([{fd=3, events=0x1}], 1, 0) = 1 ([{fd=3, revents=0x1}]) <0.000010>
            7 1.000300 lseek(3, 0, 0x2) = 18446744073709551615 <0.000010>
            """).Events;

        Assert.Equal([0x564d0e168000, 1, -1], events.Select(e => e.Return));
        Assert.Equal([0, 1, 0], events[1].Args);
    }

    [Fact]
    public void Without_a_duration_the_exit_time_is_the_entry_time()
    {
        var call = Parse("7 1.500000 getpid() = 7\n").Events[0];

        Assert.Equal((1_500_000_000L, 1_500_000_000L), (call.TimeNs, call.ExitNs));
        Assert.Empty(call.Args);
    }

    [Fact]
    public void Arguments_respect_nesting_quoted_strings_escapes_and_comments()
    {
        var events = Parse("""
            7 1.000000 execve("/bin/a,b(\"c\")", ["x", "y,z)"], 0x7ffe78184620 /* 43 vars, or so */) = -1 ENOENT (No such file or directory) <0.000010>
            7 1.000100 mmap(NULL, 8192, 0x3, 0x22, -1, 0) = 0x7f6df02b5000 <0.000106>
            7 1.000200 openat(-100, "/tmp/zz", 0x41, 0644) = 3 <0.000205>
            7 1.000300 statx(-100, "/tmp", |0x800, 0x2, {stx_mask=0x173f, stx_attributes=0, ...}) = 0 <0.000080>
            7 1.000400 wait4(-1, [{WIFEXITED(s) && WEXITSTATUS(s) == 0}], 0, NULL) = 8 <0.000015>
            7 1.000500 prlimit64(0, 0x3, NULL, {rlim_cur=8388608, rlim_max=18446744073709551615}) = 0 <0.000088>
            7 1.000600 write(1, "\x41\102\n\"\\"..., 5) = 5 <0.000010>
            7 1.000700 rt_sigprocmask(0x2, ~[9 19 32 33], [], 8) = 0 <0.000009>
            """).Events;

        Assert.Equal([0, 0, 0x7ffe78184620], events[0].Args);
        Assert.Equal("/bin/a,b(\"c\")", events[0].Path);
        Assert.Equal([0, 8192, 3, 0x22, -1, 0], events[1].Args);
        Assert.Equal([-100, 0, 0x41, 420], events[2].Args);
        Assert.Equal([-100, 0, 0x800, 2, 0], events[3].Args);
        Assert.Equal([-1, 0, 0, 0], events[4].Args);
        Assert.Equal([0, 3, 0, 0], events[5].Args);
        Assert.Equal("AB\n\"\\", events[6].Path);
        Assert.Equal([2, 0, 0, 8], events[7].Args);
        Assert.Null(events[7].Path);
    }

    [Fact]
    public void Unfinished_and_resumed_halves_interleaved_between_two_tasks_are_joined()
    {
        var result = Parse("""
            10 1.000000 clone(child_stack=NULL, flags=0x1200000|17, child_tidptr=0x7f00) = 11 <0.000100>
            11 1.000200 newfstatat(-100, "/usr/bin/wc",  <unfinished ...>
            10 1.000250 read(3,  <unfinished ...>
            11 1.000300 <... newfstatat resumed>0x7ffe8a59bb90, 0) = -1 ENOENT (No such file or directory) <0.000090>
            10 1.000400 <... read resumed>"abc", 4096) = 3 <0.000140>
            """);

        var stat = Assert.Single(result.Events, e => e.Name == "newfstatat");
        Assert.Equal((11, 11, 2L), (stat.Tid, stat.Pid, stat.Line));
        Assert.Equal((1_000_200_000L, 1_000_290_000L), (stat.TimeNs, stat.ExitNs));
        Assert.Equal([-100, 0, 0x7ffe8a59bb90, 0], stat.Args);
        Assert.Equal((-2L, "/usr/bin/wc"), (stat.Return, stat.Path));

        var read = Assert.Single(result.Events, e => e.Name == "read");
        Assert.Equal((10, 3L), (read.Tid, read.Line));
        Assert.Equal((1_000_250_000L, 1_000_390_000L), (read.TimeNs, read.ExitNs));
        Assert.Equal([3, 0, 4096], read.Args);
        Assert.Equal((3L, "abc"), (read.Return, read.Path));

        Assert.Equal(["clone", "", "newfstatat", "read"], result.Events.Select(e => e.Name));
        Assert.DoesNotContain(result.Warnings, w => w.Contains("resumed"));
    }

    [Fact]
    public void A_joined_calls_duration_counts_from_its_entry_and_without_one_it_ends_at_the_resumed_line()
    {
        // strace -T measures entry to exit: this wait4 entered at 1.0, returned 0.027714 s later, printed at 1.027730.
        var events = Parse("""
            7 1.000000 wait4(-1,  <unfinished ...>
            8 1.010000 exit_group(0 <unfinished ...>
            7 1.027730 <... wait4 resumed>NULL, 0, NULL) = 8 <0.027714>
            8 1.027800 <... exit_group resumed>) = ?
            """).Events;

        Assert.Equal(1_027_714_000, events[0].ExitNs);
        Assert.Equal((true, 1_027_800_000L), (events[1].Unfinished, events[1].ExitNs));
    }

    [Fact]
    public void A_resumed_line_without_its_unfinished_half_is_a_warning()
    {
        var result = Parse("""
            7 1.000000 getpid() = 7 <0.000001>
            7 1.000100 <... read resumed>"", 10) = 0 <0.000001>
            """);

        Assert.Single(result.Events);
        Assert.Contains(result.Warnings, w => w.StartsWith($"{Source}:2:", StringComparison.Ordinal) && w.Contains("read resumed"));
    }

    [Fact]
    public void Exit_group_never_returns_and_the_exit_line_gives_the_status()
    {
        var result = Parse("""
            7 1.000000 exit_group(3)   = ?
            7 1.000100 +++ exited with 3 +++
            """);

        var call = result.Events[0];
        Assert.Equal(("exit_group", true, 0L, 1_000_000_000L), (call.Name, call.Unfinished, call.Return, call.ExitNs));
        Assert.Equal([3], call.Args);
        var exit = result.Events[1];
        Assert.Equal((RecordedKind.Exit, 3L, 0, 1_000_100_000L, 2L), (exit.Kind, exit.Return, exit.Signal, exit.TimeNs, exit.Line));
        Assert.Empty(result.Warnings);
        Assert.False(result.Truncated);
    }

    [Fact]
    public void A_task_ending_inside_exit_group_without_a_resumed_line_is_not_a_warning()
    {
        var result = Parse("""
            7 1.000000 exit_group(0 <unfinished ...>
            7 1.000100 +++ exited with 0 +++
            """);

        var call = result.Events[0];
        Assert.Equal(("exit_group", true, 1_000_100_000L), (call.Name, call.Unfinished, call.ExitNs));
        Assert.Empty(result.Warnings);
    }

    [Fact]
    public void A_task_killed_by_a_signal_exits_with_that_signal()
    {
        var result = Parse("""
            7 1.000000 clone(child_stack=NULL, flags=0x1200000|17, child_tidptr=0x7f00) = 8 <0.000100>
            8 1.000337 set_robust_list(0x7ff5616daa20, 24 <unfinished ...>
            8 1.000397 <... set_robust_list resumed>) = ?
            8 1.000500 +++ killed by SIGKILL +++
            7 1.000600 --- SIGSEGV {si_signo=11, si_code=0x1, si_addr=NULL} ---
            7 1.000700 +++ killed by SIGSEGV (core dumped) +++
            """);

        var exits = result.Events.Where(e => e.Kind == RecordedKind.Exit).ToArray();
        Assert.Equal([(8, 9), (7, 11)], exits.Select(e => (e.Tid, e.Signal)));
        Assert.True(Assert.Single(result.Events, e => e.Name == "set_robust_list").Unfinished);
        Assert.Empty(result.Warnings);
    }

    [Fact]
    public void Clone_with_flags_0x1200000_or_17_creates_a_process()
    {
        var events = Parse("""
            10 1.000000 clone(child_stack=NULL, flags=0x1200000|17, child_tidptr=0x7f6df00c7a10) = 11 <0.000274>
            11 1.000400 getpid() = 11 <0.000010>
            """).Events;

        Assert.Equal([RecordedKind.Syscall, RecordedKind.Fork, RecordedKind.Syscall], events.Select(e => e.Kind));
        Assert.Equal([0x1200011, 0, 0, 0x7f6df00c7a10, 0], events[0].Args);
        var fork = events[1];
        Assert.Equal((10, 10, 11, false, false), (fork.Tid, fork.Pid, fork.Child, fork.Thread, fork.VFork));
        Assert.Equal((1_000_000_000L, 1L), (fork.TimeNs, fork.Line));
        Assert.Equal((11, 11), (events[2].Tid, events[2].Pid));
    }

    [Fact]
    public void Clone3_with_CLONE_VM_and_CLONE_THREAD_creates_a_thread_of_the_parents_process()
    {
        var events = Parse("""
            20 1.000000 clone3({flags=0x3d0f00, child_tid=0x7fbc47749990, parent_tid=0x7fbc47749990, exit_signal=0, stack=0x7fbc46f49000, stack_size=0x7fff80, tls=0x7fbc477496c0} => {parent_tid=[21]}, 88) = 21 <0.000153>
            21 1.000200 write(1, "t\n", 2) = 2 <0.000074>
            21 1.000300 exit(0)         = ?
            21 1.000400 +++ exited with 0 +++
            """).Events;

        Assert.Equal([0x3d0f00, 88], events[0].Args);
        var fork = events[1];
        Assert.Equal((RecordedKind.Fork, 21, true, false), (fork.Kind, fork.Child, fork.Thread, fork.VFork));
        Assert.All(events, e => Assert.Equal(20, e.Pid));
        Assert.Equal([20, 20, 21, 21, 21], events.Select(e => e.Tid));
    }

    [Fact]
    public void A_thread_that_prints_before_its_clone3_returns_still_gets_the_parents_pid()
    {
        var events = Parse("""
            20 1.000000 clone3({flags=0x3d0f00, exit_signal=0, stack=0x7f00, stack_size=0x7fff80}, 88 <unfinished ...>
            21 1.000100 rseq(0x7fbc47749fe0, 0x20, 0, 0x53053053) = 0 <0.000031>
            20 1.000300 <... clone3 resumed> => {parent_tid=[21]}, 88) = 21 <0.000290>
            """).Events;

        var rseq = Assert.Single(events, e => e.Name == "rseq");
        Assert.Equal((21, 20), (rseq.Tid, rseq.Pid));
        Assert.True(Assert.Single(events, e => e.Kind == RecordedKind.Fork).Thread);
    }

    [Fact]
    public void A_thread_printing_while_two_forks_are_in_progress_gets_its_pid_when_its_clone3_returns()
    {
        // Two forks in progress: the child's process cannot be guessed, so it is fixed when its clone returns.
        var events = Parse("""
            20 1.000000 clone3({flags=0x3d0f00, exit_signal=0, stack=0x7f00, stack_size=0x7fff80}, 88 <unfinished ...>
            22 1.000010 clone(child_stack=NULL, flags=0x1200000|17, child_tidptr=0x7f00 <unfinished ...>
            21 1.000100 rseq(0x7fbc47749fe0, 0x20, 0, 0x53053053) = 0 <0.000031>
            20 1.000300 <... clone3 resumed> => {parent_tid=[21]}, 88) = 21 <0.000290>
            22 1.000400 <... clone resumed>) = 23 <0.000390>
            """).Events;

        Assert.Equal(20, Assert.Single(events, e => e.Name == "rseq").Pid);
    }

    [Fact]
    public void Vfork_is_a_vfork_fork_at_its_entry_before_the_childs_events()
    {
        var events = Parse("""
            30 1.857985 vfork( <unfinished ...>
            31 1.858138 execve("/nonexistent", ["x"], 0x7ffe41cbbff8 /* 43 vars */) = -1 ENOENT (No such file or directory) <0.000174>
            31 1.858370 execve("/bin/true", ["true"], 0x7ffe41cbbff8 /* 43 vars */ <unfinished ...>
            30 1.858748 <... vfork resumed>) = 31 <0.000751>
            30 1.858783 wait4(31,  <unfinished ...>
            31 1.858944 <... execve resumed>) = 0 <0.000549>
            31 1.860289 exit_group(0)   = ?
            31 1.860407 +++ exited with 0 +++
            30 1.860455 <... wait4 resumed>NULL, 0, NULL) = 31 <0.001658>
            """).Events;

        Assert.Equal(("vfork", RecordedKind.Fork), (events[0].Name, events[1].Kind));
        Assert.Equal((1_857_985_000L, 1_858_736_000L, 31L), (events[0].TimeNs, events[0].ExitNs, events[0].Return));
        Assert.Equal((30, 31, true, false), (events[1].Tid, events[1].Child, events[1].VFork, events[1].Thread));
        Assert.Equal(1_857_985_000, events[1].TimeNs);
        Assert.All(events.Where(e => e.Tid == 31), e => Assert.True(e.TimeNs > events[1].TimeNs && e.Pid == 31));
    }

    [Fact]
    public void Clone3_with_CLONE_VM_and_CLONE_VFORK_is_a_vfork_not_a_thread()
    {
        var events = Parse("""
            40 1.043706 clone3({flags=0x4100, exit_signal=17, stack=0x7f021e9f4000, stack_size=0x9000}, 88 <unfinished ...>
            40 1.076938 <... clone3 resumed>) = 41 <0.033196>
            """).Events;

        var fork = Assert.Single(events, e => e.Kind == RecordedKind.Fork);
        Assert.Equal((41, true, false), (fork.Child, fork.VFork, fork.Thread));
        Assert.Equal([0x4100, 88], events[0].Args);
    }

    [Fact]
    public void A_successful_execve_is_also_an_exec_at_its_exit_time_and_a_failed_one_only_a_syscall()
    {
        var events = Parse("""
            7 1.000000 execve("/usr/local/bin/ls", ["ls"], 0x7ffe /* 3 vars */) = -1 ENOENT (No such file or directory) <0.000100>
            7 1.000200 execve("/usr/bin/ls", ["ls"], 0x7ffe /* 3 vars */) = 0 <0.000500>
            """).Events;

        Assert.Equal([RecordedKind.Syscall, RecordedKind.Syscall, RecordedKind.Exec], events.Select(e => e.Kind));
        var exec = events[2];
        Assert.Equal(("/usr/bin/ls", 1_000_700_000L, 7, 7, 2L), (exec.Path, exec.TimeNs, exec.Tid, exec.Pid, exec.Line));
    }

    [Fact]
    public void A_signal_with_a_user_handler_is_handled_and_an_ignored_one_is_not()
    {
        var signals = Signals("""
            7 1.000000 rt_sigaction(10, {sa_handler=0x55cc3d0ad1a9, sa_mask=[10], sa_flags=0x14000000, sa_restorer=0x7ff561719050}, {sa_handler=0, sa_mask=[], sa_flags=0}, 8) = 0 <0.000009>
            7 1.000100 --- SIGUSR1 {si_signo=10, si_code=0, si_pid=7, si_uid=0} ---
            7 1.000200 rt_sigaction(12, {sa_handler=0x1, sa_mask=[12], sa_flags=0x14000000, sa_restorer=0x7ff561719050}, {sa_handler=0, sa_mask=[], sa_flags=0}, 8) = 0 <0.000009>
            7 1.000300 --- SIGUSR2 {si_signo=12, si_code=0, si_pid=7, si_uid=0} ---
            7 1.000400 --- SIGCHLD {si_signo=17, si_code=0x1, si_pid=8, si_uid=0, si_status=0, si_utime=0, si_stime=0} ---
            """);

        Assert.Equal([(10, true), (12, false), (17, false)], signals);
    }

    [Fact]
    public void Rt_sigaction_puts_the_new_handler_in_the_second_argument()
    {
        var events = Parse("""
            7 1.000000 rt_sigaction(17, {sa_handler=0x564ccf7e7dc0, sa_mask=~[32 33], sa_flags=0x4000000, sa_restorer=0x7f6df0106050}, NULL, 8) = 0 <0.000100>
            7 1.000200 rt_sigaction(2, NULL, {sa_handler=0x564ccf7e7dc0, sa_mask=[], sa_flags=0}, 8) = 0 <0.000076>
            7 1.000300 rt_sigaction(SIGINT, {sa_handler=SIG_IGN, sa_mask=[], sa_flags=0}, NULL, 8) = 0 <0.000076>
            """).Events;

        Assert.Equal([17, 0x564ccf7e7dc0, 0, 8], events[0].Args);
        Assert.Equal([2, 0, 0, 8], events[1].Args);
        Assert.Equal([2, 1, 0, 8], events[2].Args);
    }

    [Fact]
    public void Restoring_the_default_action_or_only_asking_for_the_old_one_behave_as_the_kernel_does()
    {
        var signals = Signals("""
            7 1.000000 rt_sigaction(2, {sa_handler=0x5600, sa_mask=[], sa_flags=0x4000000}, NULL, 8) = 0 <0.000010>
            7 1.000100 rt_sigaction(2, NULL, {sa_handler=0x5600, sa_mask=[], sa_flags=0x4000000}, 8) = 0 <0.000010>
            7 1.000200 --- SIGINT {si_signo=2, si_code=0x80} ---
            7 1.000300 rt_sigaction(9, {sa_handler=0x5600, sa_mask=[], sa_flags=0}, NULL, 8) = -1 EINVAL (Invalid argument) <0.000010>
            7 1.000400 rt_sigaction(2, {sa_handler=0, sa_mask=[], sa_flags=0}, NULL, 8) = 0 <0.000010>
            7 1.000500 --- SIGINT {si_signo=2, si_code=0x80} ---
            """);

        Assert.Equal([(2, true), (2, false)], signals);
    }

    [Fact]
    public void Execve_resets_handlers_and_fork_copies_them_to_the_child()
    {
        var signals = Signals("""
            7 1.000000 rt_sigaction(10, {sa_handler=0x5600, sa_mask=[], sa_flags=0}, NULL, 8) = 0 <0.000010>
            7 1.000100 clone(child_stack=NULL, flags=0x1200000|17, child_tidptr=0x7f00) = 8 <0.000100>
            8 1.000300 --- SIGUSR1 {si_signo=10, si_code=0} ---
            8 1.000400 execve("/bin/sh", ["sh"], 0x7ffd /* 43 vars */) = 0 <0.000234>
            8 1.000700 --- SIGUSR1 {si_signo=10, si_code=0} ---
            7 1.000800 --- SIGUSR1 {si_signo=10, si_code=0} ---
            """);

        Assert.Equal([(10, true), (10, false), (10, true)], signals);
    }

    [Fact]
    public void Threads_share_their_process_handlers()
    {
        var signals = Signals("""
            20 1.000000 clone3({flags=0x3d0f00, exit_signal=0, stack=0x7f00, stack_size=0x7fff80}, 88) = 21 <0.000100>
            21 1.000200 rt_sigaction(34, {sa_handler=0x5600, sa_mask=[34], sa_flags=0x14000000}, NULL, 8) = 0 <0.000010>
            20 1.000300 --- SIGRT_2 {si_signo=34, si_code=0} ---
            """);

        Assert.Equal([(34, true)], signals);
    }

    [Fact]
    public void A_one_shot_handler_handles_only_the_first_delivery()
    {
        var signals = Signals("""
            7 1.000000 rt_sigaction(1, {sa_handler=0x5600, sa_mask=[], sa_flags=0xffffffff84000000, sa_restorer=0x7f00}, NULL, 8) = 0 <0.000076>
            7 1.000100 --- SIGHUP {si_signo=1, si_code=0} ---
            7 1.000200 --- SIGHUP {si_signo=1, si_code=0} ---
            """);

        Assert.Equal([(1, true), (1, false)], signals);
    }

    [Theory]
    [InlineData("SIGHUP", 1)]
    [InlineData("SIGKILL", 9)]
    [InlineData("SIGSEGV", 11)]
    [InlineData("SIGCHLD", 17)]
    [InlineData("SIGWINCH", 28)]
    [InlineData("SIGSYS", 31)]
    [InlineData("SIGRT_0", 32)]
    [InlineData("SIGRT_8", 40)]
    public void Signal_names_have_their_x86_64_numbers(string name, int number)
    {
        Assert.Equal([(number, false)], Signals($"7 1.000000 --- {name} {{si_signo={number}, si_code=0}} ---\n"));
    }

    [Fact]
    public void A_thread_that_execs_continues_as_the_leader_and_its_own_id_ends()
    {
        var result = Parse("""
            20 1.000000 clone3({flags=0x3d0f00, exit_signal=0, stack=0x7f00, stack_size=0x7fff80}, 88) = 21 <0.000100>
            20 1.000200 pause( <unfinished ...>
            21 1.000300 execve("/bin/true", ["true"], 0x7ffe /* 43 vars */ <unfinished ...>
            20 1.000900 <... pause resumed>) = ?
            20 1.001000 +++ superseded by execve in pid 21 +++
            20 1.001100 <... execve resumed>) = 0 <0.000900>
            20 1.001500 exit_group(0)   = ?
            20 1.001600 +++ exited with 0 +++
            """);

        var exec = Assert.Single(result.Events, e => e.Kind == RecordedKind.Exec);
        Assert.Equal((20, 20, "/bin/true", 1_001_200_000L), (exec.Tid, exec.Pid, exec.Path, exec.TimeNs));
        var execve = Assert.Single(result.Events, e => e.Name == "execve");
        Assert.Equal((20, 1_000_300_000L, 3L), (execve.Tid, execve.TimeNs, execve.Line));
        Assert.Equal([(21, 20), (20, 20)], result.Events.Where(e => e.Kind == RecordedKind.Exit).Select(e => (e.Tid, e.Pid)));
        Assert.Empty(result.Warnings);
        Assert.False(result.Truncated);
    }

    [Fact]
    public void A_recording_that_ends_before_every_task_exits_is_truncated_with_a_warning_naming_them()
    {
        var result = Parse("""
            7 1.000000 clone(child_stack=NULL, flags=0x1200000|17, child_tidptr=0x7f00) = 8 <0.000100>
            8 1.000200 getpid() = 8 <0.000010>
            7 1.000300 wait4(-1,  <unfinished ...>
            """);

        Assert.True(result.Truncated);
        Assert.Contains(result.Warnings, w => w.Contains("7, 8"));
        var wait = Assert.Single(result.Events, e => e.Name == "wait4");
        Assert.Equal((true, 1_000_300_000L, 1_000_300_000L), (wait.Unfinished, wait.TimeNs, wait.ExitNs));
        Assert.Equal([-1], wait.Args);
        Assert.Contains(result.Warnings, w => w.StartsWith($"{Source}:3:", StringComparison.Ordinal) && w.Contains("wait4"));
    }

    [Fact]
    public void A_forked_child_that_never_prints_still_has_to_exit()
    {
        var result = Parse("""
            7 1.000000 clone(child_stack=NULL, flags=0x1200000|17, child_tidptr=0x7f00) = 8 <0.000100>
            7 1.000300 exit_group(0) = ?
            7 1.000400 +++ exited with 0 +++
            """);

        Assert.True(result.Truncated);
        Assert.Contains(result.Warnings, w => w.Contains("task(s) 8 "));
    }

    [Theory]
    [InlineData("hello world", 2, "pid")]
    [InlineData("[pid 7] 1.000000 getpid() = 7", 2, "pid")]
    [InlineData("7 12:00:01.000000 getpid() = 7", 2, "timestamp")]
    [InlineData("7 getpid() = 7", 2, "timestamp")]
    [InlineData("7", 2, "timestamp")]
    public void A_line_without_pid_and_timestamp_throws_naming_the_line_and_field(string line, long lineNumber, string field)
    {
        var error = Assert.Throws<TraceException>(() => Parse($"7 1.000000 getpid() = 7\n{line}\n"));

        Assert.Equal((Source, lineNumber, field), (error.Source, error.Line, error.Field));
        Assert.StartsWith($"{Source}:2: field '{field}': expected", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Strace_messages_and_unreadable_event_text_are_skipped_with_warnings()
    {
        var result = Parse("""
            strace: Process 7 attached

            7 1.000000 ???
            7 1.000100 getpid() = 7
            7 1.000200 getpid(
            7 1.000300 --- stopped by SIGSTOP ---
            7 1.000400 +++ exited with 0 +++
            """);

        Assert.Equal([RecordedKind.Syscall, RecordedKind.Exit], result.Events.Select(e => e.Kind));
        Assert.Equal([4L, 7L], result.Events.Select(e => e.Line));
        Assert.Equal(3, result.Warnings.Count);
        Assert.Equal([$"{Source}:1:", $"{Source}:3:", $"{Source}:5:"], result.Warnings.Select(w => w[..(Source.Length + 3)]));
    }

    [Fact]
    public void Events_are_sorted_by_time_and_equal_times_keep_file_order()
    {
        var events = Parse("""
            7 1.000000 read(3,  <unfinished ...>
            8 1.000300 getpid() = 8
            9 1.000300 getpid() = 9
            8 1.000100 getppid() = 7
            7 1.000400 <... read resumed>"", 10) = 0 <0.000400>
            """).Events;

        Assert.Equal([(7, "read"), (8, "getppid"), (8, "getpid"), (9, "getpid")], events.Select(e => (e.Tid, e.Name)));
    }

    [Fact]
    public void A_real_sh_ls_pipe_wc_recording_has_two_forks_three_execs_and_three_exits()
    {
        var result = Parse(ShLsPipeWc);

        Assert.Empty(result.Warnings);
        Assert.False(result.Truncated);
        var forks = result.Events.Where(e => e.Kind == RecordedKind.Fork).ToArray();
        Assert.Equal([13848, 13849], forks.Select(e => e.Child));
        Assert.All(forks, f => Assert.False(f.Thread || f.VFork));
        Assert.Equal(["/usr/bin/sh", "/usr/bin/ls", "/usr/bin/wc"],
            result.Events.Where(e => e.Kind == RecordedKind.Exec).Select(e => e.Path));
        Assert.Equal([13848, 13849, 13847], result.Events.Where(e => e.Kind == RecordedKind.Exit).Select(e => e.Tid));
        Assert.Equal([(17, true), (17, true)],
            result.Events.Where(e => e.Kind == RecordedKind.Signal).Select(e => (e.Signal, e.Handled)));
        Assert.Equal(33, result.Events.Count(e => e.Kind == RecordedKind.Syscall));
        Assert.All(result.Events, e => Assert.Equal(e.Tid, e.Pid));
        Assert.All(result.Events, e => Assert.True(e.ExitNs >= e.TimeNs));
        Assert.Equal(result.Events.OrderBy(e => e.TimeNs).Select(e => e.TimeNs), result.Events.Select(e => e.TimeNs));
    }

    private static StraceParseResult Parse(string text) => StraceParser.Parse(new StringReader(text), Source);

    private static (int Signal, bool Handled)[] Signals(string text) =>
        Parse(text).Events.Where(e => e.Kind == RecordedKind.Signal).Select(e => (e.Signal, e.Handled)).ToArray();

    /// <summary>58 lines of `strace -f -ttt -T -X raw -s 256 -o FILE -- sh -c 'ls | wc -l'` (strace 6.1), trimmed in the middle.</summary>
    private const string ShLsPipeWc = """
        13847 1795371878.761608 execve("/usr/bin/sh", ["sh", "-c", "ls | wc -l"], 0x7ffc8decde20 /* 43 vars */) = 0 <0.000414>
        13847 1795371878.769011 rt_sigaction(17, {sa_handler=0x563280368dc0, sa_mask=~[32 33], sa_flags=0x4000000, sa_restorer=0x7fa7ceaf8050}, NULL, 8) = 0 <0.000081>
        13847 1795371878.774022 pipe2([3, 4], 0) = 0 <0.000079>
        13847 1795371878.774194 clone(child_stack=NULL, flags=0x1200000|17, child_tidptr=0x7fa7ceab9a10) = 13848 <0.000241>
        13848 1795371878.774533 set_robust_list(0x7fa7ceab9a20, 24 <unfinished ...>
        13847 1795371878.774581 close(4 <unfinished ...>
        13848 1795371878.774605 <... set_robust_list resumed>) = 0 <0.000054>
        13847 1795371878.774635 <... close resumed>) = 0 <0.000041>
        13848 1795371878.774885 dup2(4, 1 <unfinished ...>
        13848 1795371878.774975 <... dup2 resumed>) = 1 <0.000078>
        13847 1795371878.775261 newfstatat(-100, "/usr/sbin/wc",  <unfinished ...>
        13848 1795371878.775284 execve("/usr/bin/ls", ["ls"], 0x563281037cb8 /* 43 vars */ <unfinished ...>
        13847 1795371878.775365 <... newfstatat resumed>0x7ffe9680a360, 0) = -1 ENOENT (No such file or directory) <0.000088>
        13847 1795371878.775394 newfstatat(-100, "/usr/bin/wc", {st_mode=0100755, st_size=52280, ...}, 0) = 0 <0.000013>
        13847 1795371878.775453 clone(child_stack=NULL, flags=0x1200000|17, child_tidptr=0x7fa7ceab9a10) = 13849 <0.000126>
        13847 1795371878.775637 close(3)        = 0 <0.000044>
        13847 1795371878.775715 close(-1 <unfinished ...>
        13849 1795371878.775733 set_robust_list(0x7fa7ceab9a20, 24 <unfinished ...>
        13848 1795371878.775761 <... execve resumed>) = 0 <0.000428>
        13847 1795371878.775786 <... close resumed>) = -1 EBADF (Bad file descriptor) <0.000058>
        13847 1795371878.775822 wait4(-1,  <unfinished ...>
        13849 1795371878.775838 <... set_robust_list resumed>) = 0 <0.000094>
        13848 1795371878.775867 brk(NULL <unfinished ...>
        13849 1795371878.776732 dup2(3, 0 <unfinished ...>
        13848 1795371878.776772 <... brk resumed>) = 0x56043098b000 <0.000893>
        13849 1795371878.776845 <... dup2 resumed>) = 0 <0.000092>
        13849 1795371878.777491 execve("/usr/bin/wc", ["wc", "-l"], 0x563281037ce8 /* 43 vars */ <unfinished ...>
        13849 1795371878.778010 <... execve resumed>) = 0 <0.000489>
        13849 1795371878.802149 read(0,  <unfinished ...>
        13848 1795371878.802177 close(1 <unfinished ...>
        13849 1795371878.802244 <... read resumed>"", 16320) = 0 <0.000080>
        13848 1795371878.802274 <... close resumed>) = 0 <0.000086>
        13849 1795371878.802345 newfstatat(1, "",  <unfinished ...>
        13848 1795371878.802384 close(2 <unfinished ...>
        13849 1795371878.802433 <... newfstatat resumed>{st_mode=0100644, st_size=60, ...}, 0x1000) = 0 <0.000066>
        13848 1795371878.802466 <... close resumed>) = 0 <0.000070>
        13849 1795371878.802521 write(1, "1\n", 2 <unfinished ...>
        13848 1795371878.802557 exit_group(0 <unfinished ...>
        13849 1795371878.802628 <... write resumed>) = 2 <0.000086>
        13848 1795371878.802659 <... exit_group resumed>) = ?
        13849 1795371878.802720 close(0)        = 0 <0.000221>
        13848 1795371878.802980 +++ exited with 0 +++
        13847 1795371878.802995 <... wait4 resumed>[{WIFEXITED(s) && WEXITSTATUS(s) == 0}], 0, NULL) = 13848 <0.027160>
        13847 1795371878.803031 --- SIGCHLD {si_signo=17, si_code=0x1, si_pid=13848, si_uid=0, si_status=0, si_utime=0, si_stime=0} ---
        13849 1795371878.803069 close(1 <unfinished ...>
        13847 1795371878.803104 rt_sigreturn({mask=[]} <unfinished ...>
        13849 1795371878.803129 <... close resumed>) = 0 <0.000046>
        13847 1795371878.803168 <... rt_sigreturn resumed>) = 13848 <0.000046>
        13847 1795371878.803196 wait4(-1,  <unfinished ...>
        13849 1795371878.803215 close(2)        = 0 <0.000071>
        13849 1795371878.803373 exit_group(0)   = ?
        13849 1795371878.803714 +++ exited with 0 +++
        13847 1795371878.803733 <... wait4 resumed>[{WIFEXITED(s) && WEXITSTATUS(s) == 0}], 0, NULL) = 13849 <0.000524>
        13847 1795371878.803769 --- SIGCHLD {si_signo=17, si_code=0x1, si_pid=13849, si_uid=0, si_status=0, si_utime=0, si_stime=0} ---
        13847 1795371878.803800 rt_sigreturn({mask=[]}) = 13849 <0.000014>
        13847 1795371878.803849 wait4(-1, 0x7ffe9680a2ec, 0x1, NULL) = -1 ECHILD (No child processes) <0.000012>
        13847 1795371878.803899 exit_group(0)   = ?
        13847 1795371878.804074 +++ exited with 0 +++
        """;
}
