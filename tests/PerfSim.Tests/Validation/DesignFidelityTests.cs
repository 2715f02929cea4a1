using PerfSim.Core.Designs;
using PerfSim.Core.Machine;
using PerfSim.Core.Simulation;
using PerfSim.Core.Workloads;
using PerfSim.IO.Calibration;
using PerfSim.IO.Config;

using PerfSim.Tests.Support;

namespace PerfSim.Tests.Validation;

/// <summary>
/// The debate's designs against Xen SOSP'03 Tables 3-5 on the 2003 Xeon (issue "Interface designs"): xen-1.0
/// against the Xen column and fullvirt-bt against the VMW column, as ratios to the model's native time, within
/// ±25% for fork, ctx-2p-0k, page-fault and prot-fault, and the three configurations in the published order in
/// every row. The few hypervisor and VMM costs these designs use were fitted once over each whole column
/// (docs/designs.md); the tests also keep the shipped profile a fixed point of those fits.
/// </summary>
public sealed class DesignFidelityTests
{
    private static readonly ConfigCatalog Catalog = ConfigCatalog.Locate();
    private static readonly Lazy<IReadOnlyList<PublishedCell>> Table = new(() => XenSosp03.Cells);

    /// <summary>The fitted parameters of each design (the same lists docs/designs.md gives for perfsim calibrate --fit).</summary>
    public static readonly MachineParam[] XenFitted = [MachineParam.Hypercall, MachineParam.FaultBounce, MachineParam.ValidateEntry];
    public static readonly MachineParam[] VmwFitted =
        [MachineParam.BtSyscall, MachineParam.BtFaultReflect, MachineParam.BtPteWrite, MachineParam.BtCr3Switch];

    private static readonly Lazy<Dictionary<(string Benchmark, string Design), double>> Ratios = new(() =>
    {
        var machine = Catalog.LoadMachine("xeon-2400-2003");
        var kernel = Catalog.LoadKernel(machine.DefaultKernel);
        var benchmarks = Table.Value.Select(c => c.Benchmark).Distinct().ToArray();
        var designs = new[] { "native", "xen-1.0", "fullvirt-bt" };
        var jobs = benchmarks.SelectMany(b => designs.Select(d => (b, d))).ToArray();
        var cycles = jobs.AsParallel().Select(j => ScenarioRunner.Run(new ResolvedConfig(machine, kernel, Catalog.LoadDesign(j.d), 1, 1),
            Lmbench.Find(PublishedTable.WorkloadOf(j.b)!)!, new WorkloadOptions()).CyclesPerIter).ToArray();
        var r = new Dictionary<(string, string), double>();
        for (var i = 0; i < jobs.Length; i++)
        {
            var native = cycles[Array.IndexOf(jobs, (jobs[i].b, "native"))];
            r[(jobs[i].b, jobs[i].d)] = cycles[i] / native;
        }
        return r;
    });

    private static double Published(string benchmark, string config) => XenSosp03.RatioToNative(benchmark, config);

    public static TheoryData<string, string, string> PromisedCells()
    {
        var d = new TheoryData<string, string, string>();
        foreach (var b in new[] { "fork_proc", "ctx_2p_0k", "page_fault", "prot_fault" })
        {
            d.Add("xen-1.0", "Xen", b);
            d.Add("fullvirt-bt", "VMW", b);
        }
        return d;
    }

    [Theory]
    [MemberData(nameof(PromisedCells))]
    public void Ratio_to_native_is_within_25_percent_of_the_published_one(string design, string config, string benchmark)
    {
        var model = Ratios.Value[(benchmark, design)];
        var published = Published(benchmark, config);
        var error = (model - published) / published;
        Assert.True(Math.Abs(error) <= 0.25, $"{design} {benchmark}: ratio {model:F2}, published {config} {published:F2} ({100 * error:+0;-0}%)");
    }

    private static IReadOnlyList<(string Benchmark, IReadOnlyList<ComparedCell> Cells)> Rows() =>
        Table.Value.Select(c => c.Benchmark).Distinct().Select(b => (b, (IReadOnlyList<ComparedCell>)
        [
            new ComparedCell("Xen", "xen-1.0", Published(b, "Xen"), Ratios.Value[(b, "xen-1.0")]),
            new ComparedCell("VMW", "fullvirt-bt", Published(b, "VMW"), Ratios.Value[(b, "fullvirt-bt")]),
        ])).ToList();

    [Fact]
    public void The_three_configurations_are_in_the_published_order_in_every_row()
    {
        var wrong = Rows().SelectMany(r => ColumnComparison.OrderViolations(r.Benchmark, r.Cells)).ToList();
        Assert.True(wrong.Count == 0, string.Join("; ", wrong));
    }

