using PerfSim.Cli;
using PerfSim.Tests.Golden;

namespace PerfSim.Tests.Cli;

public sealed class CliTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "perfsim-cli-" + Guid.NewGuid().ToString("N"));

    public CliTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        var code = CliApp.Run(args, o, e);
        return (code, o.ToString(), e.ToString());
    }

    [Fact]
    public void Run_writes_every_output_file_and_prints_a_table()
    {
        var (code, stdout, _) = Run("run", "--workloads", "null-call,fork", "--designs", "native", "--out", _dir);
        Assert.Equal(0, code);
        foreach (var f in new[] { "results.csv", "breakdown.csv", "counters.csv", "results.md", "resolved-config.json" })
        {
            Assert.True(File.Exists(Path.Combine(_dir, f)), f);
        }
        Assert.Contains("null-call", stdout);
        var lines = File.ReadAllLines(Path.Combine(_dir, "results.csv"));
        Assert.StartsWith("workload,design,machine,cpus,iterations,cycles_per_iter,us_per_iter,overhead_vs_native", lines[0]);
        Assert.Equal(3, lines.Length);
        Assert.Empty(Directory.GetFiles(_dir, "*.tmp"));
    }

    [Fact]
    public void The_same_seed_gives_byte_identical_csv()
    {
        var a = Path.Combine(_dir, "a");
        var b = Path.Combine(_dir, "b");
        Assert.Equal(0, Run("run", "--workloads", "page-fault,ctx-2p-16k", "--seed", "7", "--out", a).Code);
        Assert.Equal(0, Run("run", "--workloads", "page-fault,ctx-2p-16k", "--seed", "7", "--out", b).Code);
        foreach (var f in new[] { "results.csv", "breakdown.csv", "counters.csv", "resolved-config.json" })
        {
            Assert.Equal(File.ReadAllBytes(Path.Combine(a, f)), File.ReadAllBytes(Path.Combine(b, f)));
        }
    }

    [Theory]
    [InlineData("run --workloads nul-call", "unknown workload 'nul-call' (did you mean 'null-call'?)")]
    [InlineData("run --designs xen", "unknown design 'xen'")]
    [InlineData("run --machine xeon", "unknown machine 'xeon'")]
    [InlineData("run --set trap_entri=5", "unknown key 'trap_entri' (did you mean 'trap_entry'?)")]
    [InlineData("run --set trap_entry=fast", "'fast' is not an integer")]
    [InlineData("run --set kernel.trap_entry=5", "unknown key 'kernel.trap_entry'")]
    [InlineData("run --cpus 0", "--cpus 0")]
    [InlineData("run --set process.heap_page=3", "unknown key 'process.heap_page' (did you mean 'process.heap_pages'?)")]
    [InlineData("run --set process.libc_text_pages=400", "exceeds process.libc_text_mapped")]
    [InlineData("run --designs paging-nested", "nested paging, which machine 'xeon-2400-2003' does not have")]
    [InlineData("run --bogus", "--bogus")]
    [InlineData("list things", "things")]
    public void Bad_input_exits_with_code_2_and_says_what_is_wrong(string args, string message)
    {
        var (code, _, err) = Run(args.Split(' '));
        Assert.Equal(2, code);
        Assert.Contains(message, err);
    }

    [Fact]
    public void Replay_of_a_malformed_trace_names_the_file_line_and_field()
    {
        var trace = Path.Combine(_dir, "bad.trace");
        File.WriteAllText(trace, "exec pid=1 text_pages=4\ntouch pid=1 addr=0x08048000 len=4096 acess=r\n");
        var (code, _, err) = Run("replay", trace, "--out", Path.Combine(_dir, "out"));
        Assert.Equal(2, code);
        Assert.Contains("bad.trace:2", err);
        Assert.Contains("acess", err);
    }

    [Fact]
    public void Replay_of_an_impossible_trace_is_invalid_input_not_a_crash()
    {
        var trace = Path.Combine(_dir, "impossible.trace");
        File.WriteAllText(trace, "wait pid=1 child=9\n");
        var (code, _, err) = Run("replay", trace, "--out", Path.Combine(_dir, "out"));
        Assert.Equal(2, code);
        Assert.Contains("no child 9", err);
    }

    [Fact]
    public void An_output_folder_that_cannot_be_made_is_invalid_input_not_a_crash()
    {
        var file = Path.Combine(_dir, "a-file");
        File.WriteAllText(file, "x");
        var (code, _, err) = Run("run", "--workloads", "null-call", "--designs", "native", "--out", Path.Combine(file, "sub"));
        Assert.Equal(2, code);
        Assert.DoesNotContain("internal error", err);
    }

    [Fact]
    public void Replay_of_a_missing_file_is_invalid_input()
    {
        var (code, _, err) = Run("replay", Path.Combine(_dir, "nope.trace"));
        Assert.Equal(2, code);
        Assert.Contains("does not exist", err);
    }

    [Fact]
    public void Set_overrides_change_the_result_and_are_recorded()
    {
        var a = Path.Combine(_dir, "a");
        var b = Path.Combine(_dir, "b");
        Assert.Equal(0, Run("run", "--workloads", "null-call", "--out", a).Code);
        Assert.Equal(0, Run("run", "--workloads", "null-call", "--set", "trap_entry=1420", "--out", b).Code);
        var ca = double.Parse(File.ReadAllLines(Path.Combine(a, "results.csv"))[1].Split(',')[5], System.Globalization.CultureInfo.InvariantCulture);
        var cb = double.Parse(File.ReadAllLines(Path.Combine(b, "results.csv"))[1].Split(',')[5], System.Globalization.CultureInfo.InvariantCulture);
        var shipped = PerfSim.IO.Config.ConfigCatalog.Locate().LoadMachine("xeon-2400-2003")[PerfSim.Core.Machine.MachineParam.TrapEntry];
        Assert.NotEqual(1420, shipped);
        Assert.Equal(1420 - shipped, cb - ca, 6); // one int 0x80 entry per getppid
        Assert.Contains("trap_entry=1420", File.ReadAllText(Path.Combine(b, "resolved-config.json")));
    }

    [Fact]
    public void A_bigger_process_forks_more_slowly_and_copies_more_ptes()
    {
        var small = Path.Combine(_dir, "small");
        var big = Path.Combine(_dir, "big");
        Assert.Equal(0, Run("run", "--workloads", "fork", "--designs", "native", "--out", small).Code);
        Assert.Equal(0, Run("run", "--workloads", "fork", "--designs", "native", "--set", "process.heap_pages=400", "--out", big).Code);
        static double Value(string dir, string file, int row, int col) => double.Parse(
            File.ReadAllLines(Path.Combine(dir, file))[row].Split(',')[col], System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(Value(big, "results.csv", 1, 5) > Value(small, "results.csv", 1, 5));
        var setsRow = Array.FindIndex(File.ReadAllLines(Path.Combine(small, "counters.csv")), l => l.Contains(",pte_sets,"));
        Assert.Equal(392, Value(big, "counters.csv", setsRow, 5) - Value(small, "counters.csv", setsRow, 5)); // 400 - 8 more heap PTEs copied
    }

    [Fact]
    public void A_trace_that_leaves_placement_to_the_scheduler_replays_on_several_cpus_and_a_mixed_one_exits_with_code_2()
    {
        var path = Path.Combine(_dir, "any.trace");
        File.WriteAllText(path, "fork cpu=any pid=1 child=2\ncompute cpu=any pid=2 cycles=100000\nexit cpu=any pid=2\nwait cpu=any pid=1 child=2\n");
        var o = Path.Combine(_dir, "any");
        var (code, _, err) = Run("replay", path, "--cpus", "2", "--designs", "native", "--out", o);
        Assert.True(code == 0, err);
        Assert.Contains(File.ReadAllLines(Path.Combine(o, "counters.csv")), l => l.StartsWith("any,native,xeon-2400-2003,2,ipis_received,", StringComparison.Ordinal));
        var forced = Path.Combine(_dir, "forced");
        Assert.Equal(0, Run("replay", path, "--cpus", "2", "--designs", "native", "--placement", "scheduler", "--out", forced).Code);
        Assert.Contains("\"placement\": \"scheduler\"", File.ReadAllText(Path.Combine(forced, "resolved-config.json")));
        File.WriteAllText(path, "compute cpu=0 pid=1 cycles=5\ncompute cpu=any pid=1 cycles=5\n");
        var mixed = Run("replay", path, "--cpus", "2", "--designs", "native", "--out", o);
        Assert.Equal(2, mixed.Code);
        Assert.Contains("event 1 names cpu 0 and event 2 says any", mixed.Err);
        Assert.Equal(2, Run("replay", path, "--cpus", "2", "--placement", "sideways", "--out", o).Code);
    }

    [Fact]
    public void Several_cpus_with_the_scheduler_and_overcommitted_vcpus_give_byte_identical_csv_for_the_same_inputs()
    {
        var a = Path.Combine(_dir, "a");
        var b = Path.Combine(_dir, "b");
        string[] args = ["run", "--machine", "p4-672-2006", "--cpus", "4", "--pcpus", "2", "--timeslice-us", "1000", "--placement", "scheduler",
            "--workloads", "mt-munmap,ctx-2p-0k", "--designs", "xen-pv,hvm-shadow"];
        Assert.Equal(0, Run([.. args, "--out", a]).Code);
        Assert.Equal(0, Run([.. args, "--out", b]).Code);
        foreach (var f in new[] { "results.csv", "breakdown.csv", "counters.csv", "latency.csv", "processes.csv" })
        {
            Assert.Equal(File.ReadAllBytes(Path.Combine(a, f)), File.ReadAllBytes(Path.Combine(b, f)));
        }
    }

    [Fact]
    public void Golden_end_to_end_replay_of_a_tiny_trace()
    {
        var trace = Path.Combine(GoldenFile.Directory, "tiny.trace");
        var o = Path.Combine(_dir, "golden");
        var (code, _, err) = Run("replay", trace, "--machine", "xeon-2400-2003", "--out", o);
        Assert.True(code == 0, err);
        foreach (var f in new[] { "results.csv", "breakdown.csv", "counters.csv", "hazards.csv", "hooks.csv", "processes.csv" })
        {
            GoldenFile.AssertMatches("tiny." + f, File.ReadAllText(Path.Combine(o, f)));
        }
    }

    [Fact]
    public void List_shows_workloads_designs_machines_kernels_and_params()
    {
        Assert.Contains("ctx-2p-0k", Run("list", "workloads").Out);
        Assert.Contains("native", Run("list", "designs").Out);
        Assert.Contains("xeon-2400-2003", Run("list", "machines").Out);
        Assert.Contains("linux-2.4.21", Run("list", "kernels").Out);
        Assert.Contains("kernel_cpi", Run("list", "params").Out);
    }

    [Fact]
    public void Convert_round_trips_a_trace_through_binary()
    {
        var text = Path.Combine(GoldenFile.Directory, "tiny.trace");
        var bin = Path.Combine(_dir, "tiny.pst");
        var back = Path.Combine(_dir, "tiny.txt");
        Assert.Equal(0, Run("convert", text, bin).Code);
        Assert.Equal(0, Run("convert", bin, back, "--to", "text").Code);
        var a = Path.Combine(_dir, "a");
        var b = Path.Combine(_dir, "b");
        Assert.Equal(0, Run("replay", bin, "--out", a).Code);
        Assert.Equal(0, Run("replay", back, "--out", b).Code);
        Assert.Equal(File.ReadAllText(Path.Combine(a, "breakdown.csv")).Replace("tiny,", "x,"), File.ReadAllText(Path.Combine(b, "breakdown.csv")).Replace("tiny,", "x,"));
    }
    private static string XenTable => Path.Combine(PerfSim.IO.Config.ConfigCatalog.Locate().WorkloadsDirectory, "validation", "xen-sosp03-lmbench.csv");

    [Fact]
    public void Calibrate_design_writes_a_loadable_machine_profile_and_the_per_cell_ratios()
    {
        var (code, stdout, _) = Run("calibrate", "--table", XenTable, "--config", "Xen", "--design", "xen-1.0", "--fit", "hypercall,fault_bounce", "--out", _dir);
        Assert.Equal(0, code);
        Assert.Contains("hypercall", stdout);
        var profile = PerfSim.IO.Config.MachineProfileLoader.Load(Path.Combine(_dir, "xeon-2400-2003.json"));
        Assert.StartsWith("fitted:", profile.SourceOf(PerfSim.Core.Machine.MachineParam.FaultBounce), StringComparison.Ordinal);
        // The shipped value was fitted already: the refit names the estimate that fit started from, not the fit.
        var source = profile.SourceOf(PerfSim.Core.Machine.MachineParam.Hypercall);
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(source, "before the fit"));
        Assert.Contains("before the fit 750: estimate:", source, StringComparison.Ordinal);
        var lines = File.ReadAllLines(Path.Combine(_dir, "calibration.csv"));
        Assert.Equal("benchmark,workload,published_ratio,before_ratio,before_error_pct,fitted_ratio,error_pct,loo_ratio,loo_error_pct", lines[0]);
        Assert.Equal(15, lines.Length);
    }

    [Theory]
    [InlineData("--design", "xen-1.0", "--fit", "hypercal", "did you mean 'hypercall'")]
    [InlineData("--design", "xen-1.0", "--fit", "frequency", "not a cost in cycles")]
    [InlineData("--design", "xen-1.0", "--fit", "", "--design needs --fit")]
    [InlineData("--design", "hvm-nested", "--fit", "vm_exit", "cannot run on xeon-2400-2003")]
    [InlineData("--config", "L-UP", "--fit", "hypercall", "give the design with --design")]
    [InlineData("--config", "L-UP", "--tie", "trap_entri", "did you mean 'trap_entry'")]
    [InlineData("--config", "L-UP", "--tie", "trap_entry,trap_entry", "'trap_entry' is named twice")]
    [InlineData("--config", "L-UP", "--tie", "global_pages", "not a cost in cycles")]
    [InlineData("--design", "xen-1.0", "--tie", "trap_entry", "with --design, name the design's parameters with --fit")]
    [InlineData("--design", "xen-1.0", "--fit", "apic_eoi", "no cell depends on apic_eoi")]
    [InlineData("--config", "L-UP", "--tie", "apic_eoi", "no cell depends on apic_eoi")]
    public void Calibrate_design_refuses_bad_requests_with_exit_code_2(string k1, string v1, string k2, string v2, string message)
    {
        var (code, _, stderr) = Run("calibrate", "--table", XenTable, k1, v1, k2, v2, "--out", _dir);
        Assert.Equal(2, code);
        Assert.Contains(message, stderr);
    }

    [Theory]
    [InlineData("--cpus 2", "kernel path lengths are fitted on one CPU")]
    [InlineData("--design native --fit cache_line_transfer --cpus 0", "--cpus 0: must be between 1 and 256")]
    [InlineData("--design native --fit cache_line_transfer --cpus 2 --kernel nanokernel", "has no smp_locked_ops table")]
    public void Calibrate_refuses_bad_cpu_counts_with_exit_code_2(string args, string message)
    {
        var (code, _, stderr) = Run(["calibrate", "--table", XenTable, "--config", "L-SMP", .. args.Split(' '), "--out", _dir]);
        Assert.Equal(2, code);
        Assert.Contains(message, stderr);
    }

    [Fact]
    public void Calibrate_with_a_tie_writes_the_kernel_and_the_machine_profile()
    {
        var (code, stdout, _) = Run("calibrate", "--table", XenTable, "--config", "L-UP", "--tie", "trap_entry,trap_exit", "--out", _dir);
        Assert.Equal(0, code);
        Assert.Contains("trap_entry + trap_exit x", stdout);
        var machine = PerfSim.IO.Config.MachineProfileLoader.Load(Path.Combine(_dir, "xeon-2400-2003.json"));
        Assert.Contains("as one factor", machine.SourceOf(PerfSim.Core.Machine.MachineParam.TrapExit), StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(_dir, "linux-2.4.21.json")));
        Assert.Equal(15, File.ReadAllLines(Path.Combine(_dir, "calibration.csv")).Length);
    }

    [Fact]
    public void Calibrate_on_two_cpus_fits_the_l_smp_column()
    {
        var (code, stdout, _) = Run("calibrate", "--table", XenTable, "--config", "L-SMP", "--design", "native", "--cpus", "2", "--fit", "cache_line_transfer", "--out", _dir);
        Assert.Equal(0, code);
        var profile = PerfSim.IO.Config.MachineProfileLoader.Load(Path.Combine(_dir, "xeon-2400-2003.json"));
        Assert.Contains("with native on 2 CPUs", profile.SourceOf(PerfSim.Core.Machine.MachineParam.CacheLineTransfer), StringComparison.Ordinal);
        Assert.Contains("ctx_2p_0k", stdout);
    }

    [Fact]
    public void Overcommitted_vcpus_write_latency_csv_and_bad_pcpus_exit_with_code_2()
    {
        var (code, _, _) = Run("run", "--machine", "p4-672-2006", "--cpus", "4", "--pcpus", "2", "--timeslice-us", "1000",
            "--designs", "xen-pv", "--workloads", "mt-munmap", "--out", _dir);
        Assert.Equal(0, code);
        var lines = File.ReadAllLines(Path.Combine(_dir, "latency.csv"));
        Assert.Equal("workload,design,machine,cpus,pcpus,shootdowns,p50_cycles,p90_cycles,p99_cycles,max_cycles", lines[0]);
        Assert.Contains(lines, l => l.StartsWith("mt-munmap,xen-pv,p4-672-2006,4,2,", StringComparison.Ordinal));
        Assert.Contains("\"pcpus\": 2", File.ReadAllText(Path.Combine(_dir, "resolved-config.json")));
        var bad = Run("run", "--cpus", "2", "--pcpus", "3", "--workloads", "null-call", "--out", _dir);
        Assert.Equal(2, bad.Code);
        Assert.Contains("--pcpus 3", bad.Err);
    }

    [Fact]
    public void A_text_trace_on_two_cpus_ping_pongs_through_named_pipes_with_a_reschedule_ipi_per_hop()
    {
        var trace = Path.Combine(_dir, "pp.trace");
        File.WriteAllText(trace, string.Join("\n",
            "exec pid=1 text_pages=4 data_pages=1 bss_pages=1 arg_pages=1",
            "fork pid=1 child=2",
            "syscall cpu=1 pid=2 name=pipe_read size=4 pipe=1",
            "mark what=measure",
            "syscall pid=1 name=pipe_write size=4 pipe=1",
            "syscall pid=1 name=pipe_read size=4 pipe=2",
            "syscall cpu=1 pid=2 name=pipe_write size=4 pipe=2",
            "syscall cpu=1 pid=2 name=pipe_read size=4 pipe=1",
            "mark what=iter") + "\n");
        var (code, _, _) = Run("replay", trace, "--cpus", "2", "--designs", "native", "--out", Path.Combine(_dir, "out"));
        Assert.Equal(0, code);
        var counters = File.ReadAllLines(Path.Combine(_dir, "out", "counters.csv"));
        Assert.Contains("pp,native,xeon-2400-2003,2,ipis_received,2.0000", counters);
        var one = Run("replay", trace, "--designs", "native", "--out", Path.Combine(_dir, "one"));
        Assert.Equal(2, one.Code); // on one CPU the trace's cpu=1 events are refused
        Assert.Contains("cpu 1", one.Err);
    }
}
