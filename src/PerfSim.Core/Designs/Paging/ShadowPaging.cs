using PerfSim.Core.Kernel;
using PerfSim.Core.Machine;
using PerfSim.Core.Stats;
using PerfSim.Core.Trace;

namespace PerfSim.Core.Designs.Paging;

/// <summary>
/// Shadow page tables (interfaces.md 6.2, 6.3): the hardware walks tables the hypervisor builds from the
/// guest's. Once an address space has a shadow root, its guest page-table pages are write-protected, so
/// each guest PTE write traps, is emulated and synced into the shadow (write tracing). A CR3 load is
/// intercepted and finds the shadow root in a small LRU cache or builds a new one. With lazy fill a traced
/// write only invalidates the shadow entry and the first access takes a hidden fault; with eager fill the
/// entry is synced at once and a new root is filled whole. With out-of-sync pages, the first traced write
/// to a page-table page unprotects it and later writes are free until the next TLB flush resyncs it. Guest
/// page faults reach the hypervisor first and are reflected to the guest.
/// </summary>
public sealed class ShadowPaging : NativePaging
{
    private sealed class Shadow
    {
        /// <summary>Pages whose shadow entry is valid.</summary>
        public readonly PageSet Filled = new();

        /// <summary>Out-of-sync page-table pages (by table index) and the guest writes they took untrapped.</summary>
        public readonly Dictionary<long, int> OutOfSync = new();
    }

    private readonly bool _eager;
    private readonly int _roots;
    private readonly bool _outOfSync;
    private readonly long _trap, _intercept, _sync, _writeSync, _hidden, _rootSwitch, _resync, _bounce, _check, _hypercall, _multicall, _store;
    private readonly bool _notified;
    private readonly Dictionary<int, Shadow> _shadows = new();
    private readonly List<int> _lru = new(); // most recently loaded first

    private readonly bool _traced;

    /// <param name="traced">Guest page-table writes and TLB operations trap (write tracing, intercepts); false when
    /// the guest tells the VMM itself (binary-translated callouts), whose cost the hook mechanism charges.</param>
    /// <param name="vmExits">Traps and guest faults are VM exits (VT-x with shadow paging) rather than ring transitions.</param>
    /// <param name="translated">The kernel runs binary-translated: the design charges the fault's reflection (bt_fault_reflect).</param>
    public ShadowPaging(MachineModel machine, ShadowFill fill, int roots, bool outOfSync, bool traced = true, bool vmExits = false, bool translated = false) : base(machine)
    {
        _traced = traced;
        _notified = !traced && !translated; // VMI: the ROM tells the hypervisor of each change
        _eager = fill == ShadowFill.Eager;
        _roots = roots;
        _outOfSync = outOfSync;
        var p = machine.Profile;
        // Every #PF the VMM takes (a true guest fault, a trace, a hidden fault) is first classified: a walk of the
        // guest tables, which under VT-x also reads the exit state from the VMCS (vm_fault_handling).
        var check = vmExits ? p[MachineParam.VmFaultHandling] : p[MachineParam.ShadowFaultCheck];
        _intercept = vmExits ? p[MachineParam.VmExit] + p[MachineParam.VmEmulate] : p[MachineParam.TrapEmulate];
        _trap = _intercept + check;
        _sync = p[MachineParam.ShadowSync];
        // Under binary translation the VMM sees each page-table write at a callout and a CR3 load in translated code:
        // its own costs for both (bt_pte_write, bt_cr3_switch), not a trap handler's.
        _writeSync = translated ? p[MachineParam.BtPteWrite] : _sync;
        // Under VT-x a hidden fault is a VM exit that fills the entry; otherwise the hypervisor's own fault path
        // (hidden_fault includes its walk).
        _hidden = vmExits ? p[MachineParam.VmExit] + check + p[MachineParam.ShadowSync] : p[MachineParam.HiddenFault];
        _rootSwitch = translated ? p[MachineParam.BtCr3Switch] : p[MachineParam.ShadowRootSwitch];
        _resync = p[MachineParam.ShadowResyncPage];
        // Every guest #PF exits (or traps to the ring-0 VMM), is classified, then is injected or bounced; under binary
        // translation the reflection itself is the design's (bt_fault_reflect), only the classification is the shadow's.
        _bounce = vmExits ? p[MachineParam.VmExit] : translated ? 0 : p[MachineParam.FaultBounce];
        _check = check;
        _hypercall = p[MachineParam.Hypercall];
        _multicall = p[MachineParam.MulticallEntry];
        _store = p[MachineParam.Store];
    }

