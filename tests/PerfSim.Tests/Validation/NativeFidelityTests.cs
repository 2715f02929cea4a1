using PerfSim.Core.Designs;
using PerfSim.Core.Kernel;
using PerfSim.Core.Machine;
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
        // The fit starts from the raw lengths (each fitted path divided by the factor its source names) and from the
        // trap pair's estimate, so on the shipped profiles it must find the shipped factors and write every path and
        // both trap costs back as they are (docs/cost-model.md gives the command).
        var fit = KernelPathFit.Fit(machine, shipped, table, tie: [MachineParam.TrapEntry, MachineParam.TrapExit]);
        for (var i = 0; i < KernelPaths.Count; i++)
        {
            var p = (KernelPath)i;
            Assert.Equal(shipped[p], fit.Calibrated[p]);
            Assert.Equal(shipped.SourceOf(p), fit.Calibrated.SourceOf(p));
        }
        foreach (var p in new[] { MachineParam.TrapEntry, MachineParam.TrapExit })
        {
            Assert.Equal(machine[p], fit.Machine[p]);
            Assert.Equal(machine.SourceOf(p), fit.Machine.SourceOf(p));
            Assert.Contains(" | fitted ×", machine.SourceOf(p), StringComparison.Ordinal);
        }
        Assert.True(fit.MedianAbsErrorPct < 20, $"median |error| {fit.MedianAbsErrorPct:F1}%");
    }

    [Fact]
    public void A_tied_fit_recovers_a_planted_trap_cost_and_the_path_factors_beside_it()
    {
        // Published cells made by the model itself with the trap pair 1.5 times the shipped one: fitting from the
        // shipped profiles must find that pair again, keep the 60/40 split, and leave the path groups where they were.
        var machine = Catalog.LoadMachine("xeon-2400-2003");
        var kernel = Catalog.LoadKernel("linux-2.4.21");
        MachineParam[] tie = [MachineParam.TrapEntry, MachineParam.TrapExit];
        var planted = KernelPathFit.ScaleMachine(machine, tie, 1.5, "planted");
        var benchmarks = new[] { "null_call", "null_io", "stat", "sig_inst", "sig_hndl", "fork_proc", "ctx_2p_0k", "delete_0k", "prot_fault", "page_fault" };
        var cells = benchmarks.Select((b, i) => new PublishedCell("t", b, "L-UP",
            ScenarioRunner.Run(new ResolvedConfig(planted, kernel, DesignSpec.Native, 1, 1), Lmbench.Find(PublishedTable.WorkloadOf(b)!)!, new WorkloadOptions()).CyclesPerIter
                / machine.FrequencyMhz, "synthetic.csv", i + 2)).ToList();
        var fit = KernelPathFit.Fit(machine, kernel, cells, tie: tie);
        foreach (var p in tie)
        {
            Assert.InRange(fit.Machine[p], planted[p] * 0.98, planted[p] * 1.02);
        }
        var shippedFit = KernelPathFit.Fit(machine, kernel, cells.Select(c => c with
        {
            Value = ScenarioRunner.Run(new ResolvedConfig(machine, kernel, DesignSpec.Native, 1, 1), Lmbench.Find(PublishedTable.WorkloadOf(c.Benchmark)!)!, new WorkloadOptions()).CyclesPerIter / machine.FrequencyMhz,
        }).ToList(), tie: tie);
        foreach (var (g, v) in fit.Scales)
        {
            Assert.InRange(v, shippedFit.Scales[g] * 0.97, shippedFit.Scales[g] * 1.03);
        }
        Assert.True(fit.MedianAbsErrorPct < 1, $"median |error| {fit.MedianAbsErrorPct:F2}% on cells the model made");
    }

    [Fact]
    public void Unfitting_a_machine_cost_takes_it_back_to_its_estimate_and_drops_the_note()
    {
        var machine = Catalog.LoadMachine("p4-672-2006");
        MachineParam[] tie = [MachineParam.TrapEntry, MachineParam.TrapExit];
        var fitted = KernelPathFit.ScaleMachine(machine, tie, 1.366, "fitted ×1.366 (test)");
        Assert.Equal((long)Math.Round(machine[MachineParam.TrapEntry] * 1.366, MidpointRounding.AwayFromZero), fitted[MachineParam.TrapEntry]);
        var raw = KernelPathFit.UnfittedMachine(fitted, tie);
        foreach (var p in tie)
        {
            Assert.Equal(machine[p], raw[p]);
            Assert.Equal(machine.SourceOf(p), raw.SourceOf(p));
        }
        // A parameter not named keeps its value and its source.
        Assert.Equal(fitted[MachineParam.TrapExit], KernelPathFit.UnfittedMachine(fitted, [MachineParam.TrapEntry])[MachineParam.TrapExit]);
    }

    [Fact]
    public void Unfitting_takes_a_fitted_path_back_to_the_raw_length_its_note_keeps()
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
                if (KernelPaths.GroupOf(p) == KernelPathGroup.Memory)
                {
                    Assert.Equal(k[p], raw[p]); // the note keeps the raw length: nothing is lost to rounding, even below 1
                }
            }
        }
        // Below 1 a factor takes several raw lengths to one fitted length (80 and 81 both to 41 at 0.508): the noted raw
        // length is the one taken back, where dividing would give 81. A note without one (an older profile) is divided.
        var p80 = k.With(KernelPath.ForkBase, 41, "test | fitted ×0.508 (Memory group, test) from 80");
        Assert.Equal(80, KernelPathFit.Unfitted(p80, [KernelPathGroup.Memory])[KernelPath.ForkBase]);
        var old = k.With(KernelPath.ForkBase, 41, "test | fitted ×0.508 (Memory group, test)");
        Assert.Equal(81, KernelPathFit.Unfitted(old, [KernelPathGroup.Memory])[KernelPath.ForkBase]);
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
