using PerfSim.Core.Designs;
using PerfSim.Core.Designs.Hooks;
using PerfSim.Core.Machine;
using PerfSim.Core.Simulation;
using PerfSim.Core.Stats;
using PerfSim.Core.Workloads;
using PerfSim.Tests.Support;

namespace PerfSim.Tests.Designs;

public sealed class HookMechanismTests
{
    private static ScenarioResult Run(HookMechanism hook, string workload, MachineProfile machine) =>
        ScenarioRunner.Run(new ResolvedConfig(machine, TestProfiles.Kernel(), DesignSpec.Native with { Name = "h-" + hook, Hook = hook }, 1, 1),
            Lmbench.Find(workload)!, new WorkloadOptions());

    private static MachineProfile Machine() => TestProfiles.Machine()
        .With(MachineParam.NopByte, 1000, "t")               // one cycle per NOP byte: whole numbers
        .With(MachineParam.IndirectMispredictRate, 100, "t"); // one call in ten mispredicts

    [Theory]
    [InlineData("null-call")]
    [InlineData("fork")]
    [InlineData("ctx-2p-16k")]
    [InlineData("page-fault")]
    public void Each_mechanism_adds_exactly_its_per_site_cost_to_every_hook_site_executed(string workload)
    {
        var m = Machine();
        var inline = Run(HookMechanism.Inline, workload, m);
        foreach (var hook in new[] { HookMechanism.Patched, HookMechanism.Indirect, HookMechanism.Rom })
        {
            var r = Run(hook, workload, m);
            double expected = 0;
            for (var i = 0; i < HookSites.Count; i++)
            {
                var site = HookSites.All[i];
                double perSite = hook switch
                {
                    HookMechanism.Patched when site.InlineBytes > 0 => site.SiteBytes - site.InlineBytes,
                    HookMechanism.Patched when site.NativeNop => site.SiteBytes,
                    HookMechanism.Patched => m[MachineParam.CallDirect] + site.SiteBytes - 5,
                    HookMechanism.Indirect => m[MachineParam.CallIndirect] + m[MachineParam.CallIndirectMispredict] / 10.0,
                    _ => m[MachineParam.CallDirect],
                };
                expected += r.HookCallsPerIter[i] * perSite;
            }
            // The same operations run under every mechanism; only the hook category differs.
            Assert.Equal(inline.HookCallsPerIter, r.HookCallsPerIter);
            Assert.Equal(expected, r.Category(CostCategory.Hook), 0);
            Assert.Equal(inline.CyclesPerIter + r.Category(CostCategory.Hook), r.CyclesPerIter, 0);
        }
        Assert.Equal(0, inline.Category(CostCategory.Hook));
    }

    [Fact]
    public void Patched_sites_cost_less_than_rom_calls_which_cost_less_than_indirect_calls_on_the_shipped_2003_xeon()
    {
        var catalog = PerfSim.IO.Config.ConfigCatalog.Locate();
        var m = catalog.LoadMachine("xeon-2400-2003");
        var k = catalog.LoadKernel(m.DefaultKernel);
        double Cost(string design) => ScenarioRunner.Run(new ResolvedConfig(m, k, catalog.LoadDesign(design), 1, 1), Lmbench.Find("fork")!, new WorkloadOptions()).CyclesPerIter;
        var native = Cost("native");
        var patched = Cost("native-pvops");
        var rom = Cost("vmi-native");
        var indirect = Cost("native-pvops-indirect");
        Assert.True(native < patched && patched < rom && rom < indirect, $"{native} {patched} {rom} {indirect}");
        Assert.True(indirect / native < 1.02, "hooks on bare metal cost a percent or two at most");
    }
}
