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
/// relative error. On one CPU a run's time is exactly linear in every cost parameter (costs are charged, they
/// never change what the model does), so each cell's sensitivity is measured once by raising the parameter by a
/// step, for the design and for the native baseline (a parameter native also pays, such as a locked
/// instruction, moves both). With several CPUs (<c>cpus</c>; the baseline stays on one, as an L-SMP column is
/// taken to L-UP) a cost can also move when waits end, so the fitted profile is run again and the reported
/// ratios are the model's, not the linear prediction's. The residual of a cell is
/// (T(x) - R N(x)) / (R N(x0)) with T the design's time, N native's and R the published ratio: linear in x, and
/// the relative error of the ratio when N does not depend on x. The kernel and every parameter not named stay as
/// they are; a parameter the fit would make negative is pinned at 0 and the rest refitted.
/// </summary>
public static class DesignCostFit
{
    private const long Step = 1000;

    /// <summary>On several CPUs a cost's step is an eighth of its value, at least this: small enough to stay near where it is measured.</summary>
    private const long MinStep = 8;

    private const int MaxRounds = 8;

    public static DesignFitResult Fit(MachineProfile machine, KernelProfile kernel, DesignSpec design, IReadOnlyList<MachineParam> parameters,
        IReadOnlyList<PublishedCell> cells, IReadOnlyList<PublishedCell> nativeCells, ulong seed = 1, int cpus = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(cpus, 1);
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
            rows.Add((c, w, c.Value / native.Value));
        }
        var options = new WorkloadOptions { Seed = seed };
        var distinct = rows.Select(r => r.Workload).Distinct().ToArray();
        double Run(MachineProfile m, DesignSpec d, int n, string w) =>
            ScenarioRunner.Run(new ResolvedConfig(m, kernel, d, n, seed), Lmbench.Find(w)!, options).CyclesPerIter;

