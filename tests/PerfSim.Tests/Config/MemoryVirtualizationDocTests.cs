using PerfSim.Core.Designs;
using PerfSim.Core.Simulation;
using PerfSim.Core.Stats;
using PerfSim.Core.Workloads;
using PerfSim.IO.Output;
using PerfSim.Tests.Support;

namespace PerfSim.Tests.Config;

public sealed class MemoryVirtualizationDocTests
{
    private static readonly string[] Designs =
    [
        "native", "paging-direct", "paging-direct-multicall32", "paging-direct-queue128", "paging-direct-queue128-audit",
        "paging-writable", "paging-shadow", "paging-shadow-oos", "paging-nested",
    ];

    private static readonly int[] Heaps = [8, 128, 1024];

    private static readonly Counter[] Shown =
    [
        Counter.Hypercalls, Counter.Validations, Counter.PteTraps, Counter.Intercepts, Counter.ShadowSyncs, Counter.HiddenFaults,
        Counter.WalkReferences, Counter.HazardFlushes, Counter.PteHazards,
    ];

    [Fact]
    public void MemoryVirtualizationDoc_tables_match_the_model()
    {
        var machine = Workloads.Catalog.LoadMachine("nehalem-x5570-2009");
        var kernel = Workloads.Catalog.LoadKernel(machine.DefaultKernel);
        var tables = new List<(string, IReadOnlyList<ScalingRow>)>();
        foreach (var w in new[] { "fork", "exec" })
        {
            var jobs = Designs.SelectMany(d => Heaps.Select(h => (d, h))).ToArray();
            var results = jobs.AsParallel().AsOrdered().Select(j => ScenarioRunner.Run(
                new ResolvedConfig(machine, kernel, j.d == "native" ? DesignSpec.Native : Workloads.Catalog.LoadDesign(j.d), 1, 1),
                Lmbench.Find(w)!, new WorkloadOptions { Shape = ProcessShape.Default with { HeapPages = j.h } })).ToArray();
            var rows = jobs.Select((j, i) => new ScalingRow(j.d, j.h, results[i], results[Array.IndexOf(jobs, ("native", j.h))].CyclesPerIter)).ToList();
            tables.Add((w, rows));
        }
        var generated = ScalingTables.Render(tables, "heap pages", Shown);
        GeneratedDoc.AssertCurrent(Path.Combine(Workloads.RepoRoot, "docs", "memory-virtualization.md"), doc => ScalingTables.Splice(doc, generated), "MemoryVirtualizationDoc");
    }
}
