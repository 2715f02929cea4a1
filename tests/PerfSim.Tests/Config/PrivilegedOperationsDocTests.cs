using PerfSim.Core.Simulation;
using PerfSim.Core.Workloads;
using PerfSim.IO.Output;

namespace PerfSim.Tests.Config;

public sealed class PrivilegedOperationsDocTests
{
    private static string DocPath => Path.Combine(Workloads.RepoRoot, "docs", "privileged-operations.md");

    /// <summary>The command the document prints: these designs and workloads on p4-672-2006 with its default kernel.</summary>
    private static readonly string[] Designs = ["native", "native-pvops", "vmi-native", "vmi-hypervisor", "xen-1.0", "xen-pv", "xen-pvops", "fullvirt-bt", "hvm-shadow"];
    private static readonly string[] WorkloadNames = ["fork", "exec", "ctx-2p-0k", "page-fault"];

    [Fact]
    public void PrivilegedOperationsDoc_tables_match_the_model()
    {
        var machine = Workloads.Catalog.LoadMachine("p4-672-2006");
        var kernel = Workloads.Catalog.LoadKernel(machine.DefaultKernel);
        var jobs = WorkloadNames.SelectMany(w => Designs.Select(d => (w, d))).ToArray();
        var results = jobs.AsParallel().AsOrdered().Select(j =>
            ScenarioRunner.Run(new ResolvedConfig(machine, kernel, Workloads.Catalog.LoadDesign(j.d), 1, 1), Lmbench.Find(j.w)!, new WorkloadOptions())).ToArray();
        var generated = PrivilegedOperationsTables.Render(results, WorkloadNames, Designs);
        PerfSim.Tests.Support.GeneratedDoc.AssertCurrent(DocPath, doc => PrivilegedOperationsTables.Splice(doc, generated), "PrivilegedOperationsDoc");
    }

    [Fact]
    public void Splice_replaces_only_the_generated_section()
    {
        var doc = $"intro\n{PrivilegedOperationsTables.BeginMarker}\nold\n{PrivilegedOperationsTables.EndMarker}\noutro\n";
        Assert.Equal("intro\nNEW\noutro\n", PrivilegedOperationsTables.Splice(doc, "NEW\n"));
    }
}
