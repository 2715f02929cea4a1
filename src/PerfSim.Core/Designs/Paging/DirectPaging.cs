using PerfSim.Core.Kernel;
using PerfSim.Core.Machine;
using PerfSim.Core.Stats;

namespace PerfSim.Core.Designs.Paging;

/// <summary>
/// Xen's direct page tables (interfaces.md 2.2, 2.4): the guest's tables are the hardware's, but once an
/// address space is pinned its page-table pages are typed, validated and mapped read-only, so every write
/// to them is a hypercall the hypervisor validates (update_va_mapping for the current mm, mmu_update
/// otherwise); unpinned tables are plain memory. CR3 loads, invlpg and flushes are mmuext hypercalls, and
/// guest page faults are taken by the hypervisor and bounced to the guest. When pinning happens is the
/// design's <see cref="PinPolicy"/>.
/// </summary>
public class DirectPaging : NativePaging
{
    /// <summary>Page-directory entries that map the kernel (the top 1 GB of a 3/1 split) and are present in every PGD.</summary>
    private const int KernelPdes = 256;

    private readonly PinPolicy _policy;
    private readonly long _store;
    private readonly long _hypercall, _multicall, _validate, _pinPresent, _pinEmpty, _bounce, _cr3, _invlpg;
    private readonly HashSet<int> _pinned = new();
    private int _lastAsked = -1; // the mm IsPinned was last asked about, and its answer: most calls repeat it
    private bool _lastPinned;
    private readonly long[] _foldedInvlpg;
    private readonly int[] _loaded;

    /// <summary>The address space loaded on a CPU (its id), as the hypervisor last set it.</summary>
    protected int LoadedOn(int cpu) => _loaded[cpu];

    public DirectPaging(MachineModel machine, PinPolicy policy) : base(machine)
    {
        _policy = policy;
        var p = machine.Profile;
        _store = p[MachineParam.Store];
        _hypercall = p[MachineParam.Hypercall];
        _multicall = p[MachineParam.MulticallEntry];
        _validate = p[MachineParam.ValidateEntry];
        _pinPresent = p[MachineParam.PinPresentEntry];
        _pinEmpty = p[MachineParam.PinEmptyEntry];
        _bounce = p[MachineParam.FaultBounce];
        _cr3 = p[MachineParam.Cr3Write];
        _invlpg = p[MachineParam.Invlpg];
        _foldedInvlpg = new long[machine.Cpus.Length];
        Array.Fill(_foldedInvlpg, -1);
        _loaded = new int[machine.Cpus.Length];
    }

    public bool IsPinned(AddressSpace mm)
    {
        if (mm.Id != _lastAsked)
        {
            _lastAsked = mm.Id;
            _lastPinned = _pinned.Contains(mm.Id);
        }
        return _lastPinned;
    }

    /// <summary>Called before every explicit hypercall this mode makes (writable page tables reconnect first).</summary>
    protected virtual void BeforeHypercall(int cpu)
    {
    }

    protected void Hypercalls(int cpu, long n)
    {
        BeforeHypercall(cpu);
        S.Count(Counter.Hypercalls, n);
        M.Charge(cpu, CostCategory.Hypercall, n * _hypercall);
    }

    protected void Validate(int cpu, long entries)
    {
        S.Count(Counter.Validations, entries);
        M.Charge(cpu, CostCategory.PageTableValidation, entries * _validate);
    }

    public override bool NeedsHypervisor(int cpu, AddressSpace mm, PteOp op) => IsPinned(mm);

    public override void Write(int cpu, AddressSpace mm, long vpn, PteOp op)
    {
        if (!IsPinned(mm))
        {
            NativeWrite(cpu, op); // unpinned tables are ordinary writable memory
            return;
        }
        // One mmu_update / update_va_mapping of one entry: the guest builds the request, the hypervisor
        // handles one entry and validates it. A batch of one costs exactly this.
        CountWrite(op);
        M.Charge(cpu, CostCategory.PteUpdate, 2 * _store);
        Hypercalls(cpu, 1);
        M.Charge(cpu, CostCategory.Hypercall, _multicall);
        Validate(cpu, 1);
        // COW reuse is one update_va_mapping with UVMF_INVLPG: the flush rides in the same hypercall.
        _foldedInvlpg[cpu] = op == PteOp.SetAccessFlags ? Key(mm, vpn) : -1;
    }

    private static long Key(AddressSpace mm, long vpn) => ((long)mm.Id << 36) | vpn;

    public override void FlushBatch(int cpu, ReadOnlySpan<QueuedUpdate> queued)
    {
        var entries = queued.Length;
        S.Count(Counter.BatchFlushes);
        Hypercalls(cpu, 1);
        M.Charge(cpu, CostCategory.Hypercall, entries * _multicall);
        Validate(cpu, entries);
    }

