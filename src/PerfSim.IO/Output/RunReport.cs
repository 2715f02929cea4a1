using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using CsvHelper;
using CsvHelper.Configuration;
using PerfSim.IO.Charts;

namespace PerfSim.IO.Output;

/// <summary>
/// The charts and the report of a run's output folder, drawn only from the CSVs the run wrote (results.csv,
/// breakdown.csv) and its resolved-config.json: <c>charts/overhead-WORKLOAD.svg</c> (one bar per design, time relative
/// to native, a line at 1), <c>charts/breakdown-WORKLOAD.svg</c> (where each design's cycles go), <c>charts/overhead.svg</c>
/// (all workloads grouped, when there are at most eight designs), <c>charts/shootdown-latency-WORKLOAD.svg</c> (from
/// latency.csv, when the run had TLB shootdowns), PNG copies when rsvg-convert is installed, and
/// <c>report.md</c> and a self-contained <c>report.html</c> (charts inline, tables, the configuration, the command line,
/// version and seed).
/// </summary>
public static class RunReport
{
    public const string ChartsFolder = "charts";
    public const string ReportMarkdown = "report.md";
    public const string ReportHtml = "report.html";

    /// <summary>Designs a grouped chart can tell apart (one colour each; beyond that per-workload charts only).</summary>
    public const int MaxGroupedSeries = 8;

    /// <summary>Cost categories a breakdown chart shows in colours of their own; smaller ones are summed as "other".</summary>
    public const int MaxLayers = 10;

    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>A CSV as rows of named fields.</summary>
    public static List<Dictionary<string, string>> ReadCsv(string path)
    {
        using var reader = new StreamReader(path);
        using var csv = new CsvReader(reader, new CsvConfiguration(CultureInfo.InvariantCulture));
        csv.Read();
        csv.ReadHeader();
        var header = csv.HeaderRecord ?? [];
        var rows = new List<Dictionary<string, string>>();
        while (csv.Read())
        {
            rows.Add(header.Select((h, i) => (h, csv.GetField(i) ?? "")).ToDictionary(x => x.h, x => x.Item2));
        }
        return rows;
    }

    private static double Num(string s) => double.Parse(s, NumberStyles.Float, Inv);

    /// <summary>A chart's file name part for a workload: letters, digits, '-' and '_' kept, the rest '_'.</summary>
    public static string Slug(string name) => new(name.Select(ch => char.IsAsciiLetterOrDigit(ch) || ch is '-' or '_' ? ch : '_').ToArray());

