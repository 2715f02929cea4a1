using PerfSim.Core.Simulation;
using PerfSim.Core.Stats;
using PerfSim.Core.Workloads;
using PerfSim.Tests.Support;

namespace PerfSim.Tests.Core;

public sealed class SimulationTests
{
    public static TheoryData<string> WorkloadNames()
    {
        var d = new TheoryData<string>();
        foreach (var w in Lmbench.All)
        {
            d.Add(w.Name);
        }
        return d;
    }

    [Theory]
    [MemberData(nameof(WorkloadNames))]
    public void Every_workload_runs_and_its_breakdown_sums_to_its_total(string name)
    {
        var r = ScenarioRunner.Run(TestProfiles.Config(), Lmbench.Find(name)!, new WorkloadOptions());
        Assert.True(r.Iterations > 0);
        Assert.True(r.CyclesPerIter > 0, $"{name}: {r.CyclesPerIter}");
        Assert.Equal(r.CyclesPerIter, r.CyclesPerIterByCategory.Sum(), 6);
    }

    [Fact]
    public void Category_cycles_sum_to_the_cpu_clocks()
    {
        var sim = new Simulator(TestProfiles.Config());
        sim.Run(new PerfSim.Core.Trace.ListTraceSource("fork", Lmbench.Find("fork")!.Main(new WorkloadOptions())));
        Assert.Equal(sim.Machine.Cpus.Sum(c => c.Clock), sim.Stats.TotalCycles);
    }

    [Fact]
    public void Doubling_every_cycle_cost_doubles_the_total()
    {
        var w = Lmbench.Find("fork")!;
        var a = ScenarioRunner.Run(TestProfiles.Config(machine: TestProfiles.Machine(10)), w, new WorkloadOptions());
        var b = ScenarioRunner.Run(TestProfiles.Config(machine: TestProfiles.Machine(10).ScaleCycleCosts(2)), w, new WorkloadOptions());
        // Kernel paths scale with the CPI parameters, not with cycle primitives: compare everything else.
        static double Primitives(ScenarioResult r) => r.CyclesPerIter - r.Category(CostCategory.KernelPath) - r.Category(CostCategory.KernelCodeMiss);
        Assert.Equal(2 * Primitives(a), Primitives(b), 6);
    }

    [Fact]
    public void Same_seed_gives_identical_results()
    {
        var w = Lmbench.Find("page-fault")!;
        var a = ScenarioRunner.Run(TestProfiles.Config(), w, new WorkloadOptions { Seed = 5 });
        var b = ScenarioRunner.Run(TestProfiles.Config(), w, new WorkloadOptions { Seed = 5 });
        Assert.Equal(a.CyclesPerIterByCategory, b.CyclesPerIterByCategory);
        Assert.Equal(a.CountersPerIter, b.CountersPerIter);
    }
}
