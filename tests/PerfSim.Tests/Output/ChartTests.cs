using System.Globalization;
using System.Xml.Linq;
using PerfSim.Cli;
using PerfSim.IO.Charts;
using PerfSim.IO.Output;

namespace PerfSim.Tests.Output;

/// <summary>Charts checked for structure, not pixels: one bar per value, axes that cover the data, a legend entry per series, escaped text.</summary>
public sealed class ChartTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("perfsim-chart-test-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    private static IEnumerable<XElement> Class(XDocument d, string name, string cls) =>
        d.Descendants(Svg + name).Where(e => (string?)e.Attribute("class") == cls);

    private static List<double> TickValues(XDocument d) =>
        Class(d, "text", "tick").Select(t => double.Parse((string)t.Attribute("data-value")!, CultureInfo.InvariantCulture)).ToList();

    [Theory]
    [InlineData(0, 7.3, 8)]
    [InlineData(0, 1_705_420, 2_000_000)]
    [InlineData(-3, 12, 15)]
    [InlineData(0, 0.042, 0.05)]
    public void Linear_axes_start_at_zero_end_at_a_round_number_above_the_data_and_tick_at_round_steps(double min, double max, double top)
    {
        var (lo, hi, ticks) = Axis.Linear(min, max);
        Assert.True(lo <= Math.Min(0, min) && hi >= max, $"{lo}..{hi}");
        Assert.Equal(top, hi, 9);
        Assert.InRange(ticks.Count, 4, 11);
        var step = ticks[1] - ticks[0];
        Assert.Contains(Math.Round(step / Math.Pow(10, Math.Floor(Math.Log10(step))), 6), new[] { 1, 2, 2.5, 5 });
    }

    [Fact]
    public void Log_axes_cover_the_data_and_the_reference_at_1_2_5_steps()
    {
        var (lo, hi, ticks) = Axis.Log([1.3, 11.7, 0.9], 1.0);
        Assert.Equal((0.2, 20.0), (lo, hi)); // 2.5 times below the smallest value: its bar shows
        Assert.Equal([0.2, 0.5, 1, 2, 5, 10, 20], ticks);
    }

    [Fact]
    public void A_grouped_bar_chart_has_a_bar_per_value_a_legend_entry_per_series_and_the_native_line()
    {
        var chart = new BarChart("Time <relative> & native", "time relative to native (×)", ["fork", "exec", "ctx-2p-0k"],
            [new Series("native", [1, 1, 1]), new Series("xen-pv", [1.7, 1.3, 1.1]), new Series("a&b", [6.9, 2.5, 23.5])], LogScale: true, Reference: 1.0, ReferenceLabel: "native");
        var d = XDocument.Parse(new SvgChartRenderer().Render(chart));
        var bars = Class(d, "rect", "bar").ToList();
        Assert.Equal(9, bars.Count);
        Assert.Equal(6.9, double.Parse((string)bars.Single(b => (string?)b.Attribute("data-series") == "a&b" && (string?)b.Attribute("data-category") == "fork")!.Attribute("data-value")!, CultureInfo.InvariantCulture));
        Assert.Equal(["native", "xen-pv", "a&b"], Class(d, "g", "legend").Select(g => g.Element(Svg + "text")!.Value));
        Assert.Single(Class(d, "line", "reference"));
        var ticks = TickValues(d);
        Assert.True(ticks.Min() <= 1 && ticks.Max() >= 23.5, string.Join(",", ticks));
        Assert.Equal("Time <relative> & native", Class(d, "text", "title").Single().Value); // escaped in the file, intact when read
        Assert.Contains("&lt;relative&gt; &amp;", new SvgChartRenderer().Render(chart));
        // Bars never start left of the axis or end beyond the plot.
        var xs = bars.Select(b => double.Parse((string)b.Attribute("x")!, CultureInfo.InvariantCulture)).ToList();
        Assert.True(xs.All(x => x >= 100));
    }

    [Fact]
    public void A_stacked_chart_draws_each_nonzero_segment_and_a_legend_entry_per_layer()
    {
        var chart = new StackedBarChart("fork: where the cycles go", "cycles per iteration", ["native", "xen-pv"],
            [new Series("kernel_path", [100, 120]), new Series("hypercall", [0, 80]), new Series("pte_update", [5, 40])]);
        var d = XDocument.Parse(new SvgChartRenderer().Render(chart));
        Assert.Equal(5, Class(d, "rect", "bar").Count()); // native has no hypercall segment
        Assert.Equal(3, Class(d, "g", "legend").Count());
        Assert.True(TickValues(d).Max() >= 240);
        Assert.Equal(["105", "240"], Class(d, "text", "value").Select(t => t.Value));
    }

    [Fact]
    public void A_run_writes_its_charts_from_its_csvs_and_a_self_contained_report()
    {
        var stderr = new StringWriter();
        Assert.True(CliApp.Run(["run", "--workloads", "fork,null-call", "--designs", "native,xen-pv,fullvirt-bt", "--out", _dir], new StringWriter(), stderr) == 0, stderr.ToString());
        var charts = Path.Combine(_dir, RunReport.ChartsFolder);
        string[] expected = ["overhead", "overhead-fork", "breakdown-fork", "overhead-null-call", "breakdown-null-call"];
        Assert.All(expected, n => Assert.True(File.Exists(Path.Combine(charts, n + ".svg")), n));
        // The grouped chart holds exactly results.csv's overheads.
        var results = RunReport.ReadCsv(Path.Combine(_dir, CsvExporter.ResultsFile));
        var d = XDocument.Load(Path.Combine(charts, "overhead.svg"));
        Assert.Equal(results.Count, Class(d, "rect", "bar").Count());
        foreach (var r in results)
        {
            var bar = Class(d, "rect", "bar").Single(b => (string?)b.Attribute("data-series") == r["design"] && (string?)b.Attribute("data-category") == r["workload"]);
            Assert.Equal(double.Parse(r["overhead_vs_native"], CultureInfo.InvariantCulture), double.Parse((string)bar.Attribute("data-value")!, CultureInfo.InvariantCulture));
        }
        // The breakdown's bar totals are breakdown.csv's sums per design.
        var breakdown = RunReport.ReadCsv(Path.Combine(_dir, CsvExporter.BreakdownFile)).Where(r => r["workload"] == "fork").ToList();
        var b = XDocument.Load(Path.Combine(charts, "breakdown-fork.svg"));
        foreach (var design in new[] { "native", "xen-pv", "fullvirt-bt" })
        {
            var drawn = Class(b, "rect", "bar").Where(x => (string?)x.Attribute("data-category") == design).Sum(x => double.Parse((string)x.Attribute("data-value")!, CultureInfo.InvariantCulture));
            Assert.Equal(breakdown.Where(r => r["design"] == design).Sum(r => double.Parse(r["cycles_per_iter"], CultureInfo.InvariantCulture)), drawn, 6);
        }
        var html = File.ReadAllText(Path.Combine(_dir, RunReport.ReportHtml));
        Assert.Equal(expected.Length, html.Split("<svg ").Length - 1); // every chart inline: one file to share
        Assert.Contains("perfsim run --workloads fork,null-call", html);
        Assert.Contains("seed 1", html);
        Assert.Contains("&quot;seed&quot;", html); // the resolved configuration, escaped
        var md = File.ReadAllText(Path.Combine(_dir, RunReport.ReportMarkdown));
        Assert.All(expected, n => Assert.Contains($"(charts/{n}.svg)", md));
    }

    [Fact]
    public void Without_rsvg_convert_the_charts_are_svg_only_with_a_one_line_notice_and_the_same_twice()
    {
        Assert.Equal(0, CliApp.Run(["run", "--workloads", "null-call", "--designs", "native,xen-pv", "--out", _dir], new StringWriter(), new StringWriter()));
        var notice = RunReport.Write(_dir, new SvgChartRenderer(), null, "perfsim run", "test");
        Assert.Equal("charts: SVG only; PNG copies need rsvg-convert (Debian: apt-get install librsvg2-bin)", notice);
        var first = File.ReadAllText(Path.Combine(_dir, "charts", "overhead-null-call.svg"));
        RunReport.Write(_dir, new SvgChartRenderer(), null, "perfsim run", "test");
        Assert.Equal(first, File.ReadAllText(Path.Combine(_dir, "charts", "overhead-null-call.svg")));
    }

    [Fact]
    public void A_run_with_shootdowns_draws_their_latency_percentiles_per_design()
    {
        Assert.Equal(0, CliApp.Run(["run", "--workloads", "mt-munmap", "--designs", "native,xen-pv", "--cpus", "2", "--out", _dir], new StringWriter(), new StringWriter()));
        var latency = RunReport.ReadCsv(Path.Combine(_dir, CsvExporter.LatencyFile));
        var d = XDocument.Load(Path.Combine(_dir, RunReport.ChartsFolder, "shootdown-latency-mt-munmap.svg"));
        Assert.Equal(latency.Count * 4, Class(d, "rect", "bar").Count());
        Assert.Equal(["p50", "p90", "p99", "max"], Class(d, "g", "legend").Select(g => g.Element(Svg + "text")!.Value));
        var max = latency.Max(r => double.Parse(r["max_cycles"], CultureInfo.InvariantCulture));
        Assert.True(TickValues(d).Max() >= max);
    }

    [Fact]
    public void A_line_chart_has_a_line_and_points_per_series_and_marks_where_two_cross()
    {
        var chart = new LineChart("fork against hypercall", "hypercall (cycles)", "time relative to native (×)", [500, 1000, 1500, 2000],
            [new Series("xen-pv", [1.4, 1.6, 1.8, 2.0]), new Series("vmi-hypervisor", [1.7, 1.7, 1.7, 1.7]), new Series("native", [1, 1, 1, 1])], Reference: 1.0);
        var crossings = chart.Crossovers();
        var (x, y, a, b) = Assert.Single(crossings); // xen-pv passes vmi-hypervisor between 1,000 and 1,500
        Assert.Equal(("xen-pv", "vmi-hypervisor"), (a, b));
        Assert.Equal(1250, x, 6);
        Assert.Equal(1.7, y, 6);
        var d = XDocument.Parse(new SvgChartRenderer().Render(chart));
        Assert.Equal(3, Class(d, "polyline", "line").Count());
        Assert.Equal(12, Class(d, "circle", "point").Count());
        Assert.Single(Class(d, "g", "crossover"));
        Assert.Equal(3, Class(d, "g", "legend").Count());
        var xticks = TickValues(d);
        Assert.True(xticks.Min() <= 500 && xticks.Max() >= 2000);
        var yticks = Class(d, "text", "ytick").Select(t => double.Parse((string)t.Attribute("data-value")!, CultureInfo.InvariantCulture)).ToList();
        Assert.True(yticks.Min() <= 1 && yticks.Max() >= 2);
    }

    [Theory]
    [InlineData("linear", "time relative to native (×)")]
    [InlineData("log", "time relative to native (×, log scale)")]
    public void The_overhead_charts_axis_follows_chart_scale(string scale, string title)
    {
        Assert.Equal(0, CliApp.Run(["run", "--workloads", "null-call", "--designs", "native,xen-pv", "--chart-scale", scale, "--out", _dir], new StringWriter(), new StringWriter()));
        var d = XDocument.Load(Path.Combine(_dir, RunReport.ChartsFolder, "overhead-null-call.svg"));
        Assert.Equal(title, Class(d, "text", "axis-title").Single().Value);
    }
}
