using PerfSim.Core.Simulation;
using PerfSim.Core.Trace;
using PerfSim.Core.Workloads;

namespace PerfSim.Cli;

/// <summary>Runs the scenarios of a plan on all cores; results come back in plan order whatever finishes first.</summary>
public static class ScenarioExecutor
{
    public static IReadOnlyList<ScenarioResult> RunWorkloads(RunPlan plan, TextWriter progress)
    {
        var jobs = (from w in plan.Workloads from d in plan.Designs select (w, d)).ToArray();
        var options = new WorkloadOptions { Seed = plan.Seed, Shape = plan.Overrides.Apply(ProcessShape.Default) };
        return Execute(jobs.Length, i => ScenarioRunner.Run(plan.ConfigFor(jobs[i].d), jobs[i].w, options), progress);
    }

    public static IReadOnlyList<ScenarioResult> RunTrace(RunPlan plan, string name, Func<ITraceSource> open, TextWriter progress) =>
        Execute(plan.Designs.Count, i =>
        {
            using var source = open();
            return ScenarioRunner.Replay(plan.ConfigFor(plan.Designs[i]), source, name);
        }, progress);

    private static ScenarioResult[] Execute(int count, Func<int, ScenarioResult> run, TextWriter progress)
    {
        var results = new ScenarioResult[count];
        var done = 0;
        var gate = new object();
        Exception? failure = null;
        Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, (i, state) =>
        {
            try
            {
                results[i] = run(i);
            }
            catch (Exception ex)
            {
                lock (gate)
                {
                    failure ??= ex;
                }
                state.Stop();
                return;
            }
            lock (gate)
            {
                done++;
                var r = results[i];
                progress.WriteLine($"[{done,3}/{count}] {r.Workload} on {r.Design}: {r.MicrosecondsPerIter:F2} us/iter");
            }
        });
        if (failure is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(failure).Throw();
        }
        return results;
    }
}
