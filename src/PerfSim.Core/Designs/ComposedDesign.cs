using PerfSim.Core.Designs.Paging;
using PerfSim.Core.Kernel;
using PerfSim.Core.Machine;
using PerfSim.Core.Platform;
using PerfSim.Core.Simulation;
using PerfSim.Core.Stats;
using PerfSim.Core.Trace;

namespace PerfSim.Core.Designs;

/// <summary>
/// A design assembled from its mechanisms: CPU-state operations at native cost (the hook mechanisms come
/// later), page-table operations by the design's <see cref="IPagingMode"/>, and, for a batched PTE policy,
/// a queue of hypervisor updates flushed at lazy-mode exit, when full, before any TLB operation, at a page
/// fault, on the return to user, or on a read-after-write hazard (unless the design only audits hazards).
/// Each component copies its slice of the configuration into readonly fields once.
/// </summary>
public sealed class ComposedDesign : IPlatform
{
    private readonly MachineModel _m;
    private readonly RunStats _s;
    private readonly IPagingMode _paging;
    private readonly long[] _path;
    private readonly long _codeMiss;
    private readonly long _store;
    private readonly long _cli, _sti, _pushf, _popf;
    private readonly long _trapEntry, _trapExit, _sysenter, _sysexit;
    private readonly long _cr2, _cr0r, _cr0w, _clts, _lldt, _fxsave, _fxrstor;
    private readonly long _clearPage, _copyPage;
    private readonly bool _globalKernel;

    // Batched PTE policy: one queue per CPU of (mm, page) keys.
    private readonly bool _batched;
    private readonly bool _batchOutsideLazy;
    private readonly bool _audit;
    private readonly QueuedUpdate[][] _queue;
    private readonly int[] _queued;
    private readonly bool[] _lazyMmu;

    public ComposedDesign(ResolvedConfig config, MachineModel machine)
    {
        _m = machine;
        _s = machine.Stats;
        var d = config.Design;
        _paging = d.PageTables switch
        {
            PageTableMode.Native => new NativePaging(machine),
            PageTableMode.Nested => new NestedPaging(machine),
            PageTableMode.Direct => new DirectPaging(machine, d.Pinning),
            PageTableMode.Writable => new WritablePaging(machine, d.Pinning),
            PageTableMode.Shadow => new ShadowPaging(machine, d.ShadowFill, d.ShadowRoots, d.ShadowOutOfSync),
            _ => throw new NotSupportedException($"page-table mode {d.PageTables}"),
        };
        var p = config.Machine;
        _path = new long[KernelPaths.Count];
        for (var i = 0; i < _path.Length; i++)
        {
            _path[i] = config.CyclesOf((KernelPath)i);
        }
        _codeMiss = p[MachineParam.KernelCodeMiss];
        _store = p[MachineParam.Store];
        _cli = p[MachineParam.Cli];
        _sti = p[MachineParam.Sti];
        _pushf = p[MachineParam.Pushf];
        _popf = p[MachineParam.Popf];
        _trapEntry = p[MachineParam.TrapEntry];
        _trapExit = p[MachineParam.TrapExit];
        _sysenter = p[MachineParam.SysenterEntry];
        _sysexit = p[MachineParam.SysexitExit];
        _cr2 = p[MachineParam.ReadCr2];
        _cr0r = p[MachineParam.ReadCr0];
        _cr0w = p[MachineParam.WriteCr0];
        _clts = p[MachineParam.Clts];
        _lldt = p[MachineParam.Lldt];
        _fxsave = p[MachineParam.Fxsave];
        _fxrstor = p[MachineParam.Fxrstor];
        _clearPage = p[MachineParam.ClearPage];
        _copyPage = p[MachineParam.CopyPage];
        _globalKernel = config.Kernel.GlobalKernelPages && d.GuestGlobalPages && p[MachineParam.GlobalPages] != 0;

        _batched = d.PteUpdates == PtePolicy.Batched;
        _batchOutsideLazy = d.BatchOutsideLazyMode;
        _audit = d.Hazards == HazardMode.Audit;
        var cpus = machine.Cpus.Length;
        _queue = new QueuedUpdate[cpus][];
        for (var i = 0; i < cpus; i++)
        {
            _queue[i] = new QueuedUpdate[_batched ? d.BatchSize : 0];
        }
        _queued = new int[cpus];
        _lazyMmu = new bool[cpus];
    }

    public int CurrentCpu { get; set; }

    /// <summary>The page-table mode (for tests and reports).</summary>
    public IPagingMode Paging => _paging;

    /// <summary>PTE updates still queued on a CPU.</summary>
    public int QueuedOn(int cpu) => _queued[cpu];

    private void Charge(CostCategory c, long cycles) => _m.Charge(CurrentCpu, c, cycles);

    // ---- software work -------------------------------------------------------------------------

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
        _paging.Translate(CurrentCpu, mm, vpn, access, global: false, CostCategory.UserTlbMiss);

    public void KernelAccess(AddressSpace mm, long vpn) =>
        _paging.Translate(CurrentCpu, mm, vpn, AccessKind.Read, _globalKernel, CostCategory.KernelTlbMiss);

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

    // ---- entry and exit ------------------------------------------------------------------------

    public void Enter(EntryKind kind)
    {
        _s.Count(Counter.Traps);
        Charge(CostCategory.KernelEntryExit, kind == EntryKind.SyscallSysenter ? _sysenter : _trapEntry);
        if (kind == EntryKind.PageFault)
        {
            FlushQueue(); // the fault handler drains queued updates before looking at the tables
            _paging.DeliverPageFault(CurrentCpu);
        }
    }

