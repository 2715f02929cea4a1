using System.Globalization;
using PerfSim.IO.Output;
using PerfSim.Tests.Golden;

namespace PerfSim.Tests.Output;

public sealed class CsvExporterTests
{
    [Fact]
    public void Csv_files_match_the_golden_files()
    {
        using var dir = new TempDirectory();

        new CsvExporter().Export(dir.Path, SampleResults.NativeAndXenPv(), SampleResults.Info);

        Assert.Equal(["breakdown.csv", "counters.csv", "hazards.csv", "hooks.csv", "latency.csv", "processes.csv", "results.csv"], dir.FileNames());
        GoldenFile.AssertMatches("native-and-xen-pv.results.csv", File.ReadAllText(dir.File("results.csv")));
        GoldenFile.AssertMatches("native-and-xen-pv.breakdown.csv", File.ReadAllText(dir.File("breakdown.csv")));
        GoldenFile.AssertMatches("native-and-xen-pv.counters.csv", File.ReadAllText(dir.File("counters.csv")));
    }

    [Fact]
    public void Same_input_gives_byte_identical_files()
    {
        using var first = new TempDirectory();
        using var second = new TempDirectory();

        new CsvExporter().Export(first.Path, SampleResults.NativeAndXenPv(), SampleResults.Info);
        new CsvExporter().Export(second.Path, SampleResults.NativeAndXenPv(), SampleResults.Info with { CommandLine = "other", ToolVersion = "9" });

        foreach (var name in first.FileNames())
        {
            Assert.Equal(File.ReadAllBytes(first.File(name)), File.ReadAllBytes(second.File(name)));
        }
    }

    [Fact]
    public void Formatting_ignores_the_current_culture()
    {
        var expected = Render();
        var saved = (CultureInfo.CurrentCulture, CultureInfo.CurrentUICulture);
        try
        {
            // InvariantGlobalization is on, so de-DE cannot be loaded; this culture has its number conventions.
            var german = (CultureInfo)CultureInfo.InvariantCulture.Clone();
            german.NumberFormat.NumberDecimalSeparator = ",";
            german.NumberFormat.NumberGroupSeparator = ".";
            german.NumberFormat.NegativeSign = "\u2212";
            german.TextInfo.ListSeparator = ";";
            CultureInfo.CurrentCulture = german;
            CultureInfo.CurrentUICulture = german;

            Assert.Equal("1,5", 1.5.ToString(CultureInfo.CurrentCulture));
            Assert.Equal(expected, Render());
        }
        finally
        {
            (CultureInfo.CurrentCulture, CultureInfo.CurrentUICulture) = saved;
        }

        static string Render()
        {
            var results = SampleResults.NativeAndXenPv();
            return CsvText.Write(ResultTables.Results(results, SampleResults.Info))
                + CsvText.Write(ResultTables.Breakdown(results))
                + CsvText.Write(ResultTables.Counters(results))
                + MarkdownTableExporter.Render(results, SampleResults.Info)
                + ConsoleTable.Format(results);
        }
    }

    [Fact]
    public void Export_creates_the_output_directory_and_leaves_no_temp_files()
    {
        using var dir = new TempDirectory();
        var outDir = Path.Combine(dir.Path, "nested", "out");

        new CsvExporter().Export(outDir, SampleResults.NativeAndXenPv(), SampleResults.Info);
        new CsvExporter().Export(outDir, SampleResults.NativeAndXenPv(), SampleResults.Info);

        Assert.Equal(["breakdown.csv", "counters.csv", "hazards.csv", "hooks.csv", "latency.csv", "processes.csv", "results.csv"],
            Directory.GetFiles(outDir).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Fields_with_commas_or_quotes_are_quoted()
    {
        var table = new ResultTable(["a", "b"], [["x,y", "say \"hi\""]]);

        Assert.Equal("a,b\n\"x,y\",\"say \"\"hi\"\"\"\n", CsvText.Write(table));
    }
}

public sealed class ProcessTableTests
{
    [Fact]
    public void On_one_cpu_the_processes_cycles_add_up_to_the_run_and_each_share_to_100_percent()
    {
        var catalog = PerfSim.IO.Config.ConfigCatalog.Locate();
        var machine = catalog.LoadMachine("xeon-2400-2003");
        var config = new PerfSim.Core.Simulation.ResolvedConfig(machine, catalog.LoadKernel(machine.DefaultKernel), PerfSim.Core.Designs.DesignSpec.Native, 1, 1);
        var r = PerfSim.Core.Simulation.ScenarioRunner.Run(config, PerfSim.Core.Workloads.Lmbench.Find("fork")! with { Baselines = null }, new PerfSim.Core.Workloads.WorkloadOptions());
        Assert.Equal(r.Iterations + 1, r.Processes.Count); // the parent and each iteration's child
        Assert.Equal(r.CyclesPerIter * r.Iterations, r.Processes.Sum(p => p.Cycles), 3);
        var table = ResultTables.Processes([r]);
        Assert.Equal(ResultTables.ProcessColumns, table.Columns);
        // Each share is rounded to 0.01, so the sum is off by at most half of that per row.
        var slack = table.Rows.Count * 0.005 + 1e-9;
        Assert.InRange(table.Rows.Sum(row => double.Parse(row[7], System.Globalization.CultureInfo.InvariantCulture)), 100 - slack, 100 + slack);
    }
}

public sealed class LatencyTableTests
{
    [Fact]
    public void Latency_rows_give_median_percentiles_and_maximum_and_skip_scenarios_without_shootdowns()
    {
        var with = SampleResults.NativeAndXenPv()[0] with { Workload = "mt" };
        with = with with { ShootdownLatencies = Enumerable.Range(0, 101).Select(i => (long)i * 10).ToArray(), PhysicalCpus = 2 };
        var table = PerfSim.IO.Output.ResultTables.Latency([with, SampleResults.NativeAndXenPv()[1]]);
        var row = Assert.Single(table.Rows);
        Assert.Equal("mt", row[0]);
        Assert.Equal("2", row[4]);   // pcpus
        Assert.Equal("101", row[5]); // shootdowns
        Assert.Equal("500", row[6]); // p50 of 0, 10, ..., 1000
        Assert.Equal("1000", row[9]);
        Assert.InRange(double.Parse(row[8], System.Globalization.CultureInfo.InvariantCulture), 980, 1000);
    }
}
