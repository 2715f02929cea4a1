using PerfSim.Cli;

namespace PerfSim.Tests.Cli;

/// <summary>perfsim bench engine: the engine and the PriorityQueue loop do the same work (the figures compare like with like).</summary>
public sealed class BenchTests
{
    [Fact]
    public void The_engine_and_the_priority_queue_do_the_same_work_and_end_when_the_longest_process_does()
    {
        const int n = 200, m = 50;
        var delays = BenchCommand.Delays(n, m, 7);
        Assert.All(delays, d => Assert.InRange(d, 1, 100));
        Assert.Equal(delays, BenchCommand.Delays(n, m, 7)); // seeded
        var longest = Enumerable.Range(0, n).Max(p => Enumerable.Range(0, m).Sum(j => (long)delays[j * n + p])); // process p's j-th delay sits at j*n + p
        Assert.Equal(((long)n * m, longest), BenchCommand.RunEngine(n, m, delays));
        Assert.Equal(((long)n * m, longest), BenchCommand.RunPriorityQueue(n, m, delays));
    }

    [Fact]
    public void The_bench_prints_each_implementations_events_end_time_and_rate()
    {
        var stdout = new StringWriter();
        var err = new StringWriter();
        Assert.True(CliApp.Run(["bench", "engine", "--processes", "100", "--timeouts", "100"], stdout, err) == 0, err.ToString());
        var text = stdout.ToString();
        Assert.Matches(@"PerfSim EventQueue +10,000 events +end time +[\d,]+ ", text);
        Assert.Matches(@"PriorityQueue loop +10,000 events", text);
        Assert.Contains("EventQueue / PriorityQueue:", text);
        // SimPy runs when Debian's python3-simpy is installed, else the bench says how to get it.
        Assert.True(text.Contains("EventQueue / SimPy:", StringComparison.Ordinal) || err.ToString().Contains("python3-simpy", StringComparison.Ordinal));
        Assert.Equal(2, CliApp.Run(["bench", "engine", "--processes", "0"], new StringWriter(), new StringWriter()));
    }

    [Fact]
    public void The_replay_bench_prints_the_decode_floor_and_each_designs_rates()
    {
        var stdout = new StringWriter();
        var err = new StringWriter();
        Assert.True(CliApp.Run(["bench", "replay", "--events", "5000", "--workload", "null-call", "--designs", "native,xen-pv", "--rounds", "1"], stdout, err) == 0, err.ToString());
        var text = stdout.ToString();
        Assert.Matches(@"replay bench: null-call \(its measured loop repeated\), [\d,]+ events", text);
        Assert.Matches(@"fewest privileged operations/s: (native|xen-pv), [\d,]+", text);
        Assert.Matches(@"decode only \(floor\) +[\d,]+ events/s", text);
        Assert.Matches(@"xen-pv +[\d,]+ events/s +\d+% of the floor +[\d,]+ privileged operations/s", text);
        Assert.Equal(2, CliApp.Run(["bench", "replay", "--events", "10"], new StringWriter(), new StringWriter()));
        Assert.Equal(2, CliApp.Run(["bench", "replay", "--rounds", "0"], new StringWriter(), new StringWriter()));
    }

