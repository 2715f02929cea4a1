namespace PerfSim.IO.Charts;

/// <summary>Axis ranges and ticks at round numbers: 1, 2, 5 per decade on a log axis; 1, 2, 2.5 or 5 times a power of ten on a linear one.</summary>
public static class Axis
{
    /// <summary>The 1-2-5 step at or below (or above) a positive value.</summary>
    public static double Step125(double v, bool down)
    {
        var decade = Math.Pow(10, Math.Floor(Math.Log10(v)));
        double[] steps = [1, 2, 5, 10];
        return down ? steps.Where(s => s * decade <= v * (1 + 1e-12)).Max() * decade : steps.Where(s => s * decade >= v * (1 - 1e-12)).Min() * decade;
    }

    /// <summary>Ticks at 1, 2 and 5 per decade between lo and hi, inclusive.</summary>
    public static IReadOnlyList<double> LogTicks(double lo, double hi)
    {
        var ticks = new List<double>();
        for (var decade = Math.Pow(10, Math.Floor(Math.Log10(lo))); decade <= hi * (1 + 1e-9); decade *= 10)
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

    /// <summary>A linear axis from 0 (or below, for negative data) to a round number at or above the largest value, with 4 to 10 ticks.</summary>
    public static (double Lo, double Hi, IReadOnlyList<double> Ticks) Linear(double min, double max)
    {
        var lo = Math.Min(0, min);
        return Round(lo, Math.Max(max, lo + 1e-12), 5);
    }

    /// <summary>An axis over [lo, hi] (not forced to 0): round ticks, about <paramref name="steps"/> of them, ends on ticks.</summary>
    public static (double Lo, double Hi, IReadOnlyList<double> Ticks) Round(double lo, double hi, int steps)
    {
        var raw = (hi - lo) / steps;
        var mag = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        var step = new[] { 1, 2, 2.5, 5, 10 }.Select(s => s * mag).First(s => s >= raw * (1 - 1e-12));
        var first = Math.Floor(lo / step) * step;
        var last = Math.Ceiling(hi / step - 1e-9) * step;
        var ticks = new List<double>();
        for (var t = first; t <= last + step / 2; t += step)
        {
            ticks.Add(Math.Round(t, 10));
        }
        return (first, last, ticks);
    }

    /// <summary>
    /// A log axis for bars covering every positive value (and the reference, if any), at whole 1-2-5 steps; it starts
    /// at least 2.5 times below the smallest value, so that the shortest bar still shows.
    /// </summary>
    public static (double Lo, double Hi, IReadOnlyList<double> Ticks) Log(IEnumerable<double> values, double? reference)
    {
        var v = values.Where(x => x > 0 && double.IsFinite(x)).Concat(reference is > 0 ? [reference.Value] : []).DefaultIfEmpty(1).ToList();
        var lo = Step125(v.Min() / 2.5, down: true);
        var hi = Step125(v.Max(), down: false);
        if (hi <= lo)
        {
            hi = Step125(lo * 1.5, down: false);
        }
        return (lo, hi, LogTicks(lo, hi));
    }
}
