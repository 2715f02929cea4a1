using PerfSim.Core.Kernel;
using PerfSim.Core.Machine;
using PerfSim.Core.Stats;
using PerfSim.Core.Trace;

namespace PerfSim.Core.Designs.Paging;

/// <summary>
/// Xen 2.0's writable page tables (interfaces.md 2.3) over direct, pinned tables. The first guest write to
/// a pinned L1 page traps; the hypervisor disconnects the page (for the current address space's ACTIVE
/// slot: clears its L2 entry and flushes the local TLB), snapshots it and makes it writable, so further
/// writes are plain stores. One ACTIVE and one INACTIVE page per CPU may be disconnected. The page is
/// reconnected — write-protected again, compared with its snapshot, the changed entries revalidated
/// (cheaply where only R/W was cleared, as fork does) — when the guest touches the disconnected region,
/// writes another page-table page into an occupied slot, or makes any explicit page-table hypercall.
/// Single-entry updates of the current address space (demand and COW faults) and page-directory entries stay
/// hypercalls, as in XenLinux. With more than one CPU every write is trapped and emulated instead.
/// </summary>
public sealed class WritablePaging : DirectPaging
{
    private sealed class Slot
    {
        private const byte OnlyRw = 1, Other = 2;

        public AddressSpace? Mm;
        public long Table = -1;

        /// <summary>Per entry of the page: unchanged (0), only R/W cleared, or changed otherwise.</summary>
        private byte[] _change = [];
        private int[] _changed = []; // the changed entries' indexes, for an O(changes) clear

        /// <summary>Entries changed since the page was disconnected.</summary>
        public int Changed { get; private set; }

        /// <summary>Of those, the ones whose only change was clearing R/W (revalidated cheaply).</summary>
        public int OnlyRwChanged { get; private set; }

        /// <summary>Records a write: it stays an R/W-only change while every write to the entry only clears R/W.</summary>
        public void Record(long vpn, bool writeProtect)
        {
            var i = (int)(vpn - Mm!.FirstVpnOf(Table));
            if (_change.Length < Mm.EntriesPerTable)
            {
                _change = new byte[Mm.EntriesPerTable]; // first use (sized by the kernel's tables); only when nothing is recorded
                _changed = new int[Mm.EntriesPerTable];
            }
            var was = _change[i];
            var now = writeProtect && was != Other ? OnlyRw : Other;
            if (was == 0)
            {
                _changed[Changed++] = i;
            }
            else if (was == OnlyRw)
            {
                OnlyRwChanged--;
            }
            if (now == OnlyRw)
            {
                OnlyRwChanged++;
            }
            _change[i] = now;
        }

        public void Clear()
        {
            for (var k = 0; k < Changed; k++)
            {
                _change[_changed[k]] = 0;
            }
            Changed = 0;
            OnlyRwChanged = 0;
        }
    }

    private readonly Slot[][] _slots; // [cpu][0 = ACTIVE, 1 = INACTIVE]
    private readonly bool _emulateOnly;
    private readonly long _trap, _store, _invlpg, _cr3, _compare, _fast, _fault;
    private bool _flushing;

    public WritablePaging(MachineModel machine, PinPolicy policy) : base(machine, policy)
    {
        var cpus = machine.Cpus.Length;
        _emulateOnly = cpus > 1;
        _slots = new Slot[cpus][];
        for (var i = 0; i < cpus; i++)
        {
            _slots[i] = [new Slot(), new Slot()];
        }
        var p = machine.Profile;
        _trap = p[MachineParam.TrapEmulate];
        _store = p[MachineParam.Store];
        _invlpg = p[MachineParam.Invlpg];
        _cr3 = p[MachineParam.Cr3Write];
        _compare = p[MachineParam.ShadowResyncPage];
        _fast = p[MachineParam.PinPresentEntry];
        _fault = p[MachineParam.HiddenFault];
    }

    /// <summary>
    /// Page-directory entries still go through mmu_update, and XenLinux sets the single PTE of a demand or COW
    /// fault in the current address space with update_va_mapping (interfaces.md 2.4); other L1 writes of a
    /// pinned table trap or are plain stores.
    /// </summary>
    private bool ByHypercall(int cpu, AddressSpace mm, PteOp op) =>
        IsPinned(mm) && (op == PteOp.SetPmd || ((op == PteOp.Set || op == PteOp.SetAccessFlags) && LoadedOn(cpu) == mm.Id));

