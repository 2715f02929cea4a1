namespace PerfSim.IO.Charts;

/// <summary>A named row of values, one per category (or per bar, for a stacked chart's layer).</summary>
public sealed record Series(string Name, IReadOnlyList<double> Values);

/// <summary>
/// Horizontal grouped bars: one group per category (read top to bottom), one bar per series in each group.
/// <paramref name="LogScale"/> puts the value axis on a log scale (values must be positive); <paramref name="Reference"/>
/// draws a vertical line at that value (1.0: native).
/// </summary>
public sealed record BarChart(
    string Title, string ValueTitle, IReadOnlyList<string> Categories, IReadOnlyList<Series> Series,
    bool LogScale = false, double? Reference = null, string? ReferenceLabel = null);

/// <summary>Horizontal stacked bars: one bar per entry of <paramref name="Bars"/>, one segment per layer (Layers[i].Values[j] is layer i of bar j).</summary>
public sealed record StackedBarChart(string Title, string ValueTitle, IReadOnlyList<string> Bars, IReadOnlyList<Series> Layers);

/// <summary>A line per series against a numeric x axis (a swept parameter), with the points where two series cross marked.</summary>
public sealed record LineChart(string Title, string XTitle, string YTitle, IReadOnlyList<double> X, IReadOnlyList<Series> Series, double? Reference = null)
{
    /// <summary>Where two series swap order between neighbouring x values: the crossing point by linear interpolation.</summary>
    public IReadOnlyList<(double X, double Y, string A, string B)> Crossovers()
    {
        var result = new List<(double, double, string, string)>();
        for (var a = 0; a < Series.Count; a++)
        {
            for (var b = a + 1; b < Series.Count; b++)
            {
                for (var i = 0; i + 1 < X.Count; i++)
                {
                    var d0 = Series[a].Values[i] - Series[b].Values[i];
                    var d1 = Series[a].Values[i + 1] - Series[b].Values[i + 1];
                    if (d0 * d1 < 0)
                    {
                        var t = d0 / (d0 - d1);
                        result.Add((X[i] + t * (X[i + 1] - X[i]), Series[a].Values[i] + t * (Series[a].Values[i + 1] - Series[a].Values[i]), Series[a].Name, Series[b].Name));
                    }
                }
            }
        }
        return result;
    }
}

/// <summary>Draws the chart models; SVG today (<see cref="SvgChartRenderer"/>), a plotting library could implement it later.</summary>
public interface IChartRenderer
{
    /// <summary>The file extension of what it draws, e.g. "svg".</summary>
    string Extension { get; }

    string Render(BarChart chart);

    string Render(StackedBarChart chart);

    string Render(LineChart chart);
}