    /// <summary>Whether the hypervisor keeps a shadow of this address space (so its page tables are traced).</summary>
    public bool IsShadowed(AddressSpace mm) => ShadowOf(mm) is not null;

    private int _lastId = -1; // the address space ShadowOf last answered for, and its shadow (null: none)
    private Shadow? _lastShadow;

    /// <summary>The shadow of an address space, or null: the last answer kept, since most calls repeat it.</summary>
    private Shadow? ShadowOf(AddressSpace mm)
    {
        if (mm.Id != _lastId)
        {
            _lastId = mm.Id;
            _lastShadow = _shadows.GetValueOrDefault(mm.Id);
        }
        return _lastShadow;
    }

    public override bool NeedsHypervisor(int cpu, AddressSpace mm, PteOp op) => IsShadowed(mm);

    /// <summary>A traced page-table write: a #PF on the write-protected page, classified, decoded and emulated.</summary>
    private void Trap(int cpu)
    {
        if (!_traced)
        {
            return;
        }
        S.Count(Counter.PteTraps);
        M.Charge(cpu, CostCategory.PteTrap, _trap);
    }

    /// <summary>An intercepted CR3 load, invlpg or TLB flush: a #GP or an exit of its own, decoded and emulated (no fault to classify).</summary>
    private void Intercept(int cpu)
    {
        if (!_traced)
        {
            return;
        }
        S.Count(Counter.Intercepts);
        M.Charge(cpu, CostCategory.PteTrap, _intercept);
    }

    private void Sync(int cpu, Shadow shadow, AddressSpace mm, long vpn)
    {
        S.Count(Counter.ShadowSyncs);
        M.Charge(cpu, CostCategory.Shadow, _writeSync);
        if (vpn < 0)
        {
            return; // a page-directory entry: nothing per page to track
        }
        if (_eager && Pte.IsPresent(mm.GetPte(vpn)))
        {
            shadow.Filled.Add(vpn);
        }
        else
        {
            shadow.Filled.Remove(vpn);
        }
    }

    public override void Write(int cpu, AddressSpace mm, long vpn, PteOp op)
    {
        NativeWrite(cpu, op); // the guest's own store or locked operation runs first
        var shadow = ShadowOf(mm);
        if (shadow is null)
        {
            return; // no shadow yet: its tables are not write-protected
        }
        if (_outOfSync && vpn >= 0)
        {
            var table = mm.TableIndexOf(vpn);
            if (shadow.OutOfSync.TryGetValue(table, out var writes))
            {
                shadow.OutOfSync[table] = writes + 1; // unprotected: the write is free, the shadow is stale
                shadow.Filled.Remove(vpn);
                return;
            }
            Trap(cpu);
            Sync(cpu, shadow, mm, vpn);
            shadow.OutOfSync[table] = 0; // unprotect the page until the next flush
            return;
        }
        Trap(cpu);
        Notify(cpu);
        Sync(cpu, shadow, mm, vpn);
    }

    /// <summary>
    /// An explicitly notified update (VMI's UpdatePxE through the ROM): the guest builds the request and calls into the
    /// hypervisor for one entry. A batch of one costs exactly this.
    /// </summary>
    private void Notify(int cpu)
    {
        if (!_notified)
        {
            return;
        }
        M.Charge(cpu, CostCategory.PteUpdate, 2 * _store);
        S.Count(Counter.Hypercalls);
        M.Charge(cpu, CostCategory.Hypercall, _hypercall + _multicall);
    }

    /// <summary>The guest's own store of a write whose notification is queued (the tables are the guest's to write).</summary>
    public override void WriteQueued(int cpu, AddressSpace mm, long vpn, PteOp op) => NativeWrite(cpu, op);

    /// <summary>A batch of explicit updates (the guest tells the hypervisor, so nothing traps): one call, a sync each.</summary>
    public override void FlushBatch(int cpu, ReadOnlySpan<QueuedUpdate> entries)
    {
        S.Count(Counter.BatchFlushes);
        S.Count(Counter.Hypercalls);
        M.Charge(cpu, CostCategory.Hypercall, _hypercall + entries.Length * _multicall);
        foreach (var e in entries)
        {
            if (ShadowOf(e.Mm) is { } shadow)
            {
                Sync(cpu, shadow, e.Mm, e.Vpn);
            }
        }
    }

    public override void ReleasePageTable(int cpu, AddressSpace mm, long tableIndex)
    {
        base.ReleasePageTable(cpu, mm, tableIndex);
        if (ShadowOf(mm) is { } shadow)
        {
            shadow.OutOfSync.Remove(tableIndex);
            M.Charge(cpu, CostCategory.Shadow, _sync); // drop the shadow page and stop tracing the guest page
        }
    }

