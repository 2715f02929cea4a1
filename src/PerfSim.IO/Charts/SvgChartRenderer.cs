using System.Globalization;
using System.Security;
using System.Text;

namespace PerfSim.IO.Charts;

/// <summary>
/// Draws charts as standalone SVG. Layout rules: horizontal bars, so long workload and design names stay readable
/// left of the plot; value ticks at round numbers with grid lines; the value axis titled with its unit; the legend
/// below the plot, where it cannot cover data; a colour-blind-safe palette (Okabe-Ito, then Paul Tol's muted set);
/// every text escaped. Each bar carries its series, category and value as data attributes (tests and readers of the
/// SVG check them).
/// </summary>
public sealed class SvgChartRenderer : IChartRenderer
{
    public static readonly string[] Palette =
    [
        "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000",
        "#CC6677", "#332288", "#DDCC77", "#117733", "#88CCEE", "#882255", "#44AA99", "#999933", "#AA4499",
    ];

    private const double Width = 960, Right = 40, Top = 56, CharWidth = 6.6, LegendRow = 20;

    /// <summary>How far past the longest bar the axis reaches, so the value printed after it stays inside the chart.</summary>
    private const double LabelRoom = 1.15;
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public string Extension => "svg";

    public string Render(BarChart c)
    {
        var values = c.Series.SelectMany(s => s.Values).ToList();
        // A single series prints each bar's value after it: leave room for the label at the end of the axis.
        var room = c.Series.Count == 1 ? LabelRoom : 1;
        var (lo, hi, ticks) = c.LogScale ? Axis.Log(values.Select(v => v * room), c.Reference) : Axis.Linear(Math.Min(values.DefaultIfEmpty(0).Min(), c.Reference ?? 0), Math.Max(values.DefaultIfEmpty(1).Max() * room, c.Reference ?? 0));
        var barH = c.Series.Count == 1 ? 18.0 : 12.0;
        var groupH = c.Series.Count * barH + 10;
        var left = LeftMargin(c.Categories);
        var plotW = Width - left - Right;
        var plotH = Math.Max(groupH * c.Categories.Count, 60);
        double X(double v) => left + plotW * (c.LogScale ? (Math.Log10(v) - Math.Log10(lo)) / (Math.Log10(hi) - Math.Log10(lo)) : (v - lo) / (hi - lo));
        var legendLines = LegendLines(c.Series.Select(s => s.Name).ToList(), left);
        var height = Top + plotH + 56 + legendLines.Count * LegendRow + 10;
        var sb = Begin(c.Title, height);
        Grid(sb, ticks, X, left, plotH);
        for (var g = 0; g < c.Categories.Count; g++)
        {
            var y0 = Top + g * groupH + 5;
            sb.Append(string.Create(Inv, $"<text class=\"category\" x=\"{left - 8}\" y=\"{y0 + c.Series.Count * barH / 2 + 4:F1}\" text-anchor=\"end\">{Escape(c.Categories[g])}</text>\n"));
            for (var s = 0; s < c.Series.Count; s++)
            {
                var v = c.Series[s].Values[g];
                var x0 = c.LogScale ? X(lo) : X(Math.Max(lo, Math.Min(0, v)));
                var x1 = c.LogScale ? X(Math.Max(v, lo)) : X(Math.Max(0, v));
                if (!c.LogScale && v < 0)
                {
                    (x0, x1) = (X(v), X(0));
                }
                sb.Append(string.Create(Inv, $"<rect class=\"bar\" data-series=\"{Escape(c.Series[s].Name)}\" data-category=\"{Escape(c.Categories[g])}\" data-value=\"{v.ToString("R", Inv)}\" x=\"{x0:F1}\" y=\"{y0 + s * barH:F1}\" width=\"{Math.Max(0, x1 - x0):F1}\" height=\"{barH - 2:F1}\" fill=\"{Palette[s % Palette.Length]}\"><title>{Escape($"{c.Categories[g]}, {c.Series[s].Name}: {Format(v)}")}</title></rect>\n"));
                if (c.Series.Count == 1)
                {
                    sb.Append(string.Create(Inv, $"<text class=\"value\" x=\"{x1 + 4:F1}\" y=\"{y0 + s * barH + barH - 6:F1}\" font-size=\"11\" fill=\"#333\">{Format(v)}</text>\n"));
                }
            }
        }
        if (c.Reference is { } r && r >= lo && r <= hi)
        {
            sb.Append(string.Create(Inv, $"<line class=\"reference\" x1=\"{X(r):F1}\" y1=\"{Top - 6}\" x2=\"{X(r):F1}\" y2=\"{Top + plotH}\" stroke=\"#444\" stroke-width=\"1.5\" stroke-dasharray=\"5 3\"/>"))
              .Append(string.Create(Inv, $"<text x=\"{X(r) + 4:F1}\" y=\"{Top - 8}\" font-size=\"11\" fill=\"#444\">{Escape(c.ReferenceLabel ?? Format(r))}</text>\n"));
        }
        AxisAndLegend(sb, c.ValueTitle, ticks, X, left, plotW, plotH, c.Series.Select(s => s.Name).ToList(), legendLines);
        return sb.Append("</svg>\n").ToString();
    }