    [Fact]
    public void The_order_rule_catches_a_swap_and_a_broken_tie()
    {
        Assert.Empty(ColumnComparison.OrderViolations("x", [new("A", "a", 2.0, 1.5), new("B", "b", 1.02, 0.97)]));
        Assert.Single(ColumnComparison.OrderViolations("x", [new("A", "a", 2.0, 0.9)])); // below native in the model
        Assert.Single(ColumnComparison.OrderViolations("x", [new("A", "a", 1.02, 1.3)])); // a published tie pulled apart
    }

    [Fact]
    public void DesignsDoc_validation_table_matches_the_model()
    {
        var path = Path.Combine(Catalog.WorkloadsDirectory, "..", "docs", "designs.md");
        var generated = ColumnComparison.Render(Rows());
        PerfSim.Tests.Support.GeneratedDoc.AssertCurrent(path, doc => ColumnComparison.Splice(doc, generated), "DesignsDoc");
    }

    public static TheoryData<string, string> Fits() => new() { { "xen-1.0", "Xen" }, { "fullvirt-bt", "VMW" } };

    [Theory]
    [MemberData(nameof(Fits))]
    public void The_shipped_profile_is_a_fixed_point_of_the_design_cost_fit(string design, string config)
    {
        var machine = Catalog.LoadMachine("xeon-2400-2003");
        var parameters = design == "xen-1.0" ? XenFitted : VmwFitted;
        var fit = DesignCostFit.Fit(machine, Catalog.LoadKernel(machine.DefaultKernel), Catalog.LoadDesign(design), parameters,
            Table.Value.Where(c => c.Config == config).ToList(), Table.Value.Where(c => c.Config == "L-UP").ToList());
        foreach (var p in parameters)
        {
            Assert.InRange(fit.Fitted[p], machine[p] * 0.99 - 2, machine[p] * 1.01 + 2);
            Assert.StartsWith("fitted:", machine.SourceOf(p), StringComparison.Ordinal);
        }
        Assert.Empty(fit.Pinned);
        // Today: Xen 3.5%, VMW 10.4% median |error| over the column.
        Assert.True(fit.MedianAbsErrorPct < (design == "xen-1.0" ? 6 : 11), $"median |error| {fit.MedianAbsErrorPct:F1}%");
    }

    [Fact]
    public void The_fit_recovers_costs_that_generated_a_column()
    {
        // Make a "published" column from the model itself with known costs, start the fit elsewhere, and get them back.
        var machine = Catalog.LoadMachine("xeon-2400-2003");
        var kernel = Catalog.LoadKernel(machine.DefaultKernel);
        var design = Catalog.LoadDesign("xen-1.0");
        var truth = machine.With(MachineParam.Hypercall, 2222, "test").With(MachineParam.FaultBounce, 777, "test").With(MachineParam.ValidateEntry, 99, "test");
        var benchmarks = new[] { "null_call", "fork_proc", "ctx_2p_0k", "ctx_8p_16k", "page_fault", "prot_fault", "sig_hndl" };
        var native = new List<PublishedCell>();
        var column = new List<PublishedCell>();
        foreach (var b in benchmarks)
        {
            var w = Lmbench.Find(PublishedTable.WorkloadOf(b)!)!;
            var n = ScenarioRunner.Run(new ResolvedConfig(truth, kernel, DesignSpec.Native, 1, 1), w, new WorkloadOptions()).CyclesPerIter;
            var x = ScenarioRunner.Run(new ResolvedConfig(truth, kernel, design, 1, 1), w, new WorkloadOptions()).CyclesPerIter;
            native.Add(new PublishedCell("t", b, "N", n / truth.FrequencyMhz, "synthetic.csv", 0));
            column.Add(new PublishedCell("t", b, "X", x / truth.FrequencyMhz, "synthetic.csv", 0));
        }
        var start = truth.With(MachineParam.Hypercall, 500, "test").With(MachineParam.FaultBounce, 5000, "test").With(MachineParam.ValidateEntry, 10, "test");
        var fit = DesignCostFit.Fit(start, kernel, design, XenFitted, column, native);
        Assert.InRange(fit.Fitted[MachineParam.Hypercall], 2212, 2232);
        Assert.InRange(fit.Fitted[MachineParam.FaultBounce], 767, 787);
        Assert.InRange(fit.Fitted[MachineParam.ValidateEntry], 94, 104);
        Assert.All(fit.Cells, c => Assert.InRange(c.ErrorPct, -0.5, 0.5));
    }
}