    /// <summary>The charts of an output folder, in report order: (file name without extension, title, chart model).</summary>
    /// <param name="scale">The overhead charts' value axis: "auto" (log when the values spread over more than 10×), "linear" or "log".</param>
    public static IReadOnlyList<(string Name, string Title, object Chart)> Charts(string dir, string scale = "auto")
    {
        bool Log(IEnumerable<double> values) => scale switch
        {
            "log" => true,
            "linear" => false,
            _ => Spread(values) > 10,
        };
        var results = ReadCsv(Path.Combine(dir, CsvExporter.ResultsFile));
        var breakdown = ReadCsv(Path.Combine(dir, CsvExporter.BreakdownFile));
        var workloads = results.Select(r => r["workload"]).Distinct().ToList();
        var designs = results.Select(r => r["design"]).Distinct().ToList();
        var charts = new List<(string, string, object)>();
        double Overhead(string w, string d) => results.FirstOrDefault(r => r["workload"] == w && r["design"] == d) is { } r ? Num(r["overhead_vs_native"]) : double.NaN;
        if (designs.Count <= MaxGroupedSeries && workloads.Count > 1)
        {
            var series = designs.Select(d => new Series(d, workloads.Select(w => Overhead(w, d)).ToList())).ToList();
            var log = Log(series.SelectMany(s => s.Values));
            charts.Add(("overhead", "Time relative to native, every workload",
                new BarChart("Time relative to native, every workload", $"time relative to native (×{(log ? ", log scale" : "")})", workloads, series, log, 1.0, "native")));
        }
        foreach (var w in workloads)
        {
            var values = designs.Select(d => Overhead(w, d)).ToList();
            var log = Log(values);
            var machine = results.First(r => r["workload"] == w)["machine"];
            charts.Add(($"overhead-{Slug(w)}", $"{w}: time relative to native",
                new BarChart($"{w} on {machine}: time relative to native", $"time relative to native (×{(log ? ", log scale" : "")})", designs,
                    [new Series("overhead vs native", values)], log, 1.0, "native")));
            var rows = breakdown.Where(r => r["workload"] == w).ToList();
            var categories = rows.Select(r => r["category"]).Distinct().Where(c => rows.Any(r => r["category"] == c && Num(r["cycles_per_iter"]) > 0)).ToList();
            var layers = categories.Select(c => new Series(c, designs.Select(d =>
                rows.FirstOrDefault(r => r["design"] == d && r["category"] == c) is { } r ? Num(r["cycles_per_iter"]) : 0).ToList())).ToList();
            if (layers.Count > MaxLayers)
            {
                // The largest categories keep their own colour; the rest are summed into one "other" layer.
                // Ranked by the largest share they take of any one bar, so a design's dominant cost keeps its colour.
                var totals = designs.Select((_, j) => layers.Sum(l => l.Values[j])).ToList();
                var keep = layers.OrderByDescending(l => l.Values.Select((v, j) => totals[j] > 0 ? v / totals[j] : 0).Max()).Take(MaxLayers - 1).ToHashSet();
                var rest = layers.Where(l => !keep.Contains(l)).ToList();
                layers = layers.Where(keep.Contains).Append(new Series($"other ({string.Join(", ", rest.Select(l => l.Name))})",
                    designs.Select((_, j) => rest.Sum(l => l.Values[j])).ToList())).ToList();
            }
            charts.Add(($"breakdown-{Slug(w)}", $"{w}: where the cycles go",
                new StackedBarChart($"{w} on {machine}: where the cycles go", "cycles per iteration", designs, layers)));
        }
        var latencyPath = Path.Combine(dir, CsvExporter.LatencyFile);
        var latency = File.Exists(latencyPath) ? ReadCsv(latencyPath) : [];
        foreach (var w in latency.Select(r => r["workload"]).Distinct())
        {
            var rows = latency.Where(r => r["workload"] == w).ToList();
            string[] columns = ["p50_cycles", "p90_cycles", "p99_cycles", "max_cycles"];
            var series = columns.Select(c => new Series(c[..c.IndexOf('_', StringComparison.Ordinal)], rows.Select(r => Num(r[c])).ToList())).ToList();
            var machine = rows[0]["machine"];
            charts.Add(($"shootdown-latency-{Slug(w)}", $"{w}: TLB shootdown latency",
                new BarChart($"{w} on {machine}: TLB shootdown latency ({rows[0]["cpus"]} CPUs)", "cycles from the flush request to the last acknowledgement (log scale)",
                    rows.Select(r => $"{r["design"]} ({r["pcpus"]} pCPUs)").ToList(), series, LogScale: true)));
        }
        return charts;
    }

    private static double Spread(IEnumerable<double> values)
    {
        var v = values.Where(x => x > 0 && double.IsFinite(x)).ToList();
        return v.Count == 0 ? 1 : v.Max() / v.Min();
    }

    /// <summary>Writes the charts (and PNG copies when rsvg-convert is on PATH) and the two reports; returns a notice to print, or null.</summary>
    /// <param name="commandLine">The command that made the folder and the tool's version, for the reports.</param>
    public static string? Write(string dir, IChartRenderer renderer, string? pngConverter, string commandLine, string version, string scale = "auto")
    {
        var chartDir = Path.Combine(dir, ChartsFolder);
        Directory.CreateDirectory(chartDir);
        var charts = Charts(dir, scale);
        var rendered = new List<(string Name, string Title, string Svg)>();
        foreach (var (name, title, chart) in charts)
        {
            var svg = chart switch
            {
                BarChart b => renderer.Render(b),
                StackedBarChart s => renderer.Render(s),
                _ => throw new InvalidOperationException("unknown chart"),
            };
            AtomicFile.WriteAllText(Path.Combine(chartDir, $"{name}.{renderer.Extension}"), svg);
            rendered.Add((name, title, svg));
        }
        string? notice = null;
        if (pngConverter is null)
        {
            notice = "charts: SVG only; PNG copies need rsvg-convert (Debian: apt-get install librsvg2-bin)";
        }
        else
        {
            Parallel.ForEach(rendered, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, c =>
                ToPng(pngConverter, Path.Combine(chartDir, c.Name + ".svg"), Path.Combine(chartDir, c.Name + ".png")));
        }
        var results = ReadCsv(Path.Combine(dir, CsvExporter.ResultsFile));
        var config = File.Exists(Path.Combine(dir, "resolved-config.json")) ? File.ReadAllText(Path.Combine(dir, "resolved-config.json")) : "";
        var command = $"{commandLine} (perfsim {version})";
        AtomicFile.WriteAllText(Path.Combine(dir, ReportMarkdown), Markdown(results, rendered, config, command));
        AtomicFile.WriteAllText(Path.Combine(dir, ReportHtml), Html(results, rendered, config, command));
        return notice;
    }

