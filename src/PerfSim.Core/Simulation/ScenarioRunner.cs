using PerfSim.Core.Stats;
using PerfSim.Core.Trace;
using PerfSim.Core.Workloads;

namespace PerfSim.Core.Simulation;

/// <summary>Runs one scenario: a workload (and its baseline) through one resolved configuration.</summary>
public static class ScenarioRunner
{
    public static ScenarioResult Run(ResolvedConfig config, Workload workload, WorkloadOptions options)
    {
        // Generated processes spread over the run's CPUs, and fork follows the kernel version's placement.
        options = options with { Cpus = config.Cpus, ChildRunsFirst = config.Kernel.ForkChildRunsFirst };
        var main = Measure(config, new ListTraceSource(workload.Name, workload.Main(options)));
        var baselines = new List<(Measurement, int)>();
        foreach (var b in workload.Baselines ?? [])
        {
            baselines.Add((Measure(config, new ListTraceSource(workload.Name + " (baseline)", b.Trace(options))), b.Weight));
        }
        return ToResult(workload.Name, config, main, baselines);
    }

    /// <summary>Replays a trace (a file or any source) as one scenario.</summary>
    public static ScenarioResult Replay(ResolvedConfig config, ITraceSource trace, string name) =>
        ToResult(name, config, Measure(config, trace), []);

    public static Measurement Measure(ResolvedConfig config, ITraceSource trace) => new Simulator(config).Run(trace);

    /// <summary>Per-iteration values of the main run, less each baseline's per-iteration values times its weight.</summary>
    public static ScenarioResult ToResult(string name, ResolvedConfig config, Measurement main, IReadOnlyList<(Measurement Run, int Weight)> baselines)
    {
        var iters = Math.Max(1, main.Iterations);
        var cycles = new double[Metrics.CategoryCount];
        var counts = new double[Metrics.CounterCount];
        var hazards = PerIter(main.Measured.HazardsBySite, iters);
        var hookCalls = PerIter(main.Measured.HookCalls, iters);
        var hookCycles = PerIter(main.Measured.HookCycles, iters);
        var elapsed = (double)main.ElapsedCycles / iters;
        for (var i = 0; i < cycles.Length; i++)
        {
            cycles[i] = (double)main.Measured.Cycles[i] / iters;
        }
        for (var i = 0; i < counts.Length; i++)
        {
            counts[i] = (double)main.Measured.Counts[i] / iters;
        }
        foreach (var (baseline, weight) in baselines)
        {
            var bi = Math.Max(1, baseline.Iterations);
            for (var i = 0; i < cycles.Length; i++)
            {
                cycles[i] -= weight * (double)baseline.Measured.Cycles[i] / bi;
            }
            for (var i = 0; i < counts.Length; i++)
            {
                counts[i] -= weight * (double)baseline.Measured.Counts[i] / bi;
            }
            Subtract(hazards, baseline.Measured.HazardsBySite, weight, bi);
            Subtract(hookCalls, baseline.Measured.HookCalls, weight, bi);
            Subtract(hookCycles, baseline.Measured.HookCycles, weight, bi);
            elapsed -= weight * (double)baseline.ElapsedCycles / bi;
        }
        return new ScenarioResult(name, config.Design.Name, config.Machine.Name, config.Kernel.Name, config.Cpus, main.Iterations,
            config.Machine.FrequencyMhz, cycles, counts)
        {
            HazardsPerIterBySite = hazards,
            HookCallsPerIter = hookCalls,
            HookCyclesPerIter = hookCycles,
            ElapsedCyclesPerIter = elapsed,
            PhysicalCpus = config.PhysicalCpus,
            ShootdownLatencies = main.ShootdownLatencies,
            Processes = main.Processes,
            HookMechanisms = Enumerable.Range(0, Designs.Hooks.HookSites.Count)
                .Select(i => config.Design.HookFor((Designs.Hooks.HookOp)i).ToString().ToLowerInvariant()).ToArray(),
        };
    }

    private static double[] PerIter(long[] values, long iterations)
    {
        var r = new double[values.Length];
        for (var i = 0; i < r.Length; i++)
        {
            r[i] = (double)values[i] / iterations;
        }
        return r;
    }

    private static void Subtract(double[] into, long[] values, int weight, long iterations)
    {
        for (var i = 0; i < into.Length; i++)
        {
            into[i] -= weight * (double)values[i] / iterations;
        }
    }
}
