using PerfSim.Core.Kernel;
using PerfSim.Core.Machine;
using PerfSim.Core.Platform;
using PerfSim.Core.Simulation;
using PerfSim.Core.Stats;
using PerfSim.Core.Trace;

namespace PerfSim.Core.Designs;

/// <summary>
/// Bare metal: every platform operation is the native instruction sequence at the machine's cost.
/// Each component copies its slice of the configuration into readonly fields once.
/// </summary>
public sealed class NativeDesign : IPlatform
{
    private readonly MachineModel _m;
    private readonly RunStats _s;
    private readonly long[] _path;
    private readonly long _codeMiss;
    private readonly long _store, _load, _locked, _xchg;
    private readonly long _cli, _sti, _pushf, _popf;
    private readonly long _trapEntry, _trapExit, _sysenter, _sysexit;
    private readonly long _cr3, _cr2, _cr0r, _cr0w, _clts, _invlpg, _lldt, _fxsave, _fxrstor;
    private readonly long _clearPage, _copyPage;
    private readonly bool _globalKernel;

    public NativeDesign(ResolvedConfig config, MachineModel machine)
    {
        _m = machine;
        _s = machine.Stats;
        var p = config.Machine;
        _path = new long[KernelPaths.Count];
        for (var i = 0; i < _path.Length; i++)
        {
            _path[i] = config.CyclesOf((KernelPath)i);
        }
        _codeMiss = config.Machine[MachineParam.KernelCodeMiss];
        _store = p[MachineParam.Store];
        _load = p[MachineParam.Load];
        _locked = p[MachineParam.LockedRmw];
        _xchg = p[MachineParam.Xchg];
        _cli = p[MachineParam.Cli];
        _sti = p[MachineParam.Sti];
        _pushf = p[MachineParam.Pushf];
        _popf = p[MachineParam.Popf];
        _trapEntry = p[MachineParam.TrapEntry];
        _trapExit = p[MachineParam.TrapExit];
        _sysenter = p[MachineParam.SysenterEntry];
        _sysexit = p[MachineParam.SysexitExit];
        _cr3 = p[MachineParam.Cr3Write];
        _cr2 = p[MachineParam.ReadCr2];
        _cr0r = p[MachineParam.ReadCr0];
        _cr0w = p[MachineParam.WriteCr0];
        _clts = p[MachineParam.Clts];
        _invlpg = p[MachineParam.Invlpg];
        _lldt = p[MachineParam.Lldt];
        _fxsave = p[MachineParam.Fxsave];
        _fxrstor = p[MachineParam.Fxrstor];
        _globalKernel = config.Kernel.GlobalKernelPages && p[MachineParam.GlobalPages] != 0;
        _clearPage = p[MachineParam.ClearPage];
        _copyPage = p[MachineParam.CopyPage];
    }

    public int CurrentCpu { get; set; }

    private void Charge(CostCategory c, long cycles) => _m.Charge(CurrentCpu, c, cycles);

    public void KernelPath(KernelPath path, long times = 1)
    {
        if (times <= 0)
        {
            return;
        }
        Charge(CostCategory.KernelPath, _path[(int)path] * times);
        var cold = _m.Cpus[CurrentCpu].CodeCache.Execute((int)path);
        if (cold > 0)
        {
            _s.Count(Counter.KernelCodeMisses);
            Charge(CostCategory.KernelCodeMiss, (cold * _codeMiss + 500) / 1000);
        }
    }

    public void UserCompute(long cycles) => Charge(CostCategory.UserCompute, cycles);

    public void UserAccess(AddressSpace mm, long vpn, AccessKind access) =>
        _m.Translate(CurrentCpu, mm.Id, vpn, access, global: false, nested: false, CostCategory.UserTlbMiss);

    public void KernelAccess(AddressSpace mm, long vpn) =>
        _m.Translate(CurrentCpu, mm.Id, vpn, AccessKind.Read, _globalKernel, nested: false, CostCategory.KernelTlbMiss);

    public void ClearPage(long count = 1)
    {
        _s.Count(Counter.PageClears, count);
        Charge(CostCategory.PageCopy, _clearPage * count);
    }

    public void CopyPage(long count = 1)
    {
        _s.Count(Counter.PageCopies, count);
        Charge(CostCategory.PageCopy, _copyPage * count);
    }