    /// <summary>rsvg-convert's full path on PATH, or null.</summary>
    public static string? FindPngConverter()
    {
        foreach (var d in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var p = Path.Combine(d, "rsvg-convert");
            if (File.Exists(p))
            {
                return p;
            }
        }
        return null;
    }

    private static void ToPng(string converter, string svg, string png)
    {
        var tmp = png + ".tmp";
        var psi = new ProcessStartInfo(converter) { UseShellExecute = false, RedirectStandardError = true };
        foreach (var a in new[] { "-f", "png", "-o", tmp, svg })
        {
            psi.ArgumentList.Add(a);
        }
        using var p = Process.Start(psi)!;
        p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode == 0 && File.Exists(tmp))
        {
            File.Move(tmp, png, overwrite: true);
        }
    }

    /// <summary>The run's identity from results.csv: machine, kernel, CPUs, seed, configuration hash.</summary>
    private static string Identity(List<Dictionary<string, string>> results) =>
        results.Count == 0 ? "" : $"machine {results[0]["machine"]}, kernel {results[0]["kernel"]}, {results[0]["cpus"]} CPU(s), seed {results[0]["seed"]}, configuration {results[0]["config_hash"]}";

    private static string Markdown(List<Dictionary<string, string>> results, List<(string Name, string Title, string Svg)> charts, string config, string command)
    {
        var sb = new StringBuilder("# PerfSim run report\n\n");
        if (command.Length > 0)
        {
            sb.Append("Command: `").Append(command).Append("`\n\n");
        }
        sb.Append(Identity(results)).Append(".\n\n## Results\n\n| workload | design | µs per iteration | time relative to native |\n|---|---|---:|---:|\n");
        foreach (var r in results)
        {
            sb.Append("| ").Append(r["workload"]).Append(" | ").Append(r["design"]).Append(" | ").Append(r["us_per_iter"]).Append(" | ").Append(r["overhead_vs_native"]).Append(" |\n");
        }
        sb.Append("\n## Charts\n\n");
        foreach (var c in charts)
        {
            sb.Append("### ").Append(c.Title).Append("\n\n![").Append(c.Title).Append("](").Append(ChartsFolder).Append('/').Append(c.Name).Append(".svg)\n\n");
        }
        sb.Append("## Resolved configuration\n\n```json\n").Append(config.TrimEnd()).Append("\n```\n");
        return sb.ToString();
    }

    private static string Html(List<Dictionary<string, string>> results, List<(string Name, string Title, string Svg)> charts, string config, string command)
    {
        static string E(string s) => WebUtility.HtmlEncode(s);
        var sb = new StringBuilder("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>PerfSim run report</title>\n");
        sb.Append("<style>body{font-family:'DejaVu Sans',Arial,sans-serif;max-width:1000px;margin:2em auto;color:#222}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 8px}td.n{text-align:right}pre{background:#f6f6f6;padding:1em;overflow-x:auto}figure{margin:1em 0}</style>\n</head><body>\n<h1>PerfSim run report</h1>\n");
        if (command.Length > 0)
        {
            sb.Append("<p>Command: <code>").Append(E(command)).Append("</code></p>\n");
        }
        sb.Append("<p>").Append(E(Identity(results))).Append(".</p>\n<h2>Charts</h2>\n");
        foreach (var c in charts)
        {
            sb.Append("<figure id=\"").Append(E(c.Name)).Append("\">").Append(c.Svg).Append("</figure>\n");
        }
        sb.Append("<h2>Results</h2>\n<table><tr><th>workload</th><th>design</th><th>µs per iteration</th><th>time relative to native</th></tr>\n");
        foreach (var r in results)
        {
            sb.Append("<tr><td>").Append(E(r["workload"])).Append("</td><td>").Append(E(r["design"])).Append("</td><td class=\"n\">").Append(E(r["us_per_iter"]))
              .Append("</td><td class=\"n\">").Append(E(r["overhead_vs_native"])).Append("</td></tr>\n");
        }
        sb.Append("</table>\n<h2>Resolved configuration</h2>\n<pre>").Append(E(config)).Append("</pre>\n</body></html>\n");
        return sb.ToString();
    }
}