        var n = rows.Count;
        var k = parameters.Count;
        var all = Enumerable.Range(0, n).ToArray();
        var first = Linearize(machine);
        var lin = first;
        double[] x;
        IReadOnlyList<int> pinned;
        var round = 0;
        while (true)
        {
            (x, pinned) = Solve(lin, all);
            for (var j = 0; j < k; j++)
            {
                if (double.IsNaN(x[j]))
                {
                    throw new ArgumentException($"no cell depends on {MachineParams.Defs[(int)parameters[j]].Key} under {design.Name}: it cannot be fitted to these cells");
                }
            }
            // On one CPU the model is linear and one round is exact; on several, linearize again at the solution
            // until it stops moving (a cycle), since the sensitivities hold only near where they were measured.
            if (cpus == 1 || ++round == MaxRounds || Enumerable.Range(0, k).All(j => Math.Abs(x[j] - lin.X0[j]) < 1))
            {
                break;
            }
            var at = machine;
            for (var j = 0; j < k; j++)
            {
                at = at.With(parameters[j], (long)Math.Round(x[j], MidpointRounding.AwayFromZero), "iteration");
            }
            lin = Linearize(at);
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
                $"fitted: least squares over the {n} '{config}' ratios to native in {Path.GetFileName(cells[0].File)} with {design.Name}{(cpus > 1 ? $" on {cpus} CPUs" : "")} on {machine.Name} " +
                $"(free: {names}; before the fit {Prior(machine, parameters[j])}); see {(cpus > 1 ? "docs/smp.md" : "docs/designs.md")}");
        }
        var final = distinct.AsParallel().AsOrdered().Select(w => Run(calibrated, design, cpus, w) / Run(calibrated, DesignSpec.Native, 1, w)).ToArray();
        var result = new FitCell[n];
        for (var i = 0; i < n; i++)
        {
            var (loo, _) = Solve(lin, all.Where(r => r != i).ToArray());
            for (var j = 0; j < k; j++)
            {
                loo[j] = double.IsNaN(loo[j]) ? lin.X0[j] : loo[j]; // only the left-out cell depended on it
            }
            var w = Array.IndexOf(distinct, rows[i].Workload);
            result[i] = new FitCell(rows[i].Cell, rows[i].Workload, rows[i].Ratio, first.T0[i] / first.Nat[i], final[w], lin.Ratio(i, loo));
        }
        return new DesignFitResult(
            parameters.ToDictionary(p => p, p => machine[p]), fitted,
            pinned.Select(j => parameters[j]).ToArray(), calibrated, result);

        // The design (on cpus) and native (on one CPU), each at the given values and with each parameter raised by a step.
        Linear Linearize(MachineProfile at)
        {
            var x0 = parameters.Select(p => (double)at[p]).ToArray();
            var steps = parameters.Select(p => cpus == 1 ? Step : Math.Max(MinStep, at[p] / 8)).ToArray();
            var variants = new MachineProfile[k + 1];
            variants[0] = at;
            for (var j = 0; j < k; j++)
            {
                variants[j + 1] = at.With(parameters[j], at[parameters[j]] + steps[j], "sensitivity");
            }
            var runs = new double[distinct.Length, variants.Length];
            var natRuns = new double[distinct.Length, variants.Length];
            Parallel.For(0, distinct.Length * variants.Length * 2, i =>
            {
                var (w, v, baseline) = (i / (variants.Length * 2), i / 2 % variants.Length, i % 2 == 1);
                if (baseline)
                {
                    natRuns[w, v] = Run(variants[v], DesignSpec.Native, 1, distinct[w]);
                }
                else
                {
                    runs[w, v] = Run(variants[v], design, cpus, distinct[w]);
                }
            });
            var lin = new Linear(x0, new double[n], new double[n], new double[n, k], new double[n, k], new double[n, k], new double[n]);
            for (var i = 0; i < n; i++)
            {
                var w = Array.IndexOf(distinct, rows[i].Workload);
                lin.Nat[i] = natRuns[w, 0];
                lin.T0[i] = runs[w, 0];
                for (var j = 0; j < k; j++)
                {
                    lin.D[i, j] = (runs[w, j + 1] - runs[w, 0]) / steps[j];
                    lin.E[i, j] = (natRuns[w, j + 1] - natRuns[w, 0]) / steps[j];
                }
                // T_i(x) = t0_i + sum_j d_ij (x_j - x0_j), N_i(x) = nat_i + sum_j e_ij (x_j - x0_j);
                // minimise sum ((T_i(x) - R_i N_i(x)) / (R_i nat_i))^2 over x >= 0.
                var scale = rows[i].Ratio * lin.Nat[i];
                var offset = lin.T0[i] - rows[i].Ratio * lin.Nat[i];
                for (var j = 0; j < k; j++)
                {
                    lin.A[i, j] = (lin.D[i, j] - rows[i].Ratio * lin.E[i, j]) / scale;
                    offset -= (lin.D[i, j] - rows[i].Ratio * lin.E[i, j]) * x0[j];
                }
                lin.B[i] = -offset / scale;
            }
            return lin;
        }

        (double[] X, IReadOnlyList<int> Pinned) Solve(Linear l, int[] rowsUsed) => NonNegative(rowsUsed, l.A, l.B, k);
    }

    /// <summary>
    /// "value: source" of a parameter before any fit: an earlier fit's source keeps the estimate it started from
    /// ("before the fit V: S"), so a refit names that estimate again instead of nesting the earlier fit's note.
    /// </summary>
    private static string Prior(MachineProfile m, MachineParam p)
    {
        var source = m.SourceOf(p);
        const string Mark = "; before the fit ";
        var at = source.IndexOf(Mark, StringComparison.Ordinal);
        var end = source.LastIndexOf("); see ", StringComparison.Ordinal);
        return source.StartsWith("fitted: ", StringComparison.Ordinal) && at >= 0 && end > at
            ? source[(at + Mark.Length)..end]
            : $"{m[p].ToString(CultureInfo.InvariantCulture)}: {source}";
    }

    /// <summary>The model linearized at X0: each cell's design time T0 and native time Nat, their sensitivities D and E per parameter, and the least-squares system A x = B.</summary>
    private sealed record Linear(double[] X0, double[] T0, double[] Nat, double[,] D, double[,] E, double[,] A, double[] B)
    {
        public double Ratio(int i, double[] v)
        {
            var (t, b0) = (T0[i], Nat[i]);
            for (var j = 0; j < X0.Length; j++)
            {
                t += D[i, j] * (v[j] - X0[j]);
                b0 += E[i, j] * (v[j] - X0[j]);
            }
            return t / b0;
        }
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
