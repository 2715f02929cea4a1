using PerfSim.IO.Output;
using PerfSim.Tests.Golden;

namespace PerfSim.Tests.Output;

public sealed class HumanReadableOutputTests
{
    [Fact]
    public void Markdown_table_matches_the_golden_file()
    {
        using var dir = new TempDirectory();

        new MarkdownTableExporter().Export(dir.Path, SampleResults.NativeAndXenPv(), SampleResults.Info);

        Assert.Equal(["results.md"], dir.FileNames());
        GoldenFile.AssertMatches("native-and-xen-pv.results.md", File.ReadAllText(dir.File("results.md")));
    }

    [Fact]
    public void Console_table_matches_the_golden_file()
    {
        GoldenFile.AssertMatches("native-and-xen-pv.console.txt", ConsoleTable.Format(SampleResults.NativeAndXenPv()));
    }

    [Fact]
    public void Console_table_marks_missing_scenarios_and_unknown_overhead_with_a_dash()
    {
        var results = new[]
        {
            SampleResults.Make(workload: "getpid", design: "native"),
            SampleResults.Make(workload: "fork", design: "shadow-paging-with-a-long-name"),
        };

        var lines = ConsoleTable.Format(results).Split('\n');

        Assert.Equal("p4-3ghz, linux-2.6.12, 1 CPU", lines[0]);
        Assert.Contains("shadow-paging-with-a-long-name", lines[1], StringComparison.Ordinal);
        Assert.Equal(["workload", "cycles", "x", "native", "cycles", "x", "native"], lines[2].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(["getpid", "0.00", "-", "-", "-"], lines[3].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(["fork", "-", "-", "0.00", "-"], lines[4].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(lines[2].Length, lines[1].Length);
    }

    [Fact]
    public void Each_machine_kernel_and_cpu_count_gets_its_own_table()
    {
        var results = new[]
        {
            SampleResults.Make(cpus: 1),
            SampleResults.Make(cpus: 2),
            SampleResults.Make(cpus: 1, design: "xen-pv"),
        };

        var md = MarkdownTableExporter.Render(results, SampleResults.Info);

        Assert.Contains("\n## p4-3ghz, linux-2.6.12, 1 CPU\n", md, StringComparison.Ordinal);
        Assert.Contains("\n## p4-3ghz, linux-2.6.12, 2 CPUs\n", md, StringComparison.Ordinal);
        Assert.Contains("| workload | native | xen-pv |", md, StringComparison.Ordinal);
    }

    [Fact]
    public void Markdown_escapes_pipes_in_names()
    {
        var md = MarkdownTableExporter.Render([SampleResults.Make(workload: "a|b")], SampleResults.Info);

        Assert.Contains("| a\\|b |", md, StringComparison.Ordinal);
    }
}

public sealed class CompactConsoleTableTests
{
    [Fact]
    public void Many_designs_switch_the_console_to_numbered_overhead_columns_with_a_legend()
    {
        var results = new List<PerfSim.Core.Simulation.ScenarioResult>();
        var cats = new double[PerfSim.Core.Stats.Metrics.CategoryCount];
        var counts = new double[PerfSim.Core.Stats.Metrics.CounterCount];
        foreach (var (design, cycles) in new[] { ("native", 100.0), ("a", 150.0), ("b", 200.0), ("c", 250.0), ("d", 300.0), ("e", 350.0) })
        {
            var c = (double[])cats.Clone();
            c[0] = cycles;
            results.Add(new PerfSim.Core.Simulation.ScenarioResult("w", design, "m", "k", 1, 10, 1000, c, counts));
        }
        var text = PerfSim.IO.Output.ConsoleTable.Format(results);
        Assert.Contains("overhead vs native", text);
        Assert.Contains("[5] e", text);
        var row = text.Split('\n').Single(l => l.StartsWith("w ", StringComparison.Ordinal));
        Assert.Equal(["w", "100", "1.50", "2.00", "2.50", "3.00", "3.50"], row.Split(' ', StringSplitOptions.RemoveEmptyEntries));
    }
}
