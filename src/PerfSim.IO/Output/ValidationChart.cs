using System.Globalization;
using System.Security;
using System.Text;
using PerfSim.IO.Calibration;

namespace PerfSim.IO.Output;

/// <summary>
/// validation.svg: every non-native cell's predicted ratio to native against its published one, on log axes with ticks
/// at 1, 2 and 5 per decade, the y = x line, one colour-blind-safe colour (Okabe-Ito) per table with a legend below the
/// plot. A stand-alone SVG writer until the chart module of the charts issue takes it over.
/// </summary>
public static class ValidationChart
{
    private static readonly string[] Palette = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000"];
    private const double Width = 640, Height = 560, Left = 80, Right = 24, Top = 48, PlotHeight = 400;

    public static string Svg(IReadOnlyList<ValidationRow> rows)
    {
        var inv = CultureInfo.InvariantCulture;
        var points = rows.Where(r => !r.IsBaseline).ToList();
        static string TableOf(ValidationRow r) => r.Table.Split('#')[0];
        var tables = points.Select(TableOf).Distinct().ToList();
        var sources = tables.Select(t => points.First(r => TableOf(r) == t).Source).ToList();
        var values = points.SelectMany(r => new[] { r.RatioPublished, r.RatioPredicted }).Where(v => v > 0).DefaultIfEmpty(1).ToList();
        // Whole 1-2-5 steps around the data, and never less than 0.5 to 2: the axes cover every point.
        var lo = Math.Min(0.5, Step(values.Min(), down: true));
        var hi = Math.Max(2, Step(values.Max(), down: false));
        var plotWidth = Width - Left - Right;
        double X(double v) => Left + (Math.Log10(v) - Math.Log10(lo)) / (Math.Log10(hi) - Math.Log10(lo)) * plotWidth;
        double Y(double v) => Top + PlotHeight - (Math.Log10(v) - Math.Log10(lo)) / (Math.Log10(hi) - Math.Log10(lo)) * PlotHeight;
        var sb = new StringBuilder();
        sb.Append(string.Create(inv, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{Height}\" viewBox=\"0 0 {Width} {Height}\" font-family=\"sans-serif\" font-size=\"12\">\n"));
        sb.Append("<title>Predicted against published ratio to native</title>\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        sb.Append(string.Create(inv, $"<text x=\"{Width / 2}\" y=\"24\" text-anchor=\"middle\" font-size=\"15\">Predicted against published time relative to native</text>\n"));
        foreach (var t in Ticks(lo, hi))
        {
            var label = t.ToString("0.##", inv) + "×";
            sb.Append(string.Create(inv, $"<line class=\"grid\" x1=\"{X(t):F1}\" y1=\"{Top}\" x2=\"{X(t):F1}\" y2=\"{Top + PlotHeight}\" stroke=\"#ddd\"/>"))
              .Append(string.Create(inv, $"<line class=\"grid\" x1=\"{Left}\" y1=\"{Y(t):F1}\" x2=\"{Left + plotWidth}\" y2=\"{Y(t):F1}\" stroke=\"#ddd\"/>"))
              .Append(string.Create(inv, $"<text class=\"tick\" x=\"{X(t):F1}\" y=\"{Top + PlotHeight + 16}\" text-anchor=\"middle\">{label}</text>"))
              .Append(string.Create(inv, $"<text class=\"tick\" x=\"{Left - 6}\" y=\"{Y(t) + 4:F1}\" text-anchor=\"end\">{label}</text>\n"));
        }
        sb.Append(string.Create(inv, $"<rect x=\"{Left}\" y=\"{Top}\" width=\"{plotWidth}\" height=\"{PlotHeight}\" fill=\"none\" stroke=\"#333\"/>\n"));
        sb.Append(string.Create(inv, $"<line class=\"identity\" x1=\"{X(lo):F1}\" y1=\"{Y(lo):F1}\" x2=\"{X(hi):F1}\" y2=\"{Y(hi):F1}\" stroke=\"#666\" stroke-dasharray=\"6 4\"/>\n"));
        sb.Append(string.Create(inv, $"<text x=\"{Left + plotWidth / 2}\" y=\"{Top + PlotHeight + 36}\" text-anchor=\"middle\">published ratio to native (×)</text>\n"));
        sb.Append(string.Create(inv, $"<text transform=\"translate(20 {Top + PlotHeight / 2}) rotate(-90)\" text-anchor=\"middle\">predicted ratio to native (×)</text>\n"));
        foreach (var r in points)
        {
            var colour = Palette[tables.IndexOf(TableOf(r)) % Palette.Length];
            sb.Append(string.Create(inv, $"<circle class=\"point\" cx=\"{X(r.RatioPublished):F1}\" cy=\"{Y(r.RatioPredicted):F1}\" r=\"4\" fill=\"{colour}\" fill-opacity=\"0.8\">"))
              .Append("<title>").Append(Escape($"{r.Benchmark} {r.Config}: published {r.RatioPublished.ToString("F2", inv)}, predicted {r.RatioPredicted.ToString("F2", inv)}")).Append("</title></circle>\n");
        }
        // The legend, below the axis title: it never covers a point.
        var y = Top + PlotHeight + 60;
        for (var i = 0; i < tables.Count; i++)
        {
            var colour = Palette[i % Palette.Length];
            sb.Append(string.Create(inv, $"<g class=\"legend\"><circle cx=\"{Left + 6}\" cy=\"{y + i * 18 - 4}\" r=\"5\" fill=\"{colour}\"/><text x=\"{Left + 18}\" y=\"{y + i * 18}\">"))
              .Append(Escape(Shorten(tables[i] + ": " + sources[i]))).Append("</text></g>\n");
        }
        sb.Append(string.Create(inv, $"<text x=\"{Left + plotWidth}\" y=\"{y + tables.Count * 18}\" text-anchor=\"end\" fill=\"#666\">dashed: predicted = published</text>\n"));
        return sb.Append("</svg>\n").ToString();
    }

    /// <summary>The 1-2-5 step at or below (or above) a value.</summary>
    internal static double Step(double v, bool down)
    {
        var decade = Math.Pow(10, Math.Floor(Math.Log10(v)));
        double[] steps = [1, 2, 5, 10];
        return down ? steps.Where(s => s * decade <= v * (1 + 1e-12)).Max() * decade : steps.Where(s => s * decade >= v * (1 - 1e-12)).Min() * decade;
    }

    /// <summary>Ticks at 1, 2 and 5 per decade between lo and hi, inclusive.</summary>
    internal static IReadOnlyList<double> Ticks(double lo, double hi)
    {
        var ticks = new List<double>();
        for (var decade = Math.Pow(10, Math.Floor(Math.Log10(lo))); decade <= hi; decade *= 10)
        {
            foreach (var s in new[] { 1.0, 2, 5 })
            {
                var t = s * decade;
                if (t >= lo * (1 - 1e-9) && t <= hi * (1 + 1e-9))
                {
                    ticks.Add(Math.Round(t, 10));
                }
            }
        }
        return ticks;
    }

    private static string Shorten(string label) => label.Length <= 76 ? label : label[..73] + "...";

    private static string Escape(string text) => SecurityElement.Escape(text) ?? "";
}
