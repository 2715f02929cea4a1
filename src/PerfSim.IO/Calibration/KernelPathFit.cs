using System.Globalization;
using MathNet.Numerics.LinearAlgebra;
using PerfSim.Core.Designs;
using PerfSim.Core.Kernel;
using PerfSim.Core.Machine;
using PerfSim.Core.Simulation;
using PerfSim.Core.Workloads;

namespace PerfSim.IO.Calibration;

/// <summary>
/// Fits one scale factor per <see cref="KernelPathGroup"/> to published native cells by least squares on the
/// relative error (MathNet QR). The model is linear in each group's path lengths (path cycles and cold-code
/// cycles are both proportional to instructions), so the sensitivity of every cell to every group is
/// measured once by running the simulator with that group doubled. Hardware primitives are never fitted.
/// A fit always starts from the raw lengths: a path whose source names an earlier fit (<c>| fitted ×F</c>) is taken
/// back to its raw length first (<see cref="Unfitted"/>), so the factors reported are the whole ones and a
/// shipped profile fits to itself.
/// </summary>
public static class KernelPathFit
{
    /// <param name="free">The groups to fit (default: all of them); the others keep their path lengths.</param>
    public static PathFitResult Fit(MachineProfile machine, KernelProfile kernel, IReadOnlyList<PublishedCell> cells, ulong seed = 1,
        IReadOnlyCollection<KernelPathGroup>? free = null)
    {
        if (cells.Count == 0)
        {
            throw new ArgumentException("no cells to fit");
        }
        var groups = Enum.GetValues<KernelPathGroup>().Where(g => free is null || free.Contains(g)).ToArray();
        if (groups.Length == 0)
        {
            throw new ArgumentException("no path group to fit");
        }
        kernel = Unfitted(kernel, groups);
        var workloads = cells.Select(c => PublishedTable.WorkloadOf(c.Benchmark)
            ?? throw new ArgumentException($"{c.File}:{c.Line}: benchmark '{c.Benchmark}' maps to no PerfSim workload")).ToArray();
        var options = new WorkloadOptions { Seed = seed };
        double Predict(KernelProfile k, string w) =>
            ScenarioRunner.Run(new ResolvedConfig(machine, k, DesignSpec.Native, 1, seed), Lmbench.Find(w)!, options).CyclesPerIter;

        var distinct = workloads.Distinct().ToArray();
        var n = cells.Count;
        var y = cells.Select(c => c.Value * machine.FrequencyMhz).ToArray();
        var all = Enumerable.Range(0, n).ToArray();

        // The model is nearly linear in each group's scale (path cycles are; the code cache adds kinks where a
        // footprint crosses the capacity), so Gauss-Newton: measure the sensitivity at the current scales,
        // solve the linear least-squares problem, repeat until the scales settle.
        var scales = Enumerable.Repeat(1.0, groups.Length).ToArray();
        double[] before = [];
        double[] t0 = [];
        var d = new double[n, groups.Length];
        bool[] active = [];
        for (var iteration = 0; iteration < MaxIterations; iteration++)
        {
            var at = ScaleAll(kernel, groups, scales, "sensitivity");
            var variants = new KernelProfile[groups.Length + 1];
            variants[0] = at;
            for (var g = 0; g < groups.Length; g++)
            {
                variants[g + 1] = Scale(at, groups[g], 1 + Step, "sensitivity");
            }
            var runs = new double[distinct.Length, variants.Length];
            Parallel.For(0, distinct.Length * variants.Length, i =>
                runs[i / variants.Length, i % variants.Length] = Predict(variants[i % variants.Length], distinct[i / variants.Length]));
            t0 = new double[n];
            for (var i = 0; i < n; i++)
            {
                var w = Array.IndexOf(distinct, workloads[i]);
                t0[i] = runs[w, 0];
                for (var g = 0; g < groups.Length; g++)
                {
                    // Per unit of scale, at the current scale (t0 is the prediction at scales; s - 1 below is relative).
                    d[i, g] = (runs[w, g + 1] - runs[w, 0]) / (Step * scales[g]);
                }
            }
            if (iteration == 0)
            {
                before = (double[])t0.Clone();
                active = groups.Select((_, g) => all.Any(i => Math.Abs(d[i, g]) > 1e-9)).ToArray();
            }
            var next = Solve(all, Shift(t0, d, scales), d, y, active);
            var settled = next.Zip(scales).All(p => Math.Abs(p.First - p.Second) <= Tolerance * Math.Abs(p.Second));
            scales = next;
            if (settled)
            {
                break;
            }
        }
        var fitted = new FitCell[n];
        var linearAtScales = Shift(t0, d, scales);
        for (var i = 0; i < n; i++)
        {
            var loo = Solve(all.Where(j => j != i).ToArray(), linearAtScales, d, y, active);
            fitted[i] = new FitCell(cells[i], workloads[i], y[i], before[i], 0, PredictLinear(i, linearAtScales, d, loo));
        }
        scales = scales.Select(v => Math.Round(v, 3)).ToArray(); // the factor written down is the factor used
        var final = ScaleAll(kernel, groups, scales, "final");
        var finalRuns = distinct.AsParallel().AsOrdered().Select(w => Predict(final, w)).ToArray();
        for (var i = 0; i < n; i++)
        {
            fitted[i] = fitted[i] with { Fitted = finalRuns[Array.IndexOf(distinct, workloads[i])] };
        }
        var calibrated = kernel;
        var scaleMap = new Dictionary<KernelPathGroup, double>();
        for (var g = 0; g < groups.Length; g++)
        {
            scaleMap[groups[g]] = scales[g];
            calibrated = Scale(calibrated, groups[g], scales[g],
                $"fitted ×{scales[g].ToString("F3", CultureInfo.InvariantCulture)} ({groups[g]} group, least squares on {Path.GetFileName(cells[0].File)} {cells[0].Config} on {machine.Name}; see docs/cost-model.md)");
        }
        return new PathFitResult(scaleMap, calibrated, fitted);
    }

