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

/// <summary>Draws the chart models; SVG today (<see cref="SvgChartRenderer"/>), a plotting library could implement it later.</summary>
public interface IChartRenderer
{
    /// <summary>The file extension of what it draws, e.g. "svg".</summary>
    string Extension { get; }

    string Render(BarChart chart);

    string Render(StackedBarChart chart);
}
