using System.Globalization;
using PerfSim.IO.Charts;

namespace PerfSim.IO.Output;

/// <summary>
/// A sweep's charts, drawn from its sweep.csv: per workload, a line per design (time relative to native) against the
/// first swept parameter, the crossovers marked; one chart for each combination of the other swept parameters' values.
/// </summary>
public static class SweepCharts
{
    /// <summary>Charts a sweep draws at most; beyond, only the other parameters' first values are drawn.</summary>
    public const int MaxCharts = 64;

    /// <param name="axisTitle">The x axis's title for the first key (its name and unit).</param>
    public static IReadOnlyList<(string Name, LineChart Chart)> Charts(string sweepCsv, IReadOnlyList<string> keys, string? axisTitle = null)
    {
        var rows = RunReport.ReadCsv(sweepCsv);
        var x = keys[0];
        var others = keys.Skip(1).ToList();
        string Combo(Dictionary<string, string> r) => string.Join(", ", others.Select(k => $"{k} = {r[k]}"));
        var combos = rows.Select(Combo).Distinct().ToList();
        var workloads = rows.Select(r => r["workload"]).Distinct().ToList();
        if (combos.Count * workloads.Count > MaxCharts)
        {
            combos = [combos[0]];
        }
        var charts = new List<(string, LineChart)>();
        foreach (var w in workloads)
        {
            foreach (var combo in combos)
            {
                var sel = rows.Where(r => r["workload"] == w && Combo(r) == combo && r["overhead_vs_native"].Length > 0).ToList();
                var xs = sel.Select(r => double.Parse(r[x], CultureInfo.InvariantCulture)).Distinct().Order().ToList();
                var designs = sel.Select(r => r["design"]).Distinct().Where(d => d != "native").ToList();
                var series = designs.Select(d => new Series(d, xs.Select(v => sel.Where(r => r["design"] == d && double.Parse(r[x], CultureInfo.InvariantCulture) == v)
                    .Select(r => double.Parse(r["overhead_vs_native"], CultureInfo.InvariantCulture)).DefaultIfEmpty(double.NaN).First()).ToList())).ToList();
                if (xs.Count < 2 || series.Count == 0 || series.Any(s => s.Values.Any(double.IsNaN)))
                {
                    continue;
                }
                var suffix = combo.Length == 0 ? "" : "-" + RunReport.Slug(string.Join("-", others.Select(k => sel[0][k])));
                var title = $"{w}: time relative to native against {x}" + (combo.Length == 0 ? "" : $" ({combo})");
                charts.Add(($"sweep-{RunReport.Slug(x)}-{RunReport.Slug(w)}{suffix}",
                    new LineChart(title, axisTitle ?? x, "time relative to native (×)", xs, series, Reference: 1.0)));
            }
        }
        return charts;
    }

    /// <summary>Writes the charts into DIR/charts/.</summary>
    public static int Write(string dir, IReadOnlyList<string> keys, IChartRenderer renderer, string? axisTitle = null)
    {
        var chartDir = Path.Combine(dir, RunReport.ChartsFolder);
        Directory.CreateDirectory(chartDir);
        var charts = Charts(Path.Combine(dir, "sweep.csv"), keys, axisTitle);
        foreach (var (name, chart) in charts)
        {
            AtomicFile.WriteAllText(Path.Combine(chartDir, $"{name}.{renderer.Extension}"), renderer.Render(chart));
        }
        return charts.Count;
    }
}
