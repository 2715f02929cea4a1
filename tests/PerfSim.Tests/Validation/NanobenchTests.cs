using PerfSim.Core.Designs.Hooks;
using PerfSim.Core.Simulation;
using PerfSim.Core.Workloads;
using PerfSim.IO.Config;

namespace PerfSim.Tests.Validation;

/// <summary>
/// Adams & Agesen's P4 672 nanobenchmarks (shared/calibration/nanobench-p4-672.csv) against the model with the
/// minimal nanokernel. Only cells no parameter was derived from are checked here (bt_callout comes from cr8wr,
/// bt_fault_reflect from software divzero, bt_syscall from the syscall note, port_io and io_emulate from 'in');
/// the ones the model misses today are listed in docs/designs.md, not asserted.
/// </summary>
public sealed class NanobenchTests
{
    private static readonly ConfigCatalog Catalog = ConfigCatalog.Locate();

    private static double Cycles(string design, string workload)
    {
        var m = Catalog.LoadMachine("p4-672-2006");
        var config = new ResolvedConfig(m, Catalog.LoadKernel("nanokernel"), Catalog.LoadDesign(design), 1, 1);
        return ScenarioRunner.Run(config, Lmbench.Find(workload)!, new WorkloadOptions()).CyclesPerIter;
    }

    [Theory]
    [InlineData("native", "nano-pgfault", 1093)]
    [InlineData("native", "nano-divzero", 889)]
    [InlineData("hvm-shadow", "nano-pgfault", 11242)]
    [InlineData("hvm-shadow", "nano-divzero", 1014)]
    public void Nanobenchmarks_not_used_to_derive_parameters_are_within_25_percent(string design, string workload, double published)
    {
        var predicted = Cycles(design, workload);
        Assert.InRange((predicted - published) / published, -0.25, 0.25);
    }

    [Fact]
    public void A_binary_translated_pte_modification_costs_what_adams_and_agesen_measured()
    {
        var m = Catalog.LoadMachine("p4-672-2006");
        var config = new ResolvedConfig(m, Catalog.LoadKernel("linux-2.6.20"), Catalog.LoadDesign("fullvirt-bt"), 1, 1);
        var r = ScenarioRunner.Run(config, Lmbench.Find("fork")!, new WorkloadOptions());
        var op = (int)HookOp.UpdatePte;
        var perWrite = r.HookCyclesPerIter[op] / r.HookCallsPerIter[op];
        Assert.InRange((perWrite - 391) / 391, -0.25, 0.25); // ptemod under the software VMM: 391 cycles
    }
}
