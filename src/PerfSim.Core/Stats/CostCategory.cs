namespace PerfSim.Core.Stats;

/// <summary>Where a cycle went. Every charged cycle belongs to exactly one category.</summary>
public enum CostCategory
{
    UserCompute,
    UserTlbMiss,
    KernelPath,
    KernelEntryExit,
    InterruptFlag,
    PteUpdate,
    TlbFlush,
    CpuState,
    PageCopy,
}
