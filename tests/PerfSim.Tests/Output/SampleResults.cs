using PerfSim.Core.Simulation;
using PerfSim.Core.Stats;
using PerfSim.IO.Output;

namespace PerfSim.Tests.Output;

/// <summary>Hand-built scenario results for the writer tests.</summary>
internal static class SampleResults
{
    public static readonly RunInfo Info = new("perfsim run --config workloads/tiny.json --seed 42", "0.1.0-test", 42, "cfg0a1b2c3d");

    public static ScenarioResult Make(
        string workload = "fork-exit",
        string design = "native",
        string machine = "p4-3ghz",
        string kernel = "linux-2.6.12",
        int cpus = 1,
        long iterations = 1000,
        long frequencyMhz = 3000,
        IReadOnlyDictionary<CostCategory, double>? categories = null,
        IReadOnlyDictionary<Counter, double>? counters = null)
    {
        var c = new double[Metrics.CategoryCount];
        foreach (var (k, v) in categories ?? new Dictionary<CostCategory, double>())
        {
            c[(int)k] = v;
        }
        var n = new double[Metrics.CounterCount];
        foreach (var (k, v) in counters ?? new Dictionary<Counter, double>())
        {
            n[(int)k] = v;
        }
        return new ScenarioResult(workload, design, machine, kernel, cpus, iterations, frequencyMhz, c, n);
    }

    /// <summary>fork-exit under native and under a paravirtual design, so overhead is defined for both rows.</summary>
    public static IReadOnlyList<ScenarioResult> NativeAndXenPv() =>
    [
        Make(design: "native",
            categories: new Dictionary<CostCategory, double>
            {
                [CostCategory.UserCompute] = 1200.5,
                [CostCategory.KernelPath] = 30000.25,
                [CostCategory.KernelEntryExit] = 450,
                [CostCategory.PteUpdate] = 2100.125,
                [CostCategory.TlbFlush] = 800,
                [CostCategory.PageCopy] = 12000,
            },
            counters: new Dictionary<Counter, double>
            {
                [Counter.Syscalls] = 3,
                [Counter.PageFaults] = 24.5,
                [Counter.PteWrites] = 310.25,
                [Counter.Forks] = 1,
                [Counter.Exits] = 1,
            }),
        Make(design: "xen-pv-batch32",
            categories: new Dictionary<CostCategory, double>
            {
                [CostCategory.UserCompute] = 1200.5,
                [CostCategory.UserTlbMiss] = 640.75,
                [CostCategory.KernelPath] = 30000.25,
                [CostCategory.KernelEntryExit] = 1900,
                [CostCategory.InterruptFlag] = 75.333,
                [CostCategory.PteUpdate] = 18000.5,
                [CostCategory.TlbFlush] = 2400,
                [CostCategory.CpuState] = 950,
                [CostCategory.PageCopy] = 12000,
            },
            counters: new Dictionary<Counter, double>
            {
                [Counter.Syscalls] = 3,
                [Counter.PageFaults] = 24.5,
                [Counter.PteWrites] = 310.25,
                [Counter.Traps] = 40.0625,
                [Counter.Forks] = 1,
                [Counter.Exits] = 1,
                [Counter.InterruptFlagOps] = 12.33333,
            }),
    ];
}
