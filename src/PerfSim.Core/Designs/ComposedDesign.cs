using PerfSim.Core.Designs.Hooks;
using PerfSim.Core.Designs.Paging;
using PerfSim.Core.Kernel;
using PerfSim.Core.Machine;
using PerfSim.Core.Platform;
using PerfSim.Core.Simulation;
using PerfSim.Core.Stats;
using PerfSim.Core.Trace;

namespace PerfSim.Core.Designs;

/// <summary>
/// A design assembled from its mechanisms: every hook site charged by its class's hook mechanism (the design's
/// hook or a per-class override), interrupt-flag, CPU-state and IPI operations by their mechanisms (a class
/// whose mechanism is trap pays the hypervisor's trap and emulation instead of its body), page-table
/// operations by the design's <see cref="IPagingMode"/>, and, for a batched PTE policy, a queue of hypervisor
/// updates flushed at lazy-mode exit, when full, before any TLB operation, at a page fault, on the return to
/// user, or on a read-after-write hazard (unless the design only audits hazards). Each component copies its
/// slice of the configuration into readonly fields once.
/// </summary>
public sealed class ComposedDesign : IPlatform
{
    private readonly MachineModel _m;
    private readonly RunStats _s;
    private readonly long[] _hookCalls; // _s.HookCalls
    private readonly long[] _hookCycles; // _s.HookCycles
    private readonly NativePaging _paging; // every mode derives from it: virtual calls, not interface dispatch, on the hot path
    private readonly bool _plainTranslate; // _paging.TranslatesPlainly
    private readonly bool _nestedWalks;    // _paging.WalksNested
    private readonly long[] _path;
    private readonly long[] _smpLocks;
    private readonly long _codeMiss;
    private readonly long _store;
    private readonly long _cli, _sti, _pushf, _popf;
    private readonly long _trapEntry, _trapExit, _sysenter, _sysexit;
    private readonly long _cr2, _cr0r, _cr0w, _clts, _lldt, _movDr, _fxsave, _fxrstor;
    private readonly long _clearPage, _copyPage;
    private readonly bool _globalKernel;

    // Kernel text: each path's code occupies its own pages, fetched through the instruction TLB.
    private const long KernelTextVpn = 0xC0100;
    private readonly long[] _textVpn;
    private readonly int[] _textPages;
    private readonly AddressSpace?[] _loadedMm;

    // Hook mechanism, per operation class.
    private readonly HookMechanism[] _hookOf;
    private readonly long[] _entryCycles, _entryMilli; // per hook site: EntryCost, computed once
    private readonly bool _hypervisor;
    private readonly long _callDirect, _callIndirect, _mispredictMilli, _nopByteMilli;
    private readonly long[] _milli;

    // CPU mechanisms.
    private readonly bool _ring1Xen;
    private readonly bool _virtualIrq, _trappedIrq, _cpuHypercalls, _bouncedSyscalls, _switchMulticall;
    private readonly long _load, _hypercall, _multicallEntry, _bounce;
    private readonly bool[] _lazyCpu;
    private readonly int[] _cpuBatch;

    // Binary translation.
    private readonly bool _bt;
    private readonly bool _ringTraps, _vmExits;
    private readonly long _portIo, _ioEmulate, _trapEmulate, _vmExit;

    // A privileged instruction faulting to the hypervisor, decoded and emulated (trap_emulate, or vm_exit + vm_emulate).
    private readonly long _trap;

    // IPIs: how they are sent, and which vCPUs hold a physical CPU (all, until vCPU scheduling exists).
    private readonly IpiMechanism _ipi;
    /// <summary>One trapped device access (port I/O, an APIC register) reaching the VMM: a callout, a VM exit or a ring trap.</summary>
    private readonly long _accessReach;
    private readonly long _ipiSend, _apicEmulate, _evtchnSend, _apicWritesReach, _apicEoi, _invlpgNative, _cr3Native, _lineTransfer, _pageTransfer;
    private readonly bool[] _vcpuRunning;
    private readonly long _btCallout, _btSyscall, _btFault;
    private readonly long[] _btPath;

    // Batched PTE policy: one queue per CPU of (mm, page) keys.
    private readonly bool _batched;
    private readonly bool _batchOutsideLazy;
    private readonly bool _audit;
    private readonly QueuedUpdate[][] _queue;
    private readonly QueuedPageSet[] _queuedPages; // per CPU: which pages its queue may hold, so PTE reads seldom scan it
    private readonly int[] _queued;
    private readonly bool[] _lazyMmu;