    public void Enter(EntryKind kind)
    {
        _s.Count(Counter.Traps);
        Charge(CostCategory.KernelEntryExit, kind == EntryKind.SyscallSysenter ? _sysenter : _trapEntry);
    }

    public void Return(ReturnKind kind) => Charge(CostCategory.KernelEntryExit, kind == ReturnKind.Sysexit ? _sysexit : _trapExit);

    public void ReadCr2() => Charge(CostCategory.CpuState, _cr2);

    public void Cli() => Flag(_cli);
    public void Sti() => Flag(_sti);
    public void SaveFlags() => Flag(_pushf);
    public void RestoreFlags() => Flag(_popf);

    private void Flag(long cycles)
    {
        _s.Count(Counter.InterruptFlagOps);
        Charge(CostCategory.InterruptFlag, cycles);
    }

    public void SetPte(AddressSpace mm, long vpn)
    {
        _s.Count(Counter.PteWrites);
        _s.Count(Counter.PteSets);
        Charge(CostCategory.PteUpdate, _store);
    }

    public void UpdatePte(AddressSpace mm, long vpn, PteUpdateKind kind)
    {
        _s.Count(Counter.PteWrites);
        _s.Count(Counter.PteUpdates);
        long cost;
        switch (kind)
        {
            case PteUpdateKind.WriteProtect:
                _s.Count(Counter.LockedOps);
                cost = _locked;
                break;
            case PteUpdateKind.Modify:
                _s.Count(Counter.LockedOps);
                cost = _xchg + _store;
                break;
            default:
                cost = _store;
                break;
        }
        Charge(CostCategory.PteUpdate, cost);
    }

    public void ClearPte(AddressSpace mm, long vpn, bool fullMmTeardown)
    {
        _s.Count(Counter.PteWrites);
        _s.Count(Counter.PteClears);
        if (!fullMmTeardown)
        {
            _s.Count(Counter.LockedOps);
        }
        Charge(CostCategory.PteUpdate, fullMmTeardown ? _load + _store : _xchg);
    }

    public void AllocPageTable(AddressSpace mm, long tableIndex) => _s.Count(Counter.PageTablesAllocated);

    public void ReleasePageTable(AddressSpace mm, long tableIndex) => _s.Count(Counter.PageTablesFreed);

    public void SetPmd(AddressSpace mm, long tableIndex) => Charge(CostCategory.PteUpdate, _store);

    public void AllocPgd(AddressSpace mm) => _s.Count(Counter.PageTablesAllocated);

    public void ReleasePgd(AddressSpace mm) => _s.Count(Counter.PageTablesFreed);

    public void EnterLazyMmu()
    {
    }

    public void LeaveLazyMmu()
    {
    }

    public void LoadCr3(AddressSpace mm)
    {
        _s.Count(Counter.Cr3Loads);
        Charge(CostCategory.TlbFlush, _cr3);
        _m.SwitchAddressSpace(CurrentCpu, mm.Id);
    }

    public void Invlpg(AddressSpace mm, long vpn)
    {
        _s.Count(Counter.Invlpgs);
        Charge(CostCategory.TlbFlush, _invlpg);
        _m.InvalidatePage(CurrentCpu, mm.Id, vpn);
    }

    public void FlushTlb(AddressSpace mm)
    {
        _s.Count(Counter.TlbFlushes);
        Charge(CostCategory.TlbFlush, _cr3);
        _m.FlushAddressSpace(CurrentCpu, mm.Id);
    }

    public void EnterLazyCpu()
    {
    }

    public void LeaveLazyCpu()
    {
    }

    public void LoadEsp0() => Charge(CostCategory.CpuState, _store);

    /// <summary>Native load_TLS writes all three GDT entries (two stores each), changed or not.</summary>
    public void LoadTls(int changedEntries) => Charge(CostCategory.CpuState, 6 * _store);

    public void LoadLdt() => Charge(CostCategory.CpuState, _lldt);

    public void Clts() => Charge(CostCategory.CpuState, _clts);

    public void Stts() => Charge(CostCategory.CpuState, _cr0r + _cr0w);

    public void FpuSave() => Charge(CostCategory.CpuState, _fxsave);

    public void FpuRestore() => Charge(CostCategory.CpuState, _fxrstor);
}
