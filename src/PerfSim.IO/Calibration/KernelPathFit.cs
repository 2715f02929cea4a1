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
/// measured once by running the simulator with that group raised. Hardware primitives are not fitted unless asked:
/// <c>tie</c> names machine cost parameters that get one more factor between them (their ratios kept), for a
/// primitive the sources only bracket, such as a trap's entry and exit, whose cost trades off against the Syscall
/// group's (every system call pays both). The model is exactly linear in a cost parameter.
/// A fit always starts from the raw lengths: a path whose source names an earlier fit (<c>| fitted ×F</c>) is taken
/// back to its raw length first (<see cref="Unfitted"/>), so the factors reported are the whole ones and a
/// shipped profile fits to itself.
/// </summary>
public static class KernelPathFit
{
    /// <param name="free">The groups to fit (default: all of them); the others keep their path lengths.</param>
    /// <param name="tie">Machine cost parameters scaled by one more fitted factor (none by default); like a path, each
    /// starts from its value before any earlier fit (<see cref="UnfittedMachine"/>).</param>
    public static PathFitResult Fit(MachineProfile machine, KernelProfile kernel, IReadOnlyList<PublishedCell> cells, ulong seed = 1,
        IReadOnlyCollection<KernelPathGroup>? free = null, IReadOnlyList<MachineParam>? tie = null)
    {
        tie ??= [];
        foreach (var p in tie)
        {
            if (MachineParams.Defs[(int)p].Unit is not (ParamUnit.Cycles or ParamUnit.CyclesPer1000Instructions))
            {
                throw new ArgumentException($"{MachineParams.Defs[(int)p].Key} is not a cost in cycles; only cost parameters can be fitted");
            }
            if (machine[p] == 0)
            {
                throw new ArgumentException($"{MachineParams.Defs[(int)p].Key} is 0 on {machine.Name}: a factor cannot move it");
            }
        }
        if (tie.Distinct().Count() != tie.Count)
        {
            throw new ArgumentException("a machine parameter is named twice in the tie");
        }
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
        machine = UnfittedMachine(machine, tie);
        var cols = groups.Length + (tie.Count > 0 ? 1 : 0);
        var workloads = cells.Select(c => PublishedTable.WorkloadOf(c.Benchmark)
            ?? throw new ArgumentException($"{c.File}:{c.Line}: benchmark '{c.Benchmark}' maps to no PerfSim workload")).ToArray();
        var options = new WorkloadOptions { Seed = seed };
        double Predict(MachineProfile m, KernelProfile k, string w) =>
            ScenarioRunner.Run(new ResolvedConfig(m, k, DesignSpec.Native, 1, seed), Lmbench.Find(w)!, options).CyclesPerIter;

        var distinct = workloads.Distinct().ToArray();
        var n = cells.Count;
        var y = cells.Select(c => c.Value * machine.FrequencyMhz).ToArray();
        var all = Enumerable.Range(0, n).ToArray();

        // The model is nearly linear in each group's scale (path cycles are; the code cache adds kinks where a
        // footprint crosses the capacity), so Gauss-Newton: measure the sensitivity at the current scales,
        // solve the linear least-squares problem, repeat until the scales settle.
        var scales = Enumerable.Repeat(1.0, cols).ToArray();
        double[] before = [];
        double[] t0 = [];
        var d = new double[n, cols];
        bool[] active = [];
        for (var iteration = 0; iteration < MaxIterations; iteration++)
        {
            var at = ScaleAll(kernel, groups, scales, "sensitivity");
            var atMachine = tie.Count > 0 ? ScaleMachine(machine, tie, scales[^1], "sensitivity") : machine;
            var variants = new (MachineProfile M, KernelProfile K)[cols + 1];
            variants[0] = (atMachine, at);
            for (var g = 0; g < groups.Length; g++)
            {
                variants[g + 1] = (atMachine, Scale(at, groups[g], 1 + Step, "sensitivity"));
            }
            if (tie.Count > 0)
            {
                variants[cols] = (ScaleMachine(atMachine, tie, 1 + Step, "sensitivity"), at);
            }
            var runs = new double[distinct.Length, variants.Length];
            Parallel.For(0, distinct.Length * variants.Length, i =>
            {
                var v = variants[i % variants.Length];
                runs[i / variants.Length, i % variants.Length] = Predict(v.M, v.K, distinct[i / variants.Length]);
            });
            t0 = new double[n];
            for (var i = 0; i < n; i++)
            {
                var w = Array.IndexOf(distinct, workloads[i]);
                t0[i] = runs[w, 0];
                for (var g = 0; g < cols; g++)
                {
                    // Per unit of scale, at the current scale (t0 is the prediction at scales; s - 1 below is relative).
                    d[i, g] = (runs[w, g + 1] - runs[w, 0]) / (Step * scales[g]);
                }
            }
            if (iteration == 0)
            {
                before = (double[])t0.Clone();
                active = Enumerable.Range(0, cols).Select(g => all.Any(i => Math.Abs(d[i, g]) > 1e-9)).ToArray();
                if (tie.Count > 0 && !active[^1])
                {
                    throw new ArgumentException($"no cell depends on {string.Join(" + ", tie.Select(p => MachineParams.Defs[(int)p].Key))} natively: it cannot be fitted to these cells");
                }
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
        var inv = CultureInfo.InvariantCulture;
        var where = $"least squares on {Path.GetFileName(cells[0].File)} {cells[0].Config} on {machine.Name}";
        var calibratedMachine = tie.Count == 0 ? machine : ScaleMachine(machine, tie, scales[^1],
            $"fitted ×{scales[^1].ToString("F3", inv)} ({string.Join(" + ", tie.Select(p => MachineParams.Defs[(int)p].Key))} as one factor, {where} jointly with {kernel.Name}'s path groups; see docs/cost-model.md)");
        var final = ScaleAll(kernel, groups, scales, "final");
        var finalRuns = distinct.AsParallel().AsOrdered().Select(w => Predict(calibratedMachine, final, w)).ToArray();
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
                $"fitted ×{scales[g].ToString("F3", inv)} ({groups[g]} group, {where}{(tie.Count > 0 ? $" jointly with {string.Join(" + ", tie.Select(p => MachineParams.Defs[(int)p].Key))}" : "")}; see docs/cost-model.md)");
        }
        return new PathFitResult(scaleMap, calibrated, fitted, calibratedMachine, tie.Count > 0 ? scales[^1] : null);
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
    /// earlier fit's note (<c>| fitted ×F (...) from N</c>) goes back to the raw length N the note keeps (a note without
    /// it, from an older profile, is divided by F, rounded to whole instructions, at least 1) and the note is dropped;
    /// other paths are left as they are. Dividing alone is not exact: below 1 a factor takes several raw lengths to one
    /// fitted length.
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
            var factor = FactorAfter(source[(cut + " | fitted ×".Length)..], $"kernel '{k.Name}', path {KernelPaths.Defs[i].Key}");
            var noted = RawFrom.Match(source, cut);
            var raw = noted.Success ? long.Parse(noted.Groups[1].Value, CultureInfo.InvariantCulture)
                : k[p] == 0 ? 0 : Math.Max(1, (long)Math.Round(k[p] / factor, MidpointRounding.AwayFromZero));
            k = k.With(p, raw, source[..cut]);
        }
        return k;
    }

    /// <summary>
    /// The machine with each named parameter taken back to its value before an earlier fit: a source ending in a fit's
    /// note (<c>| fitted ×F (...)</c>) is divided by F (whole cycles, at least 1) and the note dropped.
    /// </summary>
    public static MachineProfile UnfittedMachine(MachineProfile m, IEnumerable<MachineParam> parameters)
    {
        foreach (var p in parameters)
        {
            var source = m.SourceOf(p);
            var cut = source.IndexOf(" | fitted ×", StringComparison.Ordinal);
            if (cut < 0)
            {
                continue;
            }
            var factor = FactorAfter(source[(cut + " | fitted ×".Length)..], $"machine '{m.Name}', parameter {MachineParams.Defs[(int)p].Key}");
            m = m.With(p, Math.Max(1, (long)Math.Round(m[p] / factor, MidpointRounding.AwayFromZero)), source[..cut]);
        }
        return m;
    }

    /// <summary>A machine with each named cost multiplied by a factor (whole cycles, at least 1), its fit noted after its source.</summary>
    public static MachineProfile ScaleMachine(MachineProfile m, IEnumerable<MachineParam> parameters, double factor, string source)
    {
        foreach (var p in parameters)
        {
            var v = Math.Max(1, (long)Math.Round(m[p] * factor, MidpointRounding.AwayFromZero));
            var old = m.SourceOf(p);
            var cut = old.IndexOf(" | fitted", StringComparison.Ordinal);
            m = m.With(p, v, source == "sensitivity" ? old : $"{(cut >= 0 ? old[..cut] : old)} | {source}");
        }
        return m;
    }

    /// <summary>The raw length a fit notes after itself (<c>... from N</c>, at the end of the source).</summary>
    private static readonly System.Text.RegularExpressions.Regex RawFrom = new(@"\) from (\d+)$", System.Text.RegularExpressions.RegexOptions.CultureInvariant);

    private static double FactorAfter(string digits, string what)
    {
        var end = digits.IndexOf(' ');
        if (!double.TryParse(end < 0 ? digits : digits[..end], NumberStyles.Float, CultureInfo.InvariantCulture, out var factor) || factor <= 0)
        {
            throw new ArgumentException($"{what}: its source names a fit without a readable factor: '{digits}'");
        }
        return factor;
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
            // The raw length goes into the note: a factor below 1 maps several raw lengths to one fitted length, so
            // dividing by it cannot always give the raw length back, and a refit would drift.
            var src = source == "sensitivity" ? old : $"{(cut >= 0 ? old[..cut] : old)} | {source} from {k[p]}";
            k = k.With(p, v, src);
        }
        return k;
    }
}