    /// <summary>Pins a whole mm: each page-table page and the PGD made read-only, then PIN_L2 validates the tree.</summary>
    private void Pin(int cpu, AddressSpace mm)
    {
        var tables = mm.TableCount;
        S.Count(Counter.PinOps);
        Hypercalls(cpu, tables + 2);
        var present = mm.PresentPtes + tables + KernelPdes;
        var empty = (long)tables * mm.EntriesPerTable - mm.PresentPtes + (mm.EntriesPerTable - tables - KernelPdes);
        S.Count(Counter.Validations, present);
        M.Charge(cpu, CostCategory.PageTableValidation, present * _pinPresent + empty * _pinEmpty);
        _pinned.Add(mm.Id);
        _lastAsked = -1;
    }

    /// <summary>Unpins a whole mm: one UNPIN, then each page-table page and the PGD made writable again.</summary>
    private void Unpin(int cpu, AddressSpace mm)
    {
        S.Count(Counter.PinOps);
        Hypercalls(cpu, mm.TableCount + 2);
        _pinned.Remove(mm.Id);
        _lastAsked = -1;
    }

    public override void AllocPageTable(int cpu, AddressSpace mm, long tableIndex)
    {
        base.AllocPageTable(cpu, mm, tableIndex);
        if (IsPinned(mm))
        {
            // The new L1 is remapped read-only and pinned (all its entries empty) before the PMD points to it.
            S.Count(Counter.PinOps);
            Hypercalls(cpu, 2);
            M.Charge(cpu, CostCategory.PageTableValidation, mm.EntriesPerTable * _pinEmpty);
        }
    }

    public override void ReleasePageTable(int cpu, AddressSpace mm, long tableIndex)
    {
        base.ReleasePageTable(cpu, mm, tableIndex);
        if (IsPinned(mm))
        {
            S.Count(Counter.PinOps);
            Hypercalls(cpu, 2); // UNPIN, then writable again
        }
    }

    public override void AllocPgd(int cpu, AddressSpace mm)
    {
        base.AllocPgd(cpu, mm);
        if (_policy == PinPolicy.Eager)
        {
            Pin(cpu, mm); // pgd_ctor: read-only and pinned as L2 from the start
        }
    }

    public override void ReleasePgd(int cpu, AddressSpace mm)
    {
        base.ReleasePgd(cpu, mm);
        if (IsPinned(mm))
        {
            Unpin(cpu, mm);
        }
    }

    public override void LoadCr3(int cpu, AddressSpace mm)
    {
        if (_policy == PinPolicy.LatePin && !IsPinned(mm))
        {
            Pin(cpu, mm); // switch_mm pins the next mm the first time it runs
        }
        S.Count(Counter.Cr3Loads);
        _loaded[cpu] = mm.Id;
        Hypercalls(cpu, 1); // mmuext NEW_BASEPTR
        M.Charge(cpu, CostCategory.TlbFlush, _cr3);
        M.SwitchAddressSpace(cpu, mm.Id);
    }

    public override void Invlpg(int cpu, AddressSpace mm, long vpn)
    {
        S.Count(Counter.Invlpgs);
        if (_foldedInvlpg[cpu] == Key(mm, vpn))
        {
            _foldedInvlpg[cpu] = -1; // done by the update_va_mapping that changed the entry
        }
        else
        {
            Hypercalls(cpu, 1); // mmuext INVLPG_LOCAL
        }
        M.Charge(cpu, CostCategory.TlbFlush, _invlpg);
        M.InvalidatePage(cpu, mm.Id, vpn);
    }

    public override void FlushTlb(int cpu, AddressSpace mm)
    {
        S.Count(Counter.TlbFlushes);
        Hypercalls(cpu, 1); // mmuext TLB_FLUSH_LOCAL
        M.Charge(cpu, CostCategory.TlbFlush, _cr3);
        M.FlushAddressSpace(cpu, mm.Id);
    }

    public override void DeliverPageFault(int cpu) => M.Charge(cpu, CostCategory.FaultDelivery, _bounce);

    public override void ForkedMm(int cpu, AddressSpace child)
    {
        if (_policy == PinPolicy.AtFork && !IsPinned(child))
        {
            Pin(cpu, child);
        }
    }

    public override void ActivateMm(int cpu, AddressSpace mm)
    {
        if (_policy == PinPolicy.AtFork && !IsPinned(mm))
        {
            Pin(cpu, mm);
        }
    }

    public override void AdoptMm(int cpu, AddressSpace mm)
    {
        // A process that has been running has pinned tables under every policy (eager: since pgd_alloc; at-fork: since
        // its fork; late-pin: since its first switch in); the pinning happened before the trace and is not charged.
        _pinned.Add(mm.Id);
        _lastAsked = -1;
    }

    public override void ExitMmap(int cpu, AddressSpace mm)
    {
        if (_policy != PinPolicy.Eager && IsPinned(mm))
        {
            if (_loaded[cpu] == mm.Id)
            {
                // A pinned table in use cannot be unpinned: switch to the kernel's init_mm first.
                S.Count(Counter.Cr3Loads);
                Hypercalls(cpu, 1);
                M.Charge(cpu, CostCategory.TlbFlush, _cr3);
                M.SwitchAddressSpace(cpu, 0);
                _loaded[cpu] = 0;
            }
            Unpin(cpu, mm); // teardown then runs on plain writable memory
        }
    }
}