    public override void ReleasePgd(int cpu, AddressSpace mm)
    {
        base.ReleasePgd(cpu, mm);
        if (_shadows.Remove(mm.Id))
        {
            _lru.Remove(mm.Id);
        }
        _lastId = -1;
    }

    /// <summary>A guest CR3 write: intercepted, then the VMM finds the shadow root (the switch's bookkeeping).</summary>
    private void Cr3Write(int cpu)
    {
        Intercept(cpu);
        M.Charge(cpu, CostCategory.Shadow, _rootSwitch);
    }

    public override void LoadCr3(int cpu, AddressSpace mm)
    {
        Cr3Write(cpu);
        if (ShadowOf(mm) is null)
        {
            S.Count(Counter.ShadowRootMisses);
            var shadow = new Shadow();
            if (_eager)
            {
                // Fill the new root from the whole guest tree.
                foreach (var vma in mm.Vmas)
                {
                    for (var vpn = mm.NextPresent(vma.Start, vma.End); vpn >= 0; vpn = mm.NextPresent(vpn + 1, vma.End))
                    {
                        shadow.Filled.Add(vpn);
                    }
                }
                S.Count(Counter.ShadowSyncs, shadow.Filled.Count);
                M.Charge(cpu, CostCategory.Shadow, shadow.Filled.Count * _sync);
            }
            _shadows[mm.Id] = shadow;
            if (_lru.Count == _roots)
            {
                _shadows.Remove(_lru[^1]); // evict the least recently used root; its tables are no longer traced
                _lru.RemoveAt(_lru.Count - 1);
            }
            _lastId = -1;
        }
        _lru.Remove(mm.Id);
        _lru.Insert(0, mm.Id);
        base.LoadCr3(cpu, mm);
    }

    /// <summary>A flush point: resync every out-of-sync page of the address space.</summary>
    private void Resync(int cpu, AddressSpace mm)
    {
        if (ShadowOf(mm) is not { } shadow || shadow.OutOfSync.Count == 0)
        {
            return;
        }
        foreach (var (_, writes) in shadow.OutOfSync)
        {
            M.Charge(cpu, CostCategory.Shadow, _resync);
            S.Count(Counter.ShadowSyncs, writes);
            M.Charge(cpu, CostCategory.Shadow, writes * _sync);
        }
        shadow.OutOfSync.Clear();
    }

    public override void Invlpg(int cpu, AddressSpace mm, long vpn)
    {
        Intercept(cpu);
        Resync(cpu, mm);
        if (ShadowOf(mm) is { } shadow)
        {
            shadow.Filled.Remove(vpn); // drop the shadow entry; the next access refills it
        }
        base.Invlpg(cpu, mm, vpn);
    }

    public override void FlushTlb(int cpu, AddressSpace mm)
    {
        // i386's flush is a reload of CR3 with its own value: a CR3 write, which the VMM handles as any other (it finds
        // the root, the current one, and reloads it), so it costs the root switch of a CR3 load.
        Cr3Write(cpu);
        Resync(cpu, mm);
        base.FlushTlb(cpu, mm);
    }

    public override void DeliverPageFault(int cpu) => M.Charge(cpu, CostCategory.FaultDelivery, _bounce + _check);

    public override bool TranslatesPlainly => false;

    public override void Translate(int cpu, AddressSpace mm, long vpn, AccessKind access, bool global, CostCategory missCategory)
    {
        var hit = M.Translate(cpu, mm.Id, vpn, access, global, nested: false, missCategory);
        if (hit || global || ShadowOf(mm) is not { } shadow || shadow.Filled.Contains(vpn))
        {
            return;
        }
        S.Count(Counter.HiddenFaults);
        M.Charge(cpu, CostCategory.HiddenFault, _hidden);
        shadow.Filled.Add(vpn);
    }

    /// <summary>Shadow entries that disagree with the guest (a filled entry whose guest PTE is not present), outside out-of-sync pages.</summary>
    public IEnumerable<string> Inconsistencies(AddressSpace mm)
    {
        if (ShadowOf(mm) is not { } shadow)
        {
            yield break;
        }
        foreach (var vpn in shadow.Filled.Pages())
        {
            if (!shadow.OutOfSync.ContainsKey(mm.TableIndexOf(vpn)) && !Pte.IsPresent(mm.GetPte(vpn)))
            {
                yield return $"mm {mm.Id}: shadow entry for page 0x{vpn:x} is valid but the guest PTE is not present";
            }
        }
    }
}