    public override bool NeedsHypervisor(int cpu, AddressSpace mm, PteOp op) => ByHypercall(cpu, mm, op);

    public override void Write(int cpu, AddressSpace mm, long vpn, PteOp op)
    {
        if (!IsPinned(mm) || ByHypercall(cpu, mm, op))
        {
            base.Write(cpu, mm, vpn, op); // a plain store when unpinned, else the direct-paging hypercall
            return;
        }
        var table = mm.TableIndexOf(vpn);
        foreach (var slot in _slots[cpu])
        {
            if (slot.Mm == mm && slot.Table == table)
            {
                NativeWrite(cpu, op); // the page is writable now: a plain store
                slot.Record(vpn, op == PteOp.WriteProtect);
                return;
            }
        }
        S.Count(Counter.PteTraps);
        M.Charge(cpu, CostCategory.PteTrap, _trap);
        if (_emulateOnly)
        {
            NativeWrite(cpu, op); // emulated in the hypervisor, then validated
            Validate(cpu, 1);
            return;
        }
        var active = LoadedOn(cpu) == mm.Id;
        var s = _slots[cpu][active ? 0 : 1];
        if (s.Mm is not null)
        {
            Reconnect(cpu, s);
        }
        if (active)
        {
            // Disconnect from the current address space: clear the L2 entry and flush the local TLB.
            M.Charge(cpu, CostCategory.PteTrap, _store + _cr3);
            S.Count(Counter.TlbFlushes);
            M.FlushAddressSpace(cpu, mm.Id);
        }
        M.Charge(cpu, CostCategory.PteTrap, _compare); // snapshot the (cache-hot) page: one pass over its entries, like the compare
        s.Mm = mm;
        TranslateEpoch++;
        s.Table = table;
        NativeWrite(cpu, op);
        s.Record(vpn, op == PteOp.WriteProtect);
    }

    private void Reconnect(int cpu, Slot s)
    {
        S.Count(Counter.PtwrFlushes);
        // Write-protect again (invlpg of its mapping), compare with the snapshot, reconnect the L2 entry.
        M.Charge(cpu, CostCategory.PageTableValidation, _invlpg + _compare + _store);
        long fast = s.OnlyRwChanged;
        long full = s.Changed - fast;
        M.Charge(cpu, CostCategory.PageTableValidation, fast * _fast);
        S.Count(Counter.Validations, fast);
        Validate(cpu, full);
        s.Mm = null;
        TranslateEpoch++;
        s.Table = -1;
        s.Clear();
    }

    /// <summary>Reconnects whatever is disconnected on this CPU (before any explicit page-table hypercall).</summary>
    protected override void BeforeHypercall(int cpu)
    {
        if (_flushing)
        {
            return;
        }
        _flushing = true;
        foreach (var s in _slots[cpu])
        {
            if (s.Mm is not null)
            {
                Reconnect(cpu, s);
            }
        }
        _flushing = false;
    }

    public override bool TranslatesPlainly => false;

    public override void Translate(int cpu, AddressSpace mm, long vpn, AccessKind access, bool global, CostCategory missCategory)
    {
        var active = _slots[cpu][0];
        if (!global && active.Mm == mm && active.Table == mm.TableIndexOf(vpn))
        {
            // The region's L2 entry is not present: the access faults into the hypervisor, which reconnects.
            S.Count(Counter.HiddenFaults);
            M.Charge(cpu, CostCategory.HiddenFault, _fault);
            Reconnect(cpu, active);
        }
        base.Translate(cpu, mm, vpn, access, global, missCategory);
    }

    public override void ReleasePageTable(int cpu, AddressSpace mm, long tableIndex)
    {
        foreach (var s in _slots[cpu])
        {
            if (s.Mm == mm && s.Table == tableIndex)
            {
                Reconnect(cpu, s); // a freed page is reconnected (its entries are all clear) before it is unpinned
            }
        }
        base.ReleasePageTable(cpu, mm, tableIndex);
    }
}