    [Theory]
    [InlineData("null-call")]
    [InlineData("fork")]
    [InlineData("ctx-2p-16k")]
    [InlineData("mmap")]
    public void A_repeated_loop_is_the_generated_start_then_whole_passes_of_its_measured_iterations_and_replays(string workload)
    {
        var w = PerfSim.Core.Workloads.Lmbench.Find(workload)!;
        var generated = w.Main(new PerfSim.Core.Workloads.WorkloadOptions());
        var start = generated.ToList().FindIndex(e => e.Kind == PerfSim.Core.Trace.TraceEventKind.Mark && e.Arg0 == (long)PerfSim.Core.Trace.MarkKind.MeasureStart);
        var loop = generated.Count - start - 1;
        using var source = new PerfSim.Core.Workloads.RepeatedLoopSource(w.Name, generated, 3 * generated.Count);
        var events = new List<PerfSim.Core.Trace.TraceEvent>();
        while (source.TryRead(out var e))
        {
            events.Add(e);
        }
        Assert.Equal(source.Events, events.Count);
        Assert.True(events.Count >= 3 * generated.Count);
        Assert.Equal(0, (events.Count - start - 1) % loop); // whole passes (these loops end with their last iteration)
        for (var i = 0; i < events.Count; i++)
        {
            Assert.Equal(i <= start ? generated[i] : generated[start + 1 + (i - start - 1) % loop], events[i]);
        }
        // Every pass leaves the kernel as it found it: the long trace replays, and each iteration costs what it did.
        var config = PerfSim.Tests.Support.TestProfiles.Config();
        var once = PerfSim.Core.Simulation.ScenarioRunner.Measure(config, new PerfSim.Core.Trace.ListTraceSource(w.Name, generated));
        var repeated = PerfSim.Core.Simulation.ScenarioRunner.Measure(config, new PerfSim.Core.Trace.ListTraceSource(w.Name, events));
        Assert.Equal(3 * once.Iterations, repeated.Iterations, tolerance: once.Iterations);
        var perIteration = (double)once.Measured.TotalCycles / once.Iterations;
        Assert.InRange((double)repeated.Measured.TotalCycles / repeated.Iterations, 0.95 * perIteration, 1.05 * perIteration);
    }

    [Fact]
    public void The_tlb_bench_counts_its_lookups_on_a_miss_heavy_stream()
    {
        var (n, hits, _) = BenchCommand.RunTlb(1 << 16);
        Assert.Equal(1 << 16, n);
        Assert.InRange(hits, n / 5, n / 3); // 64 of 256 pages fit: about a quarter hit
        var stdout = new StringWriter();
        Assert.Equal(0, CliApp.Run(["bench", "tlb", "--lookups", "65536"], stdout, new StringWriter()));
        Assert.Matches(@"tlb bench: 65,536 lookups, [\d.]+% hits .* [\d,]+ lookups/s", stdout.ToString());
    }

    [Fact]
    public void The_stream_bench_replays_three_lengths_in_child_processes_and_prints_their_peak_memory()
    {
        var stdout = new StringWriter();
        var err = new StringWriter();
        Assert.True(CliApp.Run(["bench", "stream", "--events", "20000"], stdout, err) == 0, err.ToString() + stdout);
        var lines = stdout.ToString().Split('\n').Where(l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^ +[124]x ")).ToArray();
        Assert.Equal(3, lines.Length);
        Assert.Matches(@"^ +1x +[\d,]+ events .* s +[\d,]+ events/s +\d+ MB peak RSS +1\.00x the 1x time$", lines[0].TrimEnd());
        Assert.Matches(@"^ +4x +2\d,\d\d\d events .* \d+ MB peak RSS +[\d.]+x the 1x time, -?\d+ ns per event beyond the 1x run$", lines[2].TrimEnd());
        Assert.Equal(2, CliApp.Run(["bench", "stream", "--events", "10"], new StringWriter(), new StringWriter()));
    }

    [Fact]
    public void Replay_ends_by_printing_its_peak_resident_memory()
    {
        var dir = Directory.CreateTempSubdirectory("perfsim-peak").FullName;
        try
        {
            var trace = Path.Combine(dir, "t.bin");
            BenchCommand.WriteLoopTrace(PerfSim.Core.Workloads.Lmbench.Find("null-call")!, 5000, trace);
            var err = new StringWriter();
            Assert.Equal(0, CliApp.Run(["replay", trace, "--designs", "native", "--out", Path.Combine(dir, "out")], new StringWriter(), err));
            var peak = err.ToString().Split('\n').Last(l => l.Length > 0);
            Assert.Matches(@"^peak resident memory: \d+ MB$", peak.Trim());
            Assert.InRange(int.Parse(peak.Split(' ')[3], System.Globalization.CultureInfo.InvariantCulture), 1, 4096);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
