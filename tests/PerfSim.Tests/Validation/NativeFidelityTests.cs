using PerfSim.Core.Designs;
using PerfSim.Core.Kernel;
using PerfSim.Core.Simulation;
using PerfSim.Core.Workloads;
using PerfSim.IO.Calibration;
using PerfSim.IO.Config;
using PerfSim.Tests.Support;

namespace PerfSim.Tests.Validation;

/// <summary>
/// Fidelity guard: the shipped, calibrated profiles must keep native predictions within ±30% of the published
/// Xen SOSP'03 L-UP figures for the cells the foundation promises (issue "PerfSim foundation"). A change to
/// the model or the data that loses this fails here.
/// </summary>
public sealed class NativeFidelityTests
{
    private static readonly ConfigCatalog Catalog = ConfigCatalog.Locate();

    public static TheoryData<string> PromisedCells() => new() { "null_call", "fork_proc", "ctx_2p_0k", "page_fault" };

    [Theory]
    [MemberData(nameof(PromisedCells))]
    public void Native_prediction_on_the_2003_xeon_is_within_30_percent_of_L_UP(string benchmark)
    {
        var table = PublishedTable.Load(Path.Combine(Catalog.WorkloadsDirectory, "validation", "xen-sosp03-lmbench.csv"));
        var cell = table.Single(c => c.Benchmark == benchmark && c.Config == "L-UP");
        var machine = Catalog.LoadMachine("xeon-2400-2003");
        var config = new ResolvedConfig(machine, Catalog.LoadKernel(machine.DefaultKernel), DesignSpec.Native, 1, 1);
        var r = ScenarioRunner.Run(config, Lmbench.Find(PublishedTable.WorkloadOf(benchmark)!)!, new WorkloadOptions());
        var published = cell.Value * machine.FrequencyMhz;
        var error = (r.CyclesPerIter - published) / published;
        Assert.True(Math.Abs(error) <= 0.30, $"{benchmark}: predicted {r.CyclesPerIter:F0} cycles, published {published:F0} ({100 * error:F1}%)");
    }

    [Fact]
    public void Calibration_is_a_fixed_point_of_the_shipped_profile()
    {
        var table = PublishedTable.Load(Path.Combine(Catalog.WorkloadsDirectory, "validation", "xen-sosp03-lmbench.csv"))
            .Where(c => c.Config == "L-UP").ToList();
        var machine = Catalog.LoadMachine("xeon-2400-2003");
        var shipped = Catalog.LoadKernel("linux-2.4.21");
        // The fit starts from the raw lengths (each fitted path divided by the factor its source names), so on the
        // shipped profile it must find the shipped factors and write every path back as it is.
        var fit = KernelPathFit.Fit(machine, shipped, table);
        for (var i = 0; i < KernelPaths.Count; i++)
        {
            var p = (KernelPath)i;
            Assert.Equal(shipped[p], fit.Calibrated[p]);
            Assert.Equal(shipped.SourceOf(p), fit.Calibrated.SourceOf(p));
        }
        Assert.True(fit.MedianAbsErrorPct < 20, $"median |error| {fit.MedianAbsErrorPct:F1}%");
    }

    [Fact]
    public void Unfitting_takes_a_fitted_path_back_to_a_raw_length_the_same_factor_takes_to_the_same_value()
    {
        var k = TestProfiles.Kernel();
        foreach (var factor in new[] { 0.951, 2.645, 3.252, 0.3 })
        {
            var note = $"fitted ×{factor.ToString("F3", System.Globalization.CultureInfo.InvariantCulture)} (test)";
            var fitted = KernelPathFit.Scale(k, KernelPathGroup.Memory, factor, note);
            var raw = KernelPathFit.Unfitted(fitted, [KernelPathGroup.Memory]);
            var again = KernelPathFit.Scale(raw, KernelPathGroup.Memory, factor, note);
            for (var i = 0; i < KernelPaths.Count; i++)
            {
                var p = (KernelPath)i;
                Assert.Equal(fitted[p], again[p]);
                Assert.Equal(k.SourceOf(p), raw.SourceOf(p)); // the note is dropped, the estimate's own text kept
                if (KernelPaths.GroupOf(p) == KernelPathGroup.Memory && factor >= 1)
                {
                    Assert.Equal(k[p], raw[p]); // a factor above 1 loses nothing to rounding
                }
            }
        }
        // Groups not named keep their fitted lengths.
        var other = KernelPathFit.Unfitted(KernelPathFit.Scale(k, KernelPathGroup.Syscall, 2, "fitted ×2.000 (test)"), [KernelPathGroup.Memory]);
        Assert.Equal(2 * k[KernelPath.SysNull], other[KernelPath.SysNull]);
    }

    [Fact]
    public void Published_table_errors_name_the_file_and_line()
    {
        var path = Path.Combine(Path.GetTempPath(), $"perfsim-table-{Guid.NewGuid():N}.csv");
        File.WriteAllText(path, "table,benchmark,config,value_us\n3,null_call,L-UP,fast\n");
        try
        {
            var e = Assert.Throws<ConfigException>(() => PublishedTable.Load(path));
            Assert.Contains(e.Errors, x => x.Line == 2 && x.KeyPath == "value_us");
        }
        finally
        {
            File.Delete(path);
        }
    }
}
