using System.Globalization;
using System.Security;
using System.Text;
using PerfSim.IO.Calibration;

namespace PerfSim.IO.Output;

/// <summary>
/// validation.svg: every non-native cell's predicted ratio to native against its published one, on log axes with ticks
/// at 1, 2 and 5 per decade, the y = x line, one colour-blind-safe colour (Okabe-Ito) per table with a legend below the
/// plot. Its ticks come from <see cref="PerfSim.IO.Charts.Axis"/>, as the run charts' do.
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
        var lo = Math.Min(0.5, PerfSim.IO.Charts.Axis.Step125(values.Min(), down: true));
        var hi = Math.Max(2, PerfSim.IO.Charts.Axis.Step125(values.Max(), down: false));
        var plotWidth = Width - Left - Right;
        double X(double v) => Left + (Math.Log10(v) - Math.Log10(lo)) / (Math.Log10(hi) - Math.Log10(lo)) * plotWidth;
        double Y(double v) => Top + PlotHeight - (Math.Log10(v) - Math.Log10(lo)) / (Math.Log10(hi) - Math.Log10(lo)) * PlotHeight;
        var sb = new StringBuilder();
        sb.Append(string.Create(inv, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{Height}\" viewBox=\"0 0 {Width} {Height}\" font-family=\"sans-serif\" font-size=\"12\">\n"));
        sb.Append("<title>Predicted against published ratio to native</title>\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        sb.Append(string.Create(inv, $"<text x=\"{Width / 2}\" y=\"24\" text-anchor=\"middle\" font-size=\"15\">Predicted against published time relative to native</text>\n"));
        foreach (var t in PerfSim.IO.Charts.Axis.LogTicks(lo, hi))
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

    private static string Shorten(string label) => label.Length <= 76 ? label : label[..73] + "...";

    private static string Escape(string text) => SecurityElement.Escape(text) ?? "";
}
