using PerfSim.Core.Kernel;
using PerfSim.Core.Machine;
using PerfSim.IO.Config;

namespace PerfSim.Tests.Config;

public sealed class CostModelDocTests
{
    private static string DocPath => Path.Combine(Workloads.RepoRoot, "docs", "cost-model.md");

    private static string Generated() => CostModelTables.Render(
        Workloads.Catalog.MachineNames.Select(Workloads.Catalog.LoadMachine).ToArray(),
        Workloads.Catalog.KernelNames.Select(Workloads.Catalog.LoadKernel).ToArray());

    [Fact]
    public void CostModelDoc_tables_match_the_data_files()
    {
        var generated = Generated();
        PerfSim.Tests.Support.GeneratedDoc.AssertCurrent(DocPath, doc => CostModelTables.Splice(doc, generated), "CostModelDoc");
    }

    [Fact]
    public void CostModelDoc_mentions_every_machine_parameter_and_kernel_path()
    {
        var doc = File.ReadAllText(DocPath);
        foreach (var d in MachineParams.Defs.Concat(KernelPaths.Defs))
        {
            Assert.Contains($"| {d.Key} |", doc, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Splice_replaces_only_the_generated_section()
    {
        var doc = $"intro\n{CostModelTables.BeginMarker}\nold\n{CostModelTables.EndMarker}\noutro\n";
        Assert.Equal("intro\nNEW\noutro\n", CostModelTables.Splice(doc, "NEW\n"));
    }
}
