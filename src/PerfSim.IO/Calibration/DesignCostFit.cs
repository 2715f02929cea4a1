using System.Globalization;
using MathNet.Numerics.LinearAlgebra;
using PerfSim.Core.Designs;
using PerfSim.Core.Kernel;
using PerfSim.Core.Machine;
using PerfSim.Core.Simulation;
using PerfSim.Core.Workloads;

namespace PerfSim.IO.Calibration;

/// <summary>The fitted machine parameters, the machine profile carrying them, and the per-cell ratios.</summary>
public sealed record DesignFitResult(IReadOnlyDictionary<MachineParam, long> Before, IReadOnlyDictionary<MachineParam, long> Fitted,
    IReadOnlyList<MachineParam> Pinned, MachineProfile Calibrated, IReadOnlyList<FitCell> Cells)
{
    public double MedianAbsErrorPct => FitStats.MedianAbs(Cells.Select(c => c.ErrorPct));
    public double MedianAbsBeforeErrorPct => FitStats.MedianAbs(Cells.Select(c => c.BeforeErrorPct));
    public double MedianAbsLeaveOneOutErrorPct => FitStats.MedianAbs(Cells.Select(c => c.LeaveOneOutErrorPct));
}

/// <summary>
/// Fits a few machine cost parameters of a design (a hypervisor's or VMM's primitives: a hypercall, a fault
/// bounce, a shadow sync...) to a published column of ratios to native, by non-negative least squares on the
/// relative error. The design's time is exactly linear in every cost parameter (costs are charged, they never
/// change what the model does), so each cell's sensitivity is measured once by raising the parameter by a step.
/// The kernel, the native baseline and every parameter not named stay as they are; a parameter the fit would
/// make negative is pinned at 0 and the rest refitted.
/// </summary>
public static class DesignCostFit
{
    private const long Step = 1000;

