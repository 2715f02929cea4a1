namespace PerfSim.Core.Designs.Hooks;

/// <summary>
/// The paravirtual hook sites the kernel model executes, by operation class (the pv_ops / VMI call each
/// privileged operation goes through). Values index per-class statistics.
/// </summary>
public enum HookOp
{
    IrqDisable,
    IrqEnable,
    SaveFlags,
    RestoreFlags,
    Iret,
    SysExit,
    ReadCr2,
    WriteCr3,
    Invlpg,
    FlushTlb,
    SetPte,
    UpdatePte,
    ClearPte,
    SetPmd,
    AllocPageTable,
    ReleasePageTable,
    LazyMode,
    LoadEsp0,
    LoadTls,
    LoadLdt,
    Clts,
    WriteCr0,
    SetDebugReg,
    SendIpi,
    FlushTlbOthers,
}