    public ComposedDesign(ResolvedConfig config, MachineModel machine)
    {
        _m = machine;
        _s = machine.Stats;
        _hookCalls = _s.HookCalls;
        _hookCycles = _s.HookCycles;
        _cpu = machine.Cpus[0];
        var d = config.Design;
        GuestGuardsDr7 = d.GuestGuardsDr7;
        _paging = d.PageTables switch
        {
            PageTableMode.Native => new NativePaging(machine),
            PageTableMode.Nested => new NestedPaging(machine),
            PageTableMode.Direct => new DirectPaging(machine, d.Pinning),
            PageTableMode.Writable => new WritablePaging(machine, d.Pinning),
            PageTableMode.Shadow => new ShadowPaging(machine, d.ShadowFill, d.ShadowRoots, d.ShadowOutOfSync,
                traced: d.Hook is not (HookMechanism.Bt or HookMechanism.Rom), vmExits: d.TrapVia == TrapMechanism.VmExit,
                translated: d.Hook == HookMechanism.Bt),
            _ => throw new NotSupportedException($"page-table mode {d.PageTables}"),
        };
        _plainTranslate = _paging.TranslatesPlainly;
        _nestedWalks = _paging.WalksNested;
        var p = config.Machine;
        _path = new long[KernelPaths.Count];
        _smpLocks = new long[KernelPaths.Count];
        for (var i = 0; i < _path.Length; i++)
        {
            _path[i] = config.CyclesOf((KernelPath)i);
            _smpLocks[i] = config.SmpLockCyclesOf((KernelPath)i);
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
        _movDr = p[MachineParam.MovDr];
        _fxsave = p[MachineParam.Fxsave];
        _fxrstor = p[MachineParam.Fxrstor];
        _clearPage = p[MachineParam.ClearPage];
        _copyPage = p[MachineParam.CopyPage];
        _globalKernel = config.Kernel.GlobalKernelPages && d.GuestGlobalPages && p[MachineParam.GlobalPages] != 0;
        _textVpn = new long[KernelPaths.Count];
        _textPages = new int[KernelPaths.Count];
        var nextVpn = KernelTextVpn;
        for (var i = 0; i < _textVpn.Length; i++)
        {
            // ~3.5 bytes per i386 instruction; at least one page per path.
            _textPages[i] = (int)Math.Max(1, (config.Kernel[(KernelPath)i] * 7 / 2 + 4095) / 4096);
            _textVpn[i] = nextVpn;
            nextVpn += _textPages[i];
        }
        _loadedMm = new AddressSpace?[machine.Cpus.Length];
        _hookOf = new HookMechanism[HookSites.Count];
        for (var i = 0; i < _hookOf.Length; i++)
        {
            _hookOf[i] = d.HookFor((HookOp)i);
        }
        _hypervisor = d.Hypervisor;
        _callDirect = p[MachineParam.CallDirect];
        _callIndirect = p[MachineParam.CallIndirect];
        _mispredictMilli = p[MachineParam.CallIndirectMispredict] * p[MachineParam.IndirectMispredictRate];
        _nopByteMilli = p[MachineParam.NopByte];
        _milli = new long[machine.Cpus.Length];
        _virtualIrq = d.IrqFlag == IrqFlagMechanism.Virtual;
        _ring1Xen = d.Hypervisor && d.CpuState == CpuStateMechanism.Hypercall && d.Hook is not (HookMechanism.Rom or HookMechanism.Bt)
            && d.TrapVia == TrapMechanism.Ring && !d.SupervisorModeKernel;
        _trappedIrq = d.IrqFlag == IrqFlagMechanism.Trapped;
        _cpuHypercalls = d.CpuState == CpuStateMechanism.Hypercall;
        _bouncedSyscalls = d.Syscalls == SyscallPath.Bounced;
        _switchMulticall = d.ContextSwitchMulticall;
        _load = p[MachineParam.Load];
        _hypercall = p[MachineParam.Hypercall];
        _multicallEntry = p[MachineParam.MulticallEntry];
        _bounce = p[MachineParam.FaultBounce];
        _lazyCpu = new bool[machine.Cpus.Length];
        _cpuBatch = new int[machine.Cpus.Length];
        _bt = d.Hook == HookMechanism.Bt;
        _vmExits = d.Hypervisor && d.TrapVia == TrapMechanism.VmExit;
        _ringTraps = d.Hypervisor && d.TrapVia == TrapMechanism.Ring && !_bt;
        _portIo = p[MachineParam.PortIo];
        _ioEmulate = p[MachineParam.IoEmulate];
        _trapEmulate = p[MachineParam.TrapEmulate];
        _vmExit = p[MachineParam.VmExit];
        _trap = _vmExits ? _vmExit + p[MachineParam.VmEmulate] : _trapEmulate;
        _ipi = d.Ipi;
        _ipiSend = p[MachineParam.IpiSend];
        _apicEmulate = p[MachineParam.ApicEmulate];
        _evtchnSend = p[MachineParam.EvtchnSend];
        _apicEoi = p[MachineParam.ApicEoi];
        _lineTransfer = p[MachineParam.CacheLineTransfer];
        _pageTransfer = p[MachineParam.PageTransfer];
        _invlpgNative = p[MachineParam.Invlpg];
        _cr3Native = p[MachineParam.Cr3Write];
        _vcpuRunning = new bool[machine.Cpus.Length];
        Array.Fill(_vcpuRunning, true);
        _btCallout = p[MachineParam.BtCallout];
        _btSyscall = p[MachineParam.BtSyscall];
        _btFault = p[MachineParam.BtFaultReflect];
        // An IPI's two APIC writes (ICR2, ICR) reach the VMM as port I/O does; under BT the site's own callout is the first.
        _accessReach = _bt ? _btCallout : _vmExits ? _vmExit : _trapEmulate;
        _apicWritesReach = _bt ? _btCallout : 2 * _accessReach;
        _btPath = new long[KernelPaths.Count];
        for (var i = 0; i < _btPath.Length; i++)
        {
            // A translator's extra falls on returns and indirect calls and jumps (each target looked up in the translation
            // cache): per transfer where the kernel profile counts them (per 1,000 runs, rounded once), else per
            // instruction, an average over them.
            _btPath[i] = !_bt ? 0
                : config.Kernel.IndirectTransfers is { } transfers ? (transfers[i] * p[MachineParam.BtIndirectTransfer] + 500) / 1000
                : ResolvedConfig.PathCycles(config.Kernel[(KernelPath)i], p[MachineParam.BtKernelCpiExtra]);
        }

        _batched = d.PteUpdates == PtePolicy.Batched;
        _batchOutsideLazy = d.BatchOutsideLazyMode;
        _audit = d.Hazards == HazardMode.Audit;
        var cpus = machine.Cpus.Length;
        _queue = new QueuedUpdate[cpus][];
        _queuedPages = new QueuedPageSet[cpus];
        for (var i = 0; i < cpus; i++)
        {
            _queue[i] = new QueuedUpdate[_batched ? d.BatchSize : 0];
            _queuedPages[i] = new QueuedPageSet(_batched ? d.BatchSize : 0);
        }
        _queued = new int[cpus];
        _lazyMmu = new bool[cpus];
        _entryCycles = new long[HookSites.Count];
        _entryMilli = new long[HookSites.Count];
        for (var i = 0; i < HookSites.Count; i++)
        {
            (_entryCycles[i], _entryMilli[i]) = EntryCost((HookOp)i);
        }
    }

    public int CurrentCpu
    {
        get => _currentCpu;
        set
        {
            if (value != _currentCpu)
            {
                _cpu = _m.Cpus[value]; // throws for a CPU the machine does not have, as indexing always did
                _currentCpu = value;
            }
        }
    }

    private int _currentCpu;
    private Cpu _cpu = null!; // _m.Cpus[CurrentCpu], kept at hand for the per-operation charges

    /// <summary>The page-table mode (for tests and reports).</summary>
    public IPagingMode Paging => _paging;

    /// <summary>PTE updates still queued on a CPU.</summary>
    public int QueuedOn(int cpu) => _queued[cpu];

    private void Charge(CostCategory c, long cycles) => _m.Charge(_cpu, c, cycles); // the CPU held, not looked up

    // ---- hook sites ----------------------------------------------------------------------------

    /// <summary>Charges fractions of a cycle to the hook category, carrying the remainder per CPU.</summary>
    private void ChargeMilli(long millicycles)
    {
        var cpu = CurrentCpu;
        var total = _milli[cpu] + millicycles;
        _milli[cpu] = total % 1000;
        if (total >= 1000)
        {
            Charge(CostCategory.Hook, total / 1000);
        }
    }

    /// <summary>What reaching one hook site costs before its operation runs: whole cycles, then thousandths.</summary>
    private (long Cycles, long Milli) EntryCost(HookOp op)
    {
        switch (_hookOf[(int)op])
        {
            case HookMechanism.Patched:
                var site = HookSites.Of(op);
                if (site.InlineBytes > 0)
                {
                    return (0, (site.SiteBytes - site.InlineBytes) * _nopByteMilli); // the instruction inline, NOP padding after
                }
                if (site.NativeNop && !_hypervisor)
                {
                    return (0, site.SiteBytes * _nopByteMilli); // a no-op hook: the whole site is NOPs
                }
                return (_callDirect, (site.SiteBytes - 5) * _nopByteMilli); // a 5-byte direct call in the site, one NOP byte
            case HookMechanism.Indirect:
                return (_callIndirect, _mispredictMilli);
            case HookMechanism.Rom:
                return (_callDirect, 0); // call into the ROM and back
            case HookMechanism.Bt:
                return (_btCallout, 0); // the translation calls out to the VMM, which emulates the operation
            default:
                return (0, 0); // Trap: the native instruction sits in the site and faults; the operation's body charges the trap
        }
    }

    /// <summary>Enters a hook site: counts it and charges how the design reaches the operation. Returns the start clock.</summary>
    private long BeginHook(HookOp op)
    {
        _hookCalls[(int)op]++;
        var start = _cpu.Clock;
        var cycles = _entryCycles[(int)op];
        if (cycles != 0)
        {
            Charge(CostCategory.Hook, cycles);
        }
        var milli = _entryMilli[(int)op];
        if (milli != 0)
        {
            ChargeMilli(milli); // after the whole cycles, as the site runs them
        }
        return start;
    }

    private void EndHook(HookOp op, long start) => _hookCycles[(int)op] += _cpu.Clock - start;

    /// <summary>Whether an operation class reaches the hypervisor by faulting (its body is then the trap).</summary>
    private bool Trapped(HookOp op) => _hookOf[(int)op] == HookMechanism.Trap;

    /// <summary>The operation's privileged instructions fault to the hypervisor, which decodes and emulates each: charged in the operation's own category.</summary>
    private void ChargeTrap(CostCategory c, int faults = 1)
    {
        _s.Count(Counter.PrivilegedTraps, faults);
        Charge(c, faults * _trap);
    }

    // ---- software work -------------------------------------------------------------------------

    // A kernel path run again at once is the per-entry body of the kernel's page-table loops (fork's copy, exit's zap):
    // hundreds of runs per fork. When a path's last run found all its text pages in the ITLB, and since then nothing
    // has changed the ITLB (its version), the CPU, the loaded address space or what the mode does on a hit (its
    // epoch), the same lookups hit again and leave the ITLB as it is: they are counted, not made. Exact: the
    // reference run is unchanged and a test compares every design with the shortcut on and off.
    private int _repeatPath = -1, _repeatCpu, _repeatMm; // ids, not references: no GC write barrier per run
    private long _repeatItlb, _repeatEpoch;

    /// <summary>Whether <see cref="KernelPath"/> may count a repeated path's text lookups instead of making them (tests turn it off).</summary>
    internal bool RepeatShortcut { get; set; } = true;

    /// <summary>Kernel path runs whose text lookups were counted, not made.</summary>
    internal long RepeatShortcuts { get; private set; }

    public void KernelPath(KernelPath path, long times = 1)
    {
        if (times <= 0)
        {
            return;
        }
        var p = (int)path;
        Charge(CostCategory.KernelPath, _path[p] * times);
        if (_smpLocks[p] > 0)
        {
            Charge(CostCategory.SmpLocks, _smpLocks[p] * times);
        }
        if (_bt)
        {
            Charge(CostCategory.TranslatedCode, _btPath[p] * times);
        }
        var cpu = _cpu;
        var mm = _loadedMm[_currentCpu];
        var mmId = mm?.Id ?? -1; // address spaces are told apart by id, as the TLB tags them
        if (p == _repeatPath && _currentCpu == _repeatCpu && mmId == _repeatMm && cpu.Itlb.Version == _repeatItlb
            && _paging.TranslateEpoch == _repeatEpoch && RepeatShortcut)
        {
            RepeatShortcuts++;
            if (mm is not null)
            {
                _m.CountHits(_textPages[p]);
            }
        }
        else
        {
            var misses = _s.Counts[(int)Counter.TlbMisses];
            if (mm is not null)
            {
                for (var i = 0; i < _textPages[p]; i++)
                {
                    Translate(mm, _textVpn[p] + i, AccessKind.Execute, _globalKernel, CostCategory.KernelTlbMiss);
                }
            }
            var allHit = _s.Counts[(int)Counter.TlbMisses] == misses;
            _repeatPath = allHit ? p : -1;
            _repeatCpu = _currentCpu;
            _repeatMm = mmId;
            _repeatItlb = cpu.Itlb.Version;
            _repeatEpoch = _paging.TranslateEpoch;
        }
        var cold = cpu.CodeCache.Execute(p);
        if (cold > 0)
        {
            _s.Count(Counter.KernelCodeMisses);
            Charge(CostCategory.KernelCodeMiss, (cold * _codeMiss + 500) / 1000);
        }
    }

    public void UserCompute(long cycles) => Charge(CostCategory.UserCompute, cycles);

    public void UserAccess(AddressSpace mm, long vpn, AccessKind access) =>
        Translate(mm, vpn, access, global: false, CostCategory.UserTlbMiss);

    public void KernelAccess(AddressSpace mm, long vpn) =>
        Translate(mm, vpn, AccessKind.Read, _globalKernel, CostCategory.KernelTlbMiss);

    /// <summary>An access through the TLB: the machine's own when the mode adds nothing (no virtual call), else the mode's.</summary>
    private void Translate(AddressSpace mm, long vpn, AccessKind access, bool global, CostCategory missCategory)
    {
        if (_plainTranslate)
        {
            _m.Translate(_currentCpu, mm.Id, vpn, access, global, _nestedWalks, missCategory);
        }
        else
        {
            _paging.Translate(_currentCpu, mm, vpn, access, global, missCategory);
        }
    }

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
        var syscall = kind is EntryKind.SyscallInt80 or EntryKind.SyscallSysenter;
        if (_bouncedSyscalls && syscall)
        {
            Charge(CostCategory.FaultDelivery, _bounce); // the hypervisor takes the trap and bounces it to the guest
        }
        if (_bt && syscall)
        {
            Charge(CostCategory.Translation, _btSyscall); // into the VMM, then into the translated handler
        }
        if (kind == EntryKind.Exception)
        {
            // Under a ring-based hypervisor the exception reaches it first and is bounced; BT reflects it
            // through the VMM; VT-x lets it go straight to the guest (no exit for the divide error).
            if (_bt)
            {
                Charge(CostCategory.Translation, _btFault);
            }
            else if (_ringTraps)
            {
                Charge(CostCategory.FaultDelivery, _bounce);
            }
        }
        if (kind == EntryKind.PageFault)
        {
            FlushQueue(); // the fault handler drains queued updates before looking at the tables
            if (_bt)
            {
                Charge(CostCategory.Translation, _btFault); // reflected through the VMM into translated code
            }
            _paging.DeliverPageFault(CurrentCpu);
        }
    }

