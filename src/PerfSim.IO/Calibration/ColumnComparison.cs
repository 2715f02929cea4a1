using System.Globalization;
using System.Text;
using PerfSim.IO.Output;

namespace PerfSim.IO.Calibration;

/// <summary>One configuration of a published row next to the model: its ratio to native in both.</summary>
public sealed record ComparedCell(string Config, string Design, double Published, double Model)
{
    public double ErrorPct => 100 * (Model - Published) / Published;
}

/// <summary>
/// Published configurations against the designs that model them, as ratios to native, row by row: the error of
/// each cell and whether the configurations come in the published order. Two published values within
/// <see cref="Tie"/> of each other are a tie (the tables' reading error); a tie must stay within Tie² in the model,
/// any other pair must keep its sign.
/// </summary>
public static class ColumnComparison
{
    public const double Tie = 1.05;

    public const string BeginMarker = "<!-- BEGIN GENERATED TABLES (ColumnComparison; do not edit by hand) -->";

    /// <summary>The pairs of a row that are out of the published order (empty when the order is right). The native configuration is the cell with ratio 1 in both.</summary>
    public static IReadOnlyList<string> OrderViolations(string benchmark, IReadOnlyList<ComparedCell> cells)
    {
        var all = new List<ComparedCell> { new("native", "native", 1, 1) };
        all.AddRange(cells);
        var wrong = new List<string>();
        for (var i = 0; i < all.Count; i++)
        {
            for (var j = i + 1; j < all.Count; j++)
            {
                var published = all[i].Published / all[j].Published;
                var model = all[i].Model / all[j].Model;
                var ok = published > Tie ? model > 1 : published < 1 / Tie ? model < 1 : model is < Tie * Tie and > 1 / (Tie * Tie);
                if (!ok)
                {
                    wrong.Add(string.Create(CultureInfo.InvariantCulture,
                        $"{benchmark}: {all[i].Config}/{all[j].Config} published {published:F2}, model {model:F2}"));
                }
            }
        }
        return wrong;
    }

    /// <summary>A markdown table (between the generated-section markers): per row each configuration's published and modelled ratio and the error, and whether the order is right.</summary>
    public static string Render(IReadOnlyList<(string Benchmark, IReadOnlyList<ComparedCell> Cells)> rows)
    {
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder(BeginMarker).Append("\n\n| benchmark |");
        var first = rows[0].Cells;
        foreach (var c in first)
        {
            sb.Append(' ').Append(c.Config).Append(" published | ").Append(c.Design).Append(" model | error |");
        }
        sb.Append(" order right |\n|---|").Append(string.Concat(first.Select(_ => "---:|---:|---:|"))).Append("---|\n");
        foreach (var (benchmark, cells) in rows)
        {
            sb.Append("| ").Append(benchmark).Append(" |");
            foreach (var c in cells)
            {
                sb.Append(' ').Append(c.Published.ToString("F2", inv)).Append(" | ").Append(c.Model.ToString("F2", inv)).Append(" | ")
                  .Append(c.ErrorPct.ToString("+0;-0;0", inv)).Append("% |");
            }
            sb.Append(' ').Append(OrderViolations(benchmark, cells).Count == 0 ? "yes" : "no").Append(" |\n");
        }
        return sb.Append('\n').Append(GeneratedSection.EndMarker).Append('\n').ToString();
    }

    public static string Splice(string document, string generated) => GeneratedSection.Splice(document, BeginMarker, generated);
}
