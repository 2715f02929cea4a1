using PerfSim.Core.Kernel;

namespace PerfSim.IO.Calibration;

/// <summary>One cell of a calibration: published, predicted before and after the fit, and left-one-out.</summary>
public sealed record FitCell(PublishedCell Cell, string Workload, double PublishedCycles, double BeforeCycles, double FittedCycles, double LeaveOneOutCycles)
{
    public double ErrorPct => 100 * (FittedCycles - PublishedCycles) / PublishedCycles;
    public double LeaveOneOutErrorPct => 100 * (LeaveOneOutCycles - PublishedCycles) / PublishedCycles;
    public double BeforeErrorPct => 100 * (BeforeCycles - PublishedCycles) / PublishedCycles;
}

/// <summary>The fitted scale factor of each path group, the calibrated kernel, and the per-cell errors.</summary>
public sealed record PathFitResult(IReadOnlyDictionary<KernelPathGroup, double> Scales, KernelProfile Calibrated, IReadOnlyList<FitCell> Cells)
{
    public double MedianAbsErrorPct => FitStats.MedianAbs(Cells.Select(c => c.ErrorPct));
    public double MedianAbsLeaveOneOutErrorPct => FitStats.MedianAbs(Cells.Select(c => c.LeaveOneOutErrorPct));
}

/// <summary>Summary statistics shared by the fits.</summary>
public static class FitStats
{
    /// <summary>The median of the absolute values (0 for none).</summary>
    public static double MedianAbs(IEnumerable<double> xs)
    {
        var a = xs.Select(Math.Abs).OrderBy(x => x).ToArray();
        return a.Length == 0 ? 0 : a.Length % 2 == 1 ? a[a.Length / 2] : (a[a.Length / 2 - 1] + a[a.Length / 2]) / 2;
    }
}
