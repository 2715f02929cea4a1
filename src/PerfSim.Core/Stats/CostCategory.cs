namespace PerfSim.Core.Stats;

/// <summary>Where a cycle went. Every charged cycle belongs to exactly one category.</summary>
public enum CostCategory
{
    UserCompute,
    UserTlbMiss,
    KernelTlbMiss,
    KernelPath,
    Hook,
    Translation,
    TranslatedCode,
    KernelCodeMiss,
    KernelEntryExit,
    InterruptFlag,
    PteUpdate,
    TlbFlush,
    CpuState,
    PageCopy,
    PortIo,
    Hypercall,
    PageTableValidation,
    FaultDelivery,
    PteTrap,
    Shadow,
    HiddenFault,
    Ipi,
    IpiHandler,
    Idle,
    SmpLocks,
    IpiWait,
    Descheduled,
    Coherence,
}