    public static DesignFitResult Fit(MachineProfile machine, KernelProfile kernel, DesignSpec design, IReadOnlyList<MachineParam> parameters,
        IReadOnlyList<PublishedCell> cells, IReadOnlyList<PublishedCell> nativeCells, ulong seed = 1)
    {
        if (cells.Count == 0)
        {
            throw new ArgumentException("no cells to fit");
        }
        if (parameters.Count == 0)
        {
            throw new ArgumentException("no parameters to fit");
        }
        var rows = new List<(PublishedCell Cell, string Workload, double Ratio)>();
        foreach (var c in cells)
        {
            var w = PublishedTable.WorkloadOf(c.Benchmark)
                ?? throw new ArgumentException($"{c.File}:{c.Line}: benchmark '{c.Benchmark}' maps to no PerfSim workload");
            var native = nativeCells.FirstOrDefault(n => n.Benchmark == c.Benchmark)
                ?? throw new ArgumentException($"{c.File}:{c.Line}: benchmark '{c.Benchmark}' has no native cell to take the ratio to");
            rows.Add((c, w, c.ValueUs / native.ValueUs));
        }
        var options = new WorkloadOptions { Seed = seed };
        var distinct = rows.Select(r => r.Workload).Distinct().ToArray();
        double Run(MachineProfile m, DesignSpec d, string w) =>
            ScenarioRunner.Run(new ResolvedConfig(m, kernel, d, 1, seed), Lmbench.Find(w)!, options).CyclesPerIter;

        // Native once; the design at the current values and with each parameter raised by a step.
        var variants = new MachineProfile[parameters.Count + 1];
        variants[0] = machine;
        for (var j = 0; j < parameters.Count; j++)
        {
            variants[j + 1] = machine.With(parameters[j], machine[parameters[j]] + Step, "sensitivity");
        }
        var runs = new double[distinct.Length, variants.Length + 1];
        Parallel.For(0, distinct.Length * (variants.Length + 1), i =>
        {
            var (w, v) = (i / (variants.Length + 1), i % (variants.Length + 1));
            runs[w, v] = v == variants.Length ? Run(machine, DesignSpec.Native, distinct[w]) : Run(variants[v], design, distinct[w]);
        });

        var n = rows.Count;
        var k = parameters.Count;
        var nat = new double[n];
        var t0 = new double[n];
        var d = new double[n, k];
        for (var i = 0; i < n; i++)
        {
            var w = Array.IndexOf(distinct, rows[i].Workload);
            nat[i] = runs[w, variants.Length];
            t0[i] = runs[w, 0];
            for (var j = 0; j < k; j++)
            {
                d[i, j] = (runs[w, j + 1] - runs[w, 0]) / Step;
            }
        }
        var x0 = parameters.Select(p => (double)machine[p]).ToArray();
        // ratio_i(x) = (t0_i + sum_j d_ij (x_j - x0_j)) / nat_i; minimise sum ((ratio_i - R_i) / R_i)^2 over x >= 0.
        var a = new double[n, k];
        var b = new double[n];
        for (var i = 0; i < n; i++)
        {
            var offset = t0[i];
            for (var j = 0; j < k; j++)
            {
                a[i, j] = d[i, j] / nat[i] / rows[i].Ratio;
                offset -= d[i, j] * x0[j];
            }
            b[i] = (rows[i].Ratio - offset / nat[i]) / rows[i].Ratio;
        }
        var all = Enumerable.Range(0, n).ToArray();
        var (x, pinned) = NonNegative(all, a, b, k);
        for (var j = 0; j < k; j++)
        {
            if (double.IsNaN(x[j]))
            {
                throw new ArgumentException($"no cell depends on {MachineParams.Defs[(int)parameters[j]].Key} under {design.Name}: it cannot be fitted to these cells");
            }
        }
        double Linear(int i, double[] v)
        {
            var t = t0[i];
            for (var j = 0; j < k; j++)
            {
                t += d[i, j] * (v[j] - x0[j]);
            }
            return t / nat[i];
        }

        var inv = CultureInfo.InvariantCulture;
        var calibrated = machine;
        var fitted = new Dictionary<MachineParam, long>();
        var config = cells[0].Config;
        for (var j = 0; j < k; j++)
        {
            var v = (long)Math.Round(x[j], MidpointRounding.AwayFromZero);
            fitted[parameters[j]] = v;
            var names = string.Join(", ", parameters.Select(p => MachineParams.Defs[(int)p].Key));
            calibrated = calibrated.With(parameters[j], v,
                $"fitted: least squares over the {n} '{config}' ratios to native in {Path.GetFileName(cells[0].File)} with {design.Name} on {machine.Name} " +
                $"(free: {names}; before the fit {machine[parameters[j]].ToString(inv)}: {machine.SourceOf(parameters[j])}); see docs/designs.md");
        }
        var final = distinct.AsParallel().AsOrdered().Select(w => Run(calibrated, design, w)).ToArray();
        var result = new FitCell[n];
        for (var i = 0; i < n; i++)
        {
            var (loo, _) = NonNegative(all.Where(r => r != i).ToArray(), a, b, k);
            for (var j = 0; j < k; j++)
            {
                loo[j] = double.IsNaN(loo[j]) ? x0[j] : loo[j]; // only the left-out cell depended on it
            }
            var w = Array.IndexOf(distinct, rows[i].Workload);
            result[i] = new FitCell(rows[i].Cell, rows[i].Workload, rows[i].Ratio, t0[i] / nat[i], final[w] / nat[i], Linear(i, loo));
        }
        return new DesignFitResult(
            parameters.ToDictionary(p => p, p => machine[p]), fitted,
            pinned.Select(j => parameters[j]).ToArray(), calibrated, result);
    }

    /// <summary>Least squares over the given rows with every column non-negative: a column the solution drives below 0 is pinned at 0 and the rest refitted.</summary>
    private static (double[] X, IReadOnlyList<int> Pinned) NonNegative(int[] rows, double[,] a, double[] b, int k)
    {
        var free = Enumerable.Range(0, k).Where(j => rows.Any(i => Math.Abs(a[i, j]) > 1e-12)).ToList();
        var unseen = Enumerable.Range(0, k).Except(free).ToList();
        var pinned = new List<int>();
        while (true)
        {
            var x = new double[k];
            foreach (var j in unseen)
            {
                x[j] = double.NaN; // no cell depends on it: the fit says nothing about it
            }
            if (free.Count > 0 && rows.Length >= free.Count)
            {
                var m = Matrix<double>.Build.Dense(rows.Length, free.Count, (r, c) => a[rows[r], free[c]]);
                var v = Vector<double>.Build.Dense(rows.Length, r => b[rows[r]]);
                var s = m.QR().Solve(v);
                for (var c = 0; c < free.Count; c++)
                {
                    x[free[c]] = s[c];
                }
            }
            var worst = free.Where(j => x[j] < 0).OrderBy(j => x[j]).ToList();
            if (worst.Count == 0)
            {
                return (x, pinned);
            }
            free.Remove(worst[0]);
            pinned.Add(worst[0]);
        }
    }
}