    public string Render(StackedBarChart c)
    {
        var totals = Enumerable.Range(0, c.Bars.Count).Select(j => c.Layers.Sum(l => Math.Max(0, l.Values[j]))).ToList();
        var (lo, hi, ticks) = Axis.Linear(0, totals.DefaultIfEmpty(1).Max() * LabelRoom);
        const double barH = 18, gap = 8;
        var left = LeftMargin(c.Bars);
        var plotW = Width - left - Right;
        var plotH = Math.Max((barH + gap) * c.Bars.Count, 60);
        double X(double v) => left + plotW * (v - lo) / (hi - lo);
        var legendLines = LegendLines(c.Layers.Select(s => s.Name).ToList(), left);
        var height = Top + plotH + 56 + legendLines.Count * LegendRow + 10;
        var sb = Begin(c.Title, height);
        Grid(sb, ticks, X, left, plotH);
        for (var j = 0; j < c.Bars.Count; j++)
        {
            var y = Top + j * (barH + gap) + gap / 2;
            sb.Append(string.Create(Inv, $"<text class=\"category\" x=\"{left - 8}\" y=\"{y + barH / 2 + 4:F1}\" text-anchor=\"end\">{Escape(c.Bars[j])}</text>\n"));
            var at = 0.0;
            for (var i = 0; i < c.Layers.Count; i++)
            {
                var v = Math.Max(0, c.Layers[i].Values[j]);
                if (v <= 0)
                {
                    continue;
                }
                sb.Append(string.Create(Inv, $"<rect class=\"bar\" data-series=\"{Escape(c.Layers[i].Name)}\" data-category=\"{Escape(c.Bars[j])}\" data-value=\"{v.ToString("R", Inv)}\" x=\"{X(at):F1}\" y=\"{y:F1}\" width=\"{X(at + v) - X(at):F1}\" height=\"{barH}\" fill=\"{Palette[i % Palette.Length]}\"><title>{Escape($"{c.Bars[j]}, {c.Layers[i].Name}: {Format(v)}")}</title></rect>\n"));
                at += v;
            }
            sb.Append(string.Create(Inv, $"<text class=\"value\" x=\"{X(at) + 4:F1}\" y=\"{y + barH - 5:F1}\" font-size=\"11\" fill=\"#333\">{Format(at)}</text>\n"));
        }
        AxisAndLegend(sb, c.ValueTitle, ticks, X, left, plotW, plotH, c.Layers.Select(s => s.Name).ToList(), legendLines);
        return sb.Append("</svg>\n").ToString();
    }

