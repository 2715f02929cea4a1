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
    [InlineData("hvm-shadow", "nano-divzero", 1014)]
    public void Nanobenchmarks_not_used_to_derive_parameters_are_within_25_percent(string design, string workload, double published)
    {
        var predicted = Cycles(design, workload);
        Assert.InRange((predicted - published) / published, -0.25, 0.25);
    }

    [Theory]
    [InlineData("fullvirt-bt", 391)] // the adaptive translator's callout
    [InlineData("hvm-shadow", 12733)] // a #PF exit, its handling, emulation and the shadow update
    public void A_pte_modification_costs_what_adams_and_agesen_measured(string design, double published)
    {
        var m = Catalog.LoadMachine("p4-672-2006");
        var config = new ResolvedConfig(m, Catalog.LoadKernel("linux-2.6.20"), Catalog.LoadDesign(design), 1, 1);
        var r = ScenarioRunner.Run(config, Lmbench.Find("fork")!, new WorkloadOptions());
        var op = (int)HookOp.UpdatePte;
        var perWrite = r.HookCyclesPerIter[op] / r.HookCallsPerIter[op];
        Assert.InRange((perWrite - published) / published, -0.25, 0.25);
    }

    [Theory]
    [InlineData("fullvirt-bt", 3927)] // shadow_fault_check is derived from this cell
    [InlineData("hvm-shadow", 11242)] // vm_fault_handling is derived from this cell
    public void Page_fault_cells_that_parameters_were_derived_from_are_reproduced(string design, double published)
    {
        // Not a check of the model (the parameter was taken from the cell), but a guard that the derivation and
        // the mechanism that uses it still agree: the only gap left is the native fault's own error.
        Assert.InRange((Cycles(design, "nano-pgfault") - published) / published, -0.1, 0.1);
    }
}