    public void Return(ReturnKind kind)
    {
        FlushQueue(); // nothing queued may outlive the kernel's visit
        var op = kind == ReturnKind.Sysexit ? HookOp.SysExit : HookOp.Iret;
        var t = BeginHook(op);
        if (Trapped(op))
        {
            // sti and sysexit each fault outside ring 0 (sysexit only traps by ring: no exit for it); the hypervisor
            // returns to user for the guest.
            ChargeTrap(CostCategory.KernelEntryExit, faults: 2);
        }
        else
        {
            // A ring-1 Xen guest cannot execute sysexit: its sysenter path returns to user with iret.
            Charge(CostCategory.KernelEntryExit, kind == ReturnKind.Sysexit && !_ring1Xen ? _sysexit : _trapExit);
        }
        EndHook(op, t);
    }

    public void ReadCr2()
    {
        var t = BeginHook(HookOp.ReadCr2);
        if (Trapped(HookOp.ReadCr2))
        {
            ChargeTrap(CostCategory.CpuState);
        }
        else
        {
            Charge(CostCategory.CpuState, _bt ? 0 : _cpuHypercalls ? _load : _cr2); // under Xen CR2 arrives in shared memory; BT emulates it
        }
        EndHook(HookOp.ReadCr2, t);
    }

    // A virtual flag is a store of the mask byte; enabling also loads the pending-events byte (a hypercall
    // would follow only if events were pending, which nothing in these workloads raises).
    /// <summary>
    /// Port I/O: natively the bus cycle; under a hypervisor the access traps (a ring trap, a VM exit or a BT
    /// callout) and the VMM's device model emulates it instead.
    /// </summary>
    public void PortIo(bool isOut)
    {
        if (!_hypervisor)
        {
            Charge(CostCategory.PortIo, _portIo);
            return;
        }
        var reach = _accessReach;
        Charge(CostCategory.PortIo, reach + _ioEmulate);
    }