    private const int MaxIterations = 8;
    private const double Step = 0.1;
    private const double Tolerance = 0.002;

    /// <summary>Predictions at scale 1 for every group, from predictions at the given scales (so Solve's s - 1 form applies).</summary>
    private static double[] Shift(double[] t, double[,] d, double[] scales)
    {
        var r = new double[t.Length];
        for (var i = 0; i < t.Length; i++)
        {
            r[i] = t[i];
            for (var g = 0; g < scales.Length; g++)
            {
                r[i] -= (scales[g] - 1) * d[i, g];
            }
        }
        return r;
    }

    private static KernelProfile ScaleAll(KernelProfile k, KernelPathGroup[] groups, double[] scales, string source)
    {
        for (var g = 0; g < groups.Length; g++)
        {
            k = Scale(k, groups[g], scales[g], source);
        }
        return k;
    }

    private static double PredictLinear(int i, double[] t0, double[,] d, double[] s)
    {
        var v = t0[i];
        for (var g = 0; g < s.Length; g++)
        {
            v += (s[g] - 1) * d[i, g];
        }
        return v;
    }

    /// <summary>Least squares on relative error for the scale of each active group (inactive groups keep 1).</summary>
    private static double[] Solve(int[] rows, double[] t0, double[,] d, double[] y, bool[] active)
    {
        var cols = Enumerable.Range(0, active.Length).Where(g => active[g] && rows.Any(i => Math.Abs(d[i, g]) > 1e-9)).ToArray();
        var s = Enumerable.Repeat(1.0, active.Length).ToArray();
        if (cols.Length == 0 || rows.Length < cols.Length)
        {
            return s;
        }
        var a = Matrix<double>.Build.Dense(rows.Length, cols.Length, (r, c) => d[rows[r], cols[c]] / y[rows[r]]);
        var b = Vector<double>.Build.Dense(rows.Length, r => (y[rows[r]] - t0[rows[r]]) / y[rows[r]]);
        var x = a.QR().Solve(b); // x = s - 1
        for (var c = 0; c < cols.Length; c++)
        {
            s[cols[c]] = 1 + x[c];
        }
        return s;
    }

    /// <summary>
    /// The profile with every path of the given groups taken back to its raw length: a path whose source ends in an
    /// earlier fit's note (<c>| fitted ×F (...)</c>) is divided by F (rounded to whole instructions, at least 1) and
    /// the note dropped; other paths are left as they are. Dividing by the factor that multiplied it gives back the
    /// raw length, or one that the same factor takes to the same fitted length.
    /// </summary>
    public static KernelProfile Unfitted(KernelProfile k, IEnumerable<KernelPathGroup> groups)
    {
        var set = groups.ToHashSet();
        for (var i = 0; i < KernelPaths.Count; i++)
        {
            var p = (KernelPath)i;
            var source = k.SourceOf(p);
            var cut = source.IndexOf(" | fitted ×", StringComparison.Ordinal);
            if (!set.Contains(KernelPaths.GroupOf(p)) || cut < 0)
            {
                continue;
            }
            var digits = source[(cut + " | fitted ×".Length)..];
            var end = digits.IndexOf(' ');
            if (!double.TryParse(end < 0 ? digits : digits[..end], NumberStyles.Float, CultureInfo.InvariantCulture, out var factor) || factor <= 0)
            {
                throw new ArgumentException($"kernel '{k.Name}', path {KernelPaths.Defs[i].Key}: its source names a fit without a readable factor: '{source[cut..]}'");
            }
            var raw = k[p] == 0 ? 0 : Math.Max(1, (long)Math.Round(k[p] / factor, MidpointRounding.AwayFromZero));
            k = k.With(p, raw, source[..cut]);
        }
        return k;
    }

    /// <summary>A kernel with every path of one group multiplied by a factor (rounded to whole instructions, at least 1 if it was non-zero).</summary>
    public static KernelProfile Scale(KernelProfile k, KernelPathGroup group, double factor, string source)
    {
        for (var i = 0; i < KernelPaths.Count; i++)
        {
            var p = (KernelPath)i;
            if (KernelPaths.GroupOf(p) != group || k[p] == 0)
            {
                continue;
            }
            var v = Math.Max(1, (long)Math.Round(k[p] * factor, MidpointRounding.AwayFromZero));
            var old = k.SourceOf(p);
            var cut = old.IndexOf(" | fitted", StringComparison.Ordinal);
            var src = source == "sensitivity" ? old : $"{(cut >= 0 ? old[..cut] : old)} | {source}";
            k = k.With(p, v, src);
        }
        return k;
    }
}
