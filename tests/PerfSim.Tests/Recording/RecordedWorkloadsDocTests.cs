using PerfSim.Core.Designs;
using PerfSim.Core.Simulation;
using PerfSim.IO.Config;
using PerfSim.IO.Output;
using PerfSim.IO.Trace;
using PerfSim.Tests.Support;

namespace PerfSim.Tests.Recording;

/// <summary>The committed recordings (workloads/recorded/*.bin) replay through every design, and docs/recorded-workloads.md shows what they give.</summary>
public sealed class RecordedWorkloadsDocTests
{
    private static readonly ConfigCatalog Catalog = ConfigCatalog.Locate();

    internal static string Directory => Path.Combine(Catalog.WorkloadsDirectory, "recorded");

    internal static string[] Recordings() =>
        System.IO.Directory.GetFiles(Directory, "*.bin").Order(StringComparer.Ordinal).ToArray();

    private static IReadOnlyList<ScenarioResult> Replay(int cpus, string[] designs)
    {
        var machine = Catalog.LoadMachine("p4-672-2006");
        var kernel = Catalog.LoadKernel(machine.DefaultKernel);
        var jobs = Recordings().SelectMany(path => designs.Select(d => (path, d))).ToArray();
        return jobs.AsParallel().AsOrdered().Select(j =>
        {
            var design = j.d == "native" ? DesignSpec.Native : Catalog.LoadDesign(j.d);
            using var trace = TraceFiles.Open(j.path);
            return ScenarioRunner.Replay(new ResolvedConfig(machine, kernel, design, cpus, 1), trace, Path.GetFileNameWithoutExtension(j.path));
        }).ToArray();
    }

    [Fact]
    public void Every_committed_recording_is_documented_with_its_command()
    {
        var readme = File.ReadAllText(Path.Combine(Directory, "README.md"));
        Assert.True(Recordings().Length >= 4);
        foreach (var r in Recordings())
        {
            Assert.Contains($"`{Path.GetFileName(r)}`", readme);
            Assert.True(new FileInfo(r).Length < 4 << 20, $"{r} is over 4 MB");
        }
    }

    [Fact]
    public void RecordedDoc_tables_match_the_model()
    {
        var machine = Catalog.LoadMachine("p4-672-2006");
        var all = Catalog.DesignNames.Where(d => d == "native" || ResolvedConfig.Problems(machine, Catalog.LoadDesign(d)).Count == 0).ToArray();
        var one = Replay(1, ["native", .. all.Where(d => d != "native")]);
        var two = Replay(2, ["native", "vmi-hypervisor", "xen-1.0", "xen-pv", "fullvirt-bt", "hvm-shadow"]);
        var generated = OverheadTables.Render([.. one, .. two], byDesign: true);
        GeneratedDoc.AssertCurrent(Path.Combine(Catalog.WorkloadsDirectory, "..", "docs", "recorded-workloads.md"), doc => OverheadTables.Splice(doc, generated), "RecordedDoc");
    }
}
