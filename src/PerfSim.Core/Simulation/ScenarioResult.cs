using PerfSim.Core.Stats;

namespace PerfSim.Core.Simulation;

/// <summary>
/// The measured outcome of one scenario (workload × design × machine × CPU count): cycles per iteration
/// by category and counters per iteration, after warm-up and after subtracting the workload's baseline loop
/// (lmbench reports incremental costs the same way). Values are per iteration and may be fractional.
/// </summary>
public sealed record ScenarioResult(
    string Workload,
    string Design,
    string Machine,
    string Kernel,
    int Cpus,
    long Iterations,
    long FrequencyMhz,
    IReadOnlyList<double> CyclesPerIterByCategory,
    IReadOnlyList<double> CountersPerIter)
{
    /// <summary>Reads of still-queued PTEs per iteration by the kernel path that read them, indexed by <see cref="Kernel.KernelPath"/> (empty when not measured).</summary>
    public IReadOnlyList<double> HazardsPerIterBySite { get; init; } = [];

    /// <summary>Hook sites executed per iteration, indexed by <see cref="Designs.Hooks.HookOp"/> (empty when not measured).</summary>
    public IReadOnlyList<double> HookCallsPerIter { get; init; } = [];

    /// <summary>Cycles per iteration spent in hook sites (reaching and running the operation), indexed by <see cref="Designs.Hooks.HookOp"/>.</summary>
    public IReadOnlyList<double> HookCyclesPerIter { get; init; } = [];

    /// <summary>Each operation class's hook mechanism (the design's hook or its override), as written in hooks.csv, indexed by <see cref="Designs.Hooks.HookOp"/>.</summary>
    public IReadOnlyList<string> HookMechanisms { get; init; } = [];

    /// <summary>
    /// Wall-clock cycles per iteration as the benchmark's own clock sees them (NaN when not measured). On one CPU
    /// it equals the sum of the categories; with several, the categories cover every CPU (work, IPI handling and
    /// idle waits) and so sum to more.
    /// </summary>
    public double ElapsedCyclesPerIter { get; init; } = double.NaN;

    /// <summary>Physical CPUs the vCPUs ran on (= <see cref="Cpus"/> unless a hypervisor overcommitted them).</summary>
    public int PhysicalCpus { get; init; }

    /// <summary>Each measured TLB shootdown's latency in cycles (request to last acknowledgement), in completion order.</summary>
    public IReadOnlyList<long> ShootdownLatencies { get; init; } = [];

    /// <summary>Each process of the main run after the measure mark (no baseline subtracted): events and cycles, by pid.</summary>
    public IReadOnlyList<ProcessShare> Processes { get; init; } = [];

    /// <summary>Cycles per iteration: the elapsed time when measured, else the sum of the categories.</summary>
    public double CyclesPerIter => double.IsNaN(ElapsedCyclesPerIter) ? CyclesPerIterByCategory.Sum() : ElapsedCyclesPerIter;

    /// <summary>Microseconds per iteration at the machine's clock.</summary>
    public double MicrosecondsPerIter => CyclesPerIter / FrequencyMhz;

    public double Category(CostCategory c) => CyclesPerIterByCategory[(int)c];

    public double CounterValue(Counter c) => CountersPerIter[(int)c];
}