    public string Render(LineChart c)
    {
        var ys = c.Series.SelectMany(s => s.Values).Where(double.IsFinite).Concat(c.Reference is { } r0 ? [r0] : []).ToList();
        var (ylo, yhi, yticks) = Axis.Linear(Math.Min(0, ys.DefaultIfEmpty(0).Min()), ys.DefaultIfEmpty(1).Max() * 1.05);
        var (xlo, xhi, xticks) = XAxis(c.X);
        const double left = 90, plotH = 360;
        var plotW = Width - left - Right;
        double X(double v) => left + plotW * (v - xlo) / (xhi - xlo);
        double Y(double v) => Top + plotH - plotH * (v - ylo) / (yhi - ylo);
        var legendLines = LegendLines(c.Series.Select(s => s.Name).ToList(), left);
        var height = Top + plotH + 56 + legendLines.Count * LegendRow + 10;
        var sb = Begin(c.Title, height);
        foreach (var t in yticks)
        {
            sb.Append(string.Create(Inv, $"<line class=\"grid\" x1=\"{left}\" y1=\"{Y(t):F1}\" x2=\"{left + plotW}\" y2=\"{Y(t):F1}\" stroke=\"#e2e2e2\"/>"))
              .Append(string.Create(Inv, $"<text class=\"ytick\" data-value=\"{t.ToString("R", Inv)}\" x=\"{left - 6}\" y=\"{Y(t) + 4:F1}\" text-anchor=\"end\">{Format(t)}</text>\n"));
        }
        Grid(sb, xticks, X, left, plotH);
        if (c.Reference is { } r && r >= ylo && r <= yhi)
        {
            sb.Append(string.Create(Inv, $"<line class=\"reference\" x1=\"{left}\" y1=\"{Y(r):F1}\" x2=\"{left + plotW}\" y2=\"{Y(r):F1}\" stroke=\"#444\" stroke-dasharray=\"5 3\"/>\n"));
        }
        for (var s = 0; s < c.Series.Count; s++)
        {
            var colour = Palette[s % Palette.Length];
            var pts = string.Join(' ', c.X.Select((x, i) => string.Create(Inv, $"{X(x):F1},{Y(c.Series[s].Values[i]):F1}")));
            sb.Append(string.Create(Inv, $"<polyline class=\"line\" data-series=\"{Escape(c.Series[s].Name)}\" points=\"{pts}\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\"/>\n"));
            for (var i = 0; i < c.X.Count; i++)
            {
                sb.Append(string.Create(Inv, $"<circle class=\"point\" data-series=\"{Escape(c.Series[s].Name)}\" data-x=\"{c.X[i].ToString("R", Inv)}\" data-value=\"{c.Series[s].Values[i].ToString("R", Inv)}\" cx=\"{X(c.X[i]):F1}\" cy=\"{Y(c.Series[s].Values[i]):F1}\" r=\"3\" fill=\"{colour}\"><title>{Escape($"{c.Series[s].Name} at {Format(c.X[i])}: {Format(c.Series[s].Values[i])}")}</title></circle>\n"));
            }
        }
        foreach (var (x, y, a, b) in c.Crossovers())
        {
            sb.Append(string.Create(Inv, $"<g class=\"crossover\"><title>{Escape($"{a} and {b} cross at {Format(x)} ({Format(y)})")}</title><circle cx=\"{X(x):F1}\" cy=\"{Y(y):F1}\" r=\"7\" fill=\"none\" stroke=\"#000\" stroke-width=\"1.5\"/>"))
              .Append(string.Create(Inv, $"<text x=\"{X(x) + 9:F1}\" y=\"{Y(y) - 8:F1}\" font-size=\"11\">{Format(x)}</text></g>\n"));
        }
        sb.Append(string.Create(Inv, $"<text class=\"axis-title\" transform=\"translate(18 {Top + plotH / 2}) rotate(-90)\" text-anchor=\"middle\">{Escape(c.YTitle)}</text>\n"));
        AxisAndLegend(sb, c.XTitle, xticks, X, left, plotW, plotH, c.Series.Select(s => s.Name).ToList(), legendLines);
        return sb.Append("</svg>\n").ToString();
    }

    /// <summary>An x axis over the swept values: round ticks from the smallest to the largest value.</summary>
    private static (double Lo, double Hi, IReadOnlyList<double> Ticks) XAxis(IReadOnlyList<double> xs)
    {
        var lo = xs.DefaultIfEmpty(0).Min();
        var hi = xs.DefaultIfEmpty(1).Max();
        if (hi <= lo)
        {
            hi = lo + 1;
        }
        return Axis.Round(lo, hi, 6);
    }

    /// <summary>Room for the longest category label, between 100 and 340 pixels.</summary>
    private static double LeftMargin(IEnumerable<string> labels) => Math.Clamp(labels.Select(l => l.Length).DefaultIfEmpty(4).Max() * CharWidth + 20, 100, 340);