    public void Cli() => Flag(HookOp.IrqDisable, _virtualIrq ? _store : _cli);
    public void Sti() => Flag(HookOp.IrqEnable, _virtualIrq ? _store + _load : _sti);
    public void SaveFlags() => Flag(HookOp.SaveFlags, _virtualIrq ? _load : _pushf);
    public void RestoreFlags() => Flag(HookOp.RestoreFlags, _virtualIrq ? _store + _load : _popf);

    private void Flag(HookOp op, long cycles)
    {
        var t = BeginHook(op);
        _s.Count(Counter.InterruptFlagOps);
        if (Trapped(op) || (_trappedIrq && !_bt))
        {
            ChargeTrap(CostCategory.InterruptFlag); // the hypervisor emulates the flag instruction
        }
        else
        {
            Charge(CostCategory.InterruptFlag, _bt ? 0 : cycles); // under BT the callout flips the virtual flag
        }
        EndHook(op, t);
    }

    // ---- page tables ---------------------------------------------------------------------------

    private void PteWrite(AddressSpace mm, long vpn, PteOp op)
    {
        var cpu = CurrentCpu;
        // ptep_set_access_flags (COW reuse) is one update_va_mapping that also flushes the TLB entry: never queued.
        if (_batched && op != PteOp.SetAccessFlags && (_lazyMmu[cpu] || _batchOutsideLazy) && _paging.NeedsHypervisor(cpu, mm, op))
        {
            _queue[cpu][_queued[cpu]++] = new QueuedUpdate(mm, vpn, op);
            _queuedPages[cpu].Add(QueuedPageSet.Key(mm.Id, vpn));
            _s.Count(Counter.BatchedUpdates);
            // The guest writes the (pointer, value) pair into its queue (and, where the tables are its own, the entry
            // itself); the hypervisor's work comes at the flush.
            _paging.WriteQueued(cpu, mm, vpn, op);
            Charge(CostCategory.PteUpdate, 2 * _store);
            if (op != PteOp.SetPmd)
            {
                _s.Count(Counter.PteWrites);
                _s.Count(op switch
                {
                    PteOp.Set => Counter.PteSets,
                    PteOp.Clear or PteOp.ClearPlain => Counter.PteClears,
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
        _queuedPages[cpu].Clear();
        _paging.FlushBatch(cpu, _queue[cpu].AsSpan(0, n));
    }

    private void HookedPteWrite(HookOp hook, AddressSpace mm, long vpn, PteOp op)
    {
        var t = BeginHook(hook);
        PteWrite(mm, vpn, op);
        EndHook(hook, t);
    }

    public void SetPte(AddressSpace mm, long vpn) => HookedPteWrite(HookOp.SetPte, mm, vpn, PteOp.Set);

    public void UpdatePte(AddressSpace mm, long vpn, PteUpdateKind kind) => HookedPteWrite(HookOp.UpdatePte, mm, vpn, kind switch
    {
        PteUpdateKind.WriteProtect => PteOp.WriteProtect,
        PteUpdateKind.Modify => PteOp.Modify,
        _ => PteOp.SetAccessFlags,
    });

    public void ClearPte(AddressSpace mm, long vpn, bool plain) =>
        HookedPteWrite(HookOp.ClearPte, mm, vpn, plain ? PteOp.ClearPlain : PteOp.Clear);

    public void SetPmd(AddressSpace mm, long tableIndex) => HookedPteWrite(HookOp.SetPmd, mm, -1 - tableIndex, PteOp.SetPmd);

    public void ReadPte(AddressSpace mm, long vpn, KernelPath site)
    {
        var cpu = CurrentCpu;
        var n = _queued[cpu];
        if (n == 0 || !_queuedPages[cpu].MayContain(QueuedPageSet.Key(mm.Id, vpn)))
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
        var t = BeginHook(HookOp.AllocPageTable);
        FlushQueue();
        _paging.AllocPageTable(CurrentCpu, mm, tableIndex);
        EndHook(HookOp.AllocPageTable, t);
    }

    public void ReleasePageTable(AddressSpace mm, long tableIndex)
    {
        var t = BeginHook(HookOp.ReleasePageTable);
        FlushQueue();
        _paging.ReleasePageTable(CurrentCpu, mm, tableIndex);
        EndHook(HookOp.ReleasePageTable, t);
    }

    public void AllocPgd(AddressSpace mm) => _paging.AllocPgd(CurrentCpu, mm);

    public void ReleasePgd(AddressSpace mm)
    {
        FlushQueue();
        _paging.ReleasePgd(CurrentCpu, mm);
    }

    public void EnterLazyMmu()
    {
        var t = BeginHook(HookOp.LazyMode);
        _lazyMmu[CurrentCpu] = true;
        EndHook(HookOp.LazyMode, t);
    }

    public void LeaveLazyMmu()
    {
        var t = BeginHook(HookOp.LazyMode);
        FlushQueue();
        _lazyMmu[CurrentCpu] = false;
        EndHook(HookOp.LazyMode, t);
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

    public void AdoptMm(AddressSpace mm) => _paging.AdoptMm(CurrentCpu, mm);

    public void ExitMmap(AddressSpace mm)
    {
        FlushQueue();
        _paging.ExitMmap(CurrentCpu, mm);
    }

    // ---- TLB and address-space switch ----------------------------------------------------------

    public void LoadCr3(AddressSpace mm)
    {
        var t = BeginHook(HookOp.WriteCr3);
        FlushQueue();
        _paging.LoadCr3(CurrentCpu, mm);
        _loadedMm[CurrentCpu] = mm;
        EndHook(HookOp.WriteCr3, t);
    }

    public void Invlpg(AddressSpace mm, long vpn)
    {
        var t = BeginHook(HookOp.Invlpg);
        FlushQueue();
        _paging.Invlpg(CurrentCpu, mm, vpn);
        EndHook(HookOp.Invlpg, t);
    }

    public void FlushTlb(AddressSpace mm)
    {
        var t = BeginHook(HookOp.FlushTlb);
        FlushQueue();
        _paging.FlushTlb(CurrentCpu, mm);
        EndHook(HookOp.FlushTlb, t);
    }

    // ---- other CPUs ----------------------------------------------------------------------------

    /// <summary>
    /// The hypervisor's vCPU scheduler says whether a vCPU holds a physical CPU. A descheduled vCPU needs no
    /// physical IPI: the hypervisor marks its event pending, or flushes its TLB when it next runs. Every vCPU runs
    /// until vCPU scheduling exists.
    /// </summary>
    public void SetVcpuRunning(int cpu, bool running) => _vcpuRunning[cpu] = running;

    public void SendIpi(ReadOnlySpan<int> targets)
    {
        if (targets.Length == 0)
        {
            return;
        }
        CheckTargets(targets);
        var t = BeginHook(HookOp.SendIpi);
        SendVector(targets);
        EndHook(HookOp.SendIpi, t);
    }

    public void FlushTlbOthers(AddressSpace mm, ReadOnlySpan<int> targets)
    {
        if (targets.Length == 0)
        {
            return;
        }
        CheckTargets(targets);
        var t = BeginHook(HookOp.FlushTlbOthers);
        FlushQueue(); // queued updates must reach the tables before other CPUs refill from them
        if (_ipi == IpiMechanism.PvFlush)
        {
            // One mmuext TLB_FLUSH_MULTI: the hypervisor interrupts the running targets with one physical send and
            // flushes a descheduled vCPU's TLB when it next runs; no guest handler runs on the targets.
            var running = Running(targets);
            _s.Count(Counter.Hypercalls);
            _s.Count(Counter.IpiTargets, running);
            Charge(CostCategory.Ipi, _hypercall + _multicallEntry + (running > 0 ? _ipiSend : 0));
        }
        else
        {
            SendVector(targets); // INVALIDATE_TLB_VECTOR; the targets' handlers run on their CPUs
        }
        EndHook(HookOp.FlushTlbOthers, t);
    }

    public bool HypervisorFlushesRemotely => _ipi == IpiMechanism.PvFlush;

    public void MoveLines(long lines, bool wholePage = false)
    {
        _s.Count(Counter.CoherenceLines, wholePage ? 64 : lines);
        Charge(CostCategory.Coherence, wholePage ? _pageTransfer : lines * _lineTransfer);
    }

    public void DiscardTlb(int cpu, AddressSpace mm) => _m.FlushAddressSpace(cpu, mm.Id);

    public void HypervisorRemoteFlush(AddressSpace mm, long vpn)
    {
        var cpu = CurrentCpu;
        if (vpn >= 0)
        {
            Charge(CostCategory.IpiHandler, _trapEntry + _apicEoi + _invlpgNative + _trapExit);
            _m.InvalidatePage(cpu, mm.Id, vpn);
        }
        else
        {
            Charge(CostCategory.IpiHandler, _trapEntry + _apicEoi + _cr3Native + _trapExit);
            _m.FlushAddressSpace(cpu, mm.Id);
        }
    }

    /// <summary>
    /// Takes an IPI. Natively: the interrupt entry, the EOI write and the return. Trapped: the VMM takes the physical
    /// interrupt and injects it (a VM exit, or a bounce through a ring-0 VMM), and the guest's EOI write traps and is
    /// emulated. Event channels (Xen): Xen takes the physical IPI itself (entry, EOI, return) and upcalls the guest, which
    /// returns with iret.
    /// </summary>
    public void ReceiveIpi()
    {
        switch (_ipi)
        {
            case IpiMechanism.Native:
                Charge(CostCategory.IpiHandler, _trapEntry + _apicEoi + _trapExit);
                break;
            case IpiMechanism.Trapped:
                _s.Count(Counter.PrivilegedTraps);
                Charge(CostCategory.IpiHandler, (_vmExits ? _vmExit : _trapEntry + _apicEoi + _trapExit + _bounce) // the VMM takes the physical IPI
                    + _trapEntry + _accessReach + _apicEmulate + _trapExit); // the injected one, and the guest's trapped EOI
                break;
            default:
                Charge(CostCategory.IpiHandler, _trapEntry + _apicEoi + _trapExit + _bounce + _trapExit);
                break;
        }
    }

    /// <summary>Sends an interrupt vector to the targets by the design's IPI mechanism (the sender's cost only).</summary>
    private void SendVector(ReadOnlySpan<int> targets)
    {
        _s.Count(Counter.IpiTargets, targets.Length);
        switch (_ipi)
        {
            case IpiMechanism.Native:
                Charge(CostCategory.Ipi, _ipiSend); // ICR2 and ICR written once for the whole (flat logical) mask
                break;
            case IpiMechanism.Trapped:
                // Both APIC writes trap (or exit, or call out); the VMM's APIC model emulates each and sends a
                // physical IPI to each running target.
                _s.Count(Counter.PrivilegedTraps, 2);
                Charge(CostCategory.Ipi, _apicWritesReach + 2 * _apicEmulate + Running(targets) * _ipiSend);
                break;
            default:
                // Event channels: one send hypercall per target; the hypervisor kicks a running target with an IPI.
                _s.Count(Counter.Hypercalls, targets.Length);
                Charge(CostCategory.Ipi, targets.Length * (_hypercall + _evtchnSend) + Running(targets) * _ipiSend);
                break;
        }
    }

    private void CheckTargets(ReadOnlySpan<int> targets)
    {
        foreach (var target in targets)
        {
            if ((uint)target >= (uint)_vcpuRunning.Length || target == CurrentCpu)
            {
                throw new ArgumentOutOfRangeException(nameof(targets), target, $"an IPI target must be another of the run's {_vcpuRunning.Length} CPUs");
            }
        }
    }

    private int Running(ReadOnlySpan<int> targets)
    {
        var n = 0;
        foreach (var target in targets)
        {
            if (_vcpuRunning[target])
            {
                n++;
            }
        }
        return n;
    }

    // ---- CPU state on context switch -----------------------------------------------------------

    public void EnterLazyCpu()
    {
        var t = BeginHook(HookOp.LazyMode);
        _lazyCpu[CurrentCpu] = true;
        EndHook(HookOp.LazyMode, t);
    }

    public void LeaveLazyCpu()
    {
        var t = BeginHook(HookOp.LazyMode);
        var cpu = CurrentCpu;
        _lazyCpu[cpu] = false;
        if (_cpuBatch[cpu] > 0)
        {
            // One multicall carries the switch's CPU-state updates.
            _s.Count(Counter.Hypercalls);
            Charge(CostCategory.Hypercall, _hypercall + _cpuBatch[cpu] * _multicallEntry);
            _cpuBatch[cpu] = 0;
        }
        EndHook(HookOp.LazyMode, t);
    }

    /// <param name="hardwareWrite">Whoever emulates the operation also performs it on the hardware (nativeCycles more).</param>
    private void CpuState(HookOp op, long nativeCycles, int hypercalls = 1, bool batchable = true, int faults = 1, bool hardwareWrite = false)
    {
        var t = BeginHook(op);
        if (hardwareWrite && (Trapped(op) || _bt || _cpuHypercalls))
        {
            Charge(CostCategory.CpuState, nativeCycles);
        }
        if (Trapped(op))
        {
            ChargeTrap(CostCategory.CpuState, faults); // the hypervisor emulates the instructions instead of a hypercall
        }
        else if (_bt)
        {
            // The callout's emulation is the whole cost.
        }
        else if (!_cpuHypercalls)
        {
            Charge(CostCategory.CpuState, nativeCycles);
        }
        else if (hypercalls > 0)
        {
            var cpu = CurrentCpu;
            if (batchable && _switchMulticall && _lazyCpu[cpu])
            {
                _cpuBatch[cpu] += hypercalls; // entries of the context switch's multicall
                Charge(CostCategory.CpuState, 2 * _store * hypercalls);
            }
            else
            {
                _s.Count(Counter.Hypercalls, hypercalls);
                Charge(CostCategory.Hypercall, hypercalls * (_hypercall + _multicallEntry));
            }
        }
        EndHook(op, t);
    }

    public void LoadEsp0() => CpuState(HookOp.LoadEsp0, _store);

    /// <summary>Native load_TLS writes all three GDT entries (two stores each), changed or not; Xen updates only the changed ones.</summary>
    public void LoadTls(int changedEntries) => CpuState(HookOp.LoadTls, 6 * _store, changedEntries);

    public void LoadLdt() => CpuState(HookOp.LoadLdt, _lldt);

    /// <summary>
    /// math_state_restore's clts. A Xen guest (CPU state by hypercall) has none: Xen clears CR0.TS itself when it bounces
    /// the #NM to the guest (the fpu_taskswitch set it), so nothing is charged beyond the site.
    /// </summary>
    public void Clts() => CpuState(HookOp.Clts, _clts, hypercalls: 0);

    /// <summary>stts: a CR0 read and write. Trapped, both fault in ring 1; VT-x exits only on the write (reads see the read shadow).</summary>
    public void Stts() => CpuState(HookOp.WriteCr0, _cr0r + _cr0w, faults: _vmExits ? 1 : 2);

    /// <summary>mov to a debug register; under Xen a set_debugreg hypercall of its own (XenLinux and pv_ops Xen make it outside the switch's multicall).</summary>
    /// <summary>
    /// A debug register must hold the guest's value while guest code runs (its breakpoints fire there), so whatever
    /// reaches the hypervisor or VMM (a hypercall, a trap, a translator's callout) ends in the same hardware write.
    /// </summary>
    public void SetDebugReg() => CpuState(HookOp.SetDebugReg, _movDr, batchable: false, hardwareWrite: true);

    public bool GuestGuardsDr7 { get; }

    public void FpuSave() => Charge(CostCategory.CpuState, _fxsave);

    public void FpuRestore() => Charge(CostCategory.CpuState, _fxrstor);
}