    public void Return(ReturnKind kind)
    {
        FlushQueue(); // nothing queued may outlive the kernel's visit
        Charge(CostCategory.KernelEntryExit, kind == ReturnKind.Sysexit ? _sysexit : _trapExit);
    }

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

    // ---- page tables ---------------------------------------------------------------------------

    private void PteWrite(AddressSpace mm, long vpn, PteOp op)
    {
        var cpu = CurrentCpu;
        // ptep_set_access_flags (COW reuse) is one update_va_mapping that also flushes the TLB entry: never queued.
        if (_batched && op != PteOp.SetAccessFlags && (_lazyMmu[cpu] || _batchOutsideLazy) && _paging.NeedsHypervisor(cpu, mm, op))
        {
            _queue[cpu][_queued[cpu]++] = new QueuedUpdate(mm, vpn, op);
            _s.Count(Counter.BatchedUpdates);
            // The guest writes the (pointer, value) pair into its queue; the hypervisor's work comes at the flush.
            Charge(CostCategory.PteUpdate, 2 * _store);
            if (op != PteOp.SetPmd)
            {
                _s.Count(Counter.PteWrites);
                _s.Count(op switch
                {
                    PteOp.Set => Counter.PteSets,
                    PteOp.Clear or PteOp.ClearFull => Counter.PteClears,
                    _ => Counter.PteUpdates,
                });
            }
            if (_queued[cpu] == _queue[cpu].Length)
            {
                FlushQueue(); // a full queue goes at once
            }
            return;
        }
        FlushQueue(); // an unbatched write must not overtake queued ones
        _paging.Write(cpu, mm, vpn, op);
    }

    private void FlushQueue()
    {
        var cpu = CurrentCpu;
        var n = _queued[cpu];
        if (n == 0)
        {
            return;
        }
        _queued[cpu] = 0;
        _paging.FlushBatch(cpu, _queue[cpu].AsSpan(0, n));
    }

    public void SetPte(AddressSpace mm, long vpn) => PteWrite(mm, vpn, PteOp.Set);

    public void UpdatePte(AddressSpace mm, long vpn, PteUpdateKind kind) => PteWrite(mm, vpn, kind switch
    {
        PteUpdateKind.WriteProtect => PteOp.WriteProtect,
        PteUpdateKind.Modify => PteOp.Modify,
        _ => PteOp.SetAccessFlags,
    });

    public void ClearPte(AddressSpace mm, long vpn, bool fullMmTeardown) => PteWrite(mm, vpn, fullMmTeardown ? PteOp.ClearFull : PteOp.Clear);

    public void SetPmd(AddressSpace mm, long tableIndex) => PteWrite(mm, -1 - tableIndex, PteOp.SetPmd);

    public void ReadPte(AddressSpace mm, long vpn, KernelPath site)
    {
        var cpu = CurrentCpu;
        var n = _queued[cpu];
        if (n == 0)
        {
            return;
        }
        var q = _queue[cpu];
        for (var i = 0; i < n; i++)
        {
            if (q[i].Vpn != vpn || q[i].Mm != mm)
            {
                continue;
            }
            _s.HazardsBySite[(int)site]++;
            if (_audit)
            {
                _s.Count(Counter.PteHazards); // the kernel read a stale entry
            }
            else
            {
                _s.Count(Counter.HazardFlushes);
                FlushQueue();
            }
            return;
        }
    }

    public void AllocPageTable(AddressSpace mm, long tableIndex)
    {
        FlushQueue();
        _paging.AllocPageTable(CurrentCpu, mm, tableIndex);
    }

    public void ReleasePageTable(AddressSpace mm, long tableIndex)
    {
        FlushQueue();
        _paging.ReleasePageTable(CurrentCpu, mm, tableIndex);
    }

    public void AllocPgd(AddressSpace mm) => _paging.AllocPgd(CurrentCpu, mm);

    public void ReleasePgd(AddressSpace mm)
    {
        FlushQueue();
        _paging.ReleasePgd(CurrentCpu, mm);
    }

    public void EnterLazyMmu() => _lazyMmu[CurrentCpu] = true;

    public void LeaveLazyMmu()
    {
        FlushQueue();
        _lazyMmu[CurrentCpu] = false;
    }

    public void ForkedMm(AddressSpace child)
    {
        FlushQueue();
        _paging.ForkedMm(CurrentCpu, child);
    }

    public void ActivateMm(AddressSpace mm)
    {
        FlushQueue();
        _paging.ActivateMm(CurrentCpu, mm);
    }

    public void ExitMmap(AddressSpace mm)
    {
        FlushQueue();
        _paging.ExitMmap(CurrentCpu, mm);
    }

    // ---- TLB and address-space switch ----------------------------------------------------------

    public void LoadCr3(AddressSpace mm)
    {
        FlushQueue();
        _paging.LoadCr3(CurrentCpu, mm);
    }

    public void Invlpg(AddressSpace mm, long vpn)
    {
        FlushQueue();
        _paging.Invlpg(CurrentCpu, mm, vpn);
    }

    public void FlushTlb(AddressSpace mm)
    {
        FlushQueue();
        _paging.FlushTlb(CurrentCpu, mm);
    }

    // ---- CPU state on context switch -----------------------------------------------------------

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