    /// <summary>The legend's entries, wrapped into rows that fit the width.</summary>
    private static List<List<int>> LegendLines(IReadOnlyList<string> names, double left)
    {
        var lines = new List<List<int>> { new() };
        var x = left;
        for (var i = 0; i < names.Count; i++)
        {
            var w = 24 + Shorten(names[i]).Length * CharWidth + 16;
            if (x + w > Width - Right && lines[^1].Count > 0)
            {
                lines.Add(new List<int>());
                x = left;
            }
            lines[^1].Add(i);
            x += w;
        }
        return lines;
    }

    private static StringBuilder Begin(string title, double height)
    {
        var sb = new StringBuilder();
        sb.Append(string.Create(Inv, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{height:F0}\" viewBox=\"0 0 {Width} {height:F0}\" font-family=\"DejaVu Sans, Arial, sans-serif\" font-size=\"12\">\n"));
        sb.Append("<title>").Append(Escape(title)).Append("</title>\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        sb.Append(string.Create(Inv, $"<text class=\"title\" x=\"{Width / 2}\" y=\"26\" text-anchor=\"middle\" font-size=\"15\" font-weight=\"bold\">{Escape(title)}</text>\n"));
        return sb;
    }

    private static void Grid(StringBuilder sb, IReadOnlyList<double> ticks, Func<double, double> x, double left, double plotH)
    {
        foreach (var t in ticks)
        {
            sb.Append(string.Create(Inv, $"<line class=\"grid\" x1=\"{x(t):F1}\" y1=\"{Top}\" x2=\"{x(t):F1}\" y2=\"{Top + plotH}\" stroke=\"#e2e2e2\"/>\n"));
        }
    }

    private static void AxisAndLegend(StringBuilder sb, string valueTitle, IReadOnlyList<double> ticks, Func<double, double> x, double left, double plotW, double plotH,
        IReadOnlyList<string> names, List<List<int>> legendLines)
    {
        sb.Append(string.Create(Inv, $"<line x1=\"{left}\" y1=\"{Top + plotH}\" x2=\"{left + plotW}\" y2=\"{Top + plotH}\" stroke=\"#333\"/>"))
          .Append(string.Create(Inv, $"<line x1=\"{left}\" y1=\"{Top}\" x2=\"{left}\" y2=\"{Top + plotH}\" stroke=\"#333\"/>\n"));
        foreach (var t in ticks)
        {
            sb.Append(string.Create(Inv, $"<text class=\"tick\" data-value=\"{t.ToString("R", Inv)}\" x=\"{x(t):F1}\" y=\"{Top + plotH + 16}\" text-anchor=\"middle\">{Format(t)}</text>\n"));
        }
        sb.Append(string.Create(Inv, $"<text class=\"axis-title\" x=\"{left + plotW / 2:F1}\" y=\"{Top + plotH + 36}\" text-anchor=\"middle\">{Escape(valueTitle)}</text>\n"));
        var y = Top + plotH + 58;
        foreach (var line in legendLines)
        {
            var lx = left;
            foreach (var i in line)
            {
                sb.Append(string.Create(Inv, $"<g class=\"legend\"><title>{Escape(names[i])}</title><rect x=\"{lx:F1}\" y=\"{y - 10}\" width=\"14\" height=\"12\" fill=\"{Palette[i % Palette.Length]}\"/><text x=\"{lx + 20:F1}\" y=\"{y}\">{Escape(Shorten(names[i]))}</text></g>\n"));
                lx += 24 + Shorten(names[i]).Length * CharWidth + 16;
            }
            y += LegendRow;
        }
    }

    /// <summary>A value for a label: thousands separated, at most three decimals, no trailing zeros.</summary>
    public static string Format(double v) =>
        Math.Abs(v) >= 1000 ? v.ToString("#,0", Inv) : Math.Abs(v) >= 10 ? v.ToString("0.#", Inv) : v.ToString("0.###", Inv);

    /// <summary>A legend label that fits one row of the chart (the whole name stays in the entry's title).</summary>
    private static string Shorten(string name) => name.Length <= 120 ? name : name[..117] + "...";

    private static string Escape(string text) => SecurityElement.Escape(text) ?? "";
}
