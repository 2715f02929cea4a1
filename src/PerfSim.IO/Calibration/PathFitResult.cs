using PerfSim.Core.Kernel;
using PerfSim.Core.Machine;

namespace PerfSim.IO.Calibration;

/// <summary>
/// One cell of a calibration: published, predicted before and after the fit, and left-one-out; in cycles for a
/// native (kernel path) fit, as ratios to native for a design-cost fit.
/// </summary>
public sealed record FitCell(PublishedCell Cell, string Workload, double Published, double Before, double Fitted, double LeaveOneOut)
{
    public double ErrorPct => 100 * (Fitted - Published) / Published;
    public double LeaveOneOutErrorPct => 100 * (LeaveOneOut - Published) / Published;
    public double BeforeErrorPct => 100 * (Before - Published) / Published;
}

/// <summary>
/// The fitted scale factor of each path group, the calibrated kernel, and the per-cell errors; with a tie, also the
/// machine with its tied costs scaled by <see cref="TieScale"/> (otherwise the machine as given).
/// </summary>
public sealed record PathFitResult(IReadOnlyDictionary<KernelPathGroup, double> Scales, KernelProfile Calibrated, IReadOnlyList<FitCell> Cells,
    MachineProfile Machine, double? TieScale)
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
