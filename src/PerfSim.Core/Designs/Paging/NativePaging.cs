using PerfSim.Core.Kernel;
using PerfSim.Core.Machine;
using PerfSim.Core.Stats;
using PerfSim.Core.Trace;

namespace PerfSim.Core.Designs.Paging;

/// <summary>The kernel's tables are the hardware's: PTE writes are the native instructions.</summary>
public class NativePaging : IPagingMode
{
    protected readonly MachineModel M;
    protected readonly RunStats S;
    private readonly long _store, _load, _locked, _xchg, _cr3, _invlpg;
    private readonly bool _smp;

    public NativePaging(MachineModel machine)
    {
        M = machine;
        S = machine.Stats;
        var p = machine.Profile;
        _store = p[MachineParam.Store];
        _load = p[MachineParam.Load];
        _locked = p[MachineParam.LockedRmw];
        _xchg = p[MachineParam.Xchg];
        _cr3 = p[MachineParam.Cr3Write];
        _invlpg = p[MachineParam.Invlpg];
        _smp = machine.Cpus.Length > 1;
    }

    /// <summary>Nested walks (EPT/NPT) for TLB misses.</summary>
    protected virtual bool NestedWalks => false;

    /// <summary>Whether this mode's <see cref="Translate"/> is the plain TLB access (nothing of its own on a miss).</summary>
    public virtual bool TranslatesPlainly => true;

    /// <summary>
    /// Changes whenever what a TLB hit through this mode's <see cref="Translate"/> does may have changed (writable page
    /// tables: which table page is disconnected). Plain and shadow modes do nothing on a hit, so theirs never changes.
    /// </summary>
    public long TranslateEpoch { get; protected set; }

    /// <summary><see cref="NestedWalks"/>, for a caller that makes the plain access itself.</summary>
    public bool WalksNested => NestedWalks;

    public virtual bool NeedsHypervisor(int cpu, AddressSpace mm, PteOp op) => false;

    public virtual void Write(int cpu, AddressSpace mm, long vpn, PteOp op) => NativeWrite(cpu, op);

    public virtual void WriteQueued(int cpu, AddressSpace mm, long vpn, PteOp op)
    {
    }

    /// <summary>Counts a PTE write of a kind.</summary>
    protected void CountWrite(PteOp op)
    {
        if (op == PteOp.SetPmd)
        {
            return;
        }
        S.Count(Counter.PteWrites);
        S.Count(op switch
        {
            PteOp.Set => Counter.PteSets,
            PteOp.Clear or PteOp.ClearPlain => Counter.PteClears,
            _ => Counter.PteUpdates,
        });
    }

    /// <summary>The native instruction sequence of a write, counted and charged.</summary>
    protected void NativeWrite(int cpu, PteOp op)
    {
        CountWrite(op);
        long cost;
        switch (op)
        {
            case PteOp.WriteProtect:
                // ptep_set_wrprotect is clear_bit, whose LOCK_PREFIX only an SMP build has (2.6 patches it out when
                // one CPU is online): on one CPU a plain btr on memory, a load and a store.
                if (_smp)
                {
                    S.Count(Counter.LockedOps);
                    cost = _locked;
                }
                else
                {
                    cost = _load + _store;
                }
                break;
            case PteOp.Modify:
                S.Count(Counter.LockedOps);
                cost = _xchg + _store;
                break;
            case PteOp.Clear:
                S.Count(Counter.LockedOps);
                cost = _xchg;
                break;
            case PteOp.ClearPlain:
                cost = _load + _store;
                break;
            default:
                cost = _store;
                break;
        }
        M.Charge(cpu, CostCategory.PteUpdate, cost);
    }

    public virtual void FlushBatch(int cpu, ReadOnlySpan<QueuedUpdate> entries) =>
        throw new InvalidOperationException("native page tables have no hypervisor batch to flush");

    public virtual void AllocPageTable(int cpu, AddressSpace mm, long tableIndex) => S.Count(Counter.PageTablesAllocated);

    public virtual void ReleasePageTable(int cpu, AddressSpace mm, long tableIndex) => S.Count(Counter.PageTablesFreed);

    public virtual void AllocPgd(int cpu, AddressSpace mm) => S.Count(Counter.PageTablesAllocated);

    public virtual void ReleasePgd(int cpu, AddressSpace mm) => S.Count(Counter.PageTablesFreed);

    public virtual void LoadCr3(int cpu, AddressSpace mm)
    {
        S.Count(Counter.Cr3Loads);
        M.Charge(cpu, CostCategory.TlbFlush, _cr3);
        M.SwitchAddressSpace(cpu, mm.Id);
    }

    public virtual void Invlpg(int cpu, AddressSpace mm, long vpn)
    {
        S.Count(Counter.Invlpgs);
        M.Charge(cpu, CostCategory.TlbFlush, _invlpg);
        M.InvalidatePage(cpu, mm.Id, vpn);
    }

    public virtual void FlushTlb(int cpu, AddressSpace mm)
    {
        S.Count(Counter.TlbFlushes);
        M.Charge(cpu, CostCategory.TlbFlush, _cr3);
        M.FlushAddressSpace(cpu, mm.Id);
    }

    public virtual void Translate(int cpu, AddressSpace mm, long vpn, AccessKind access, bool global, CostCategory missCategory) =>
        M.Translate(cpu, mm.Id, vpn, access, global, NestedWalks, missCategory);

    public virtual void DeliverPageFault(int cpu)
    {
    }

    public virtual void ForkedMm(int cpu, AddressSpace child)
    {
    }

    public virtual void ActivateMm(int cpu, AddressSpace mm)
    {
    }

    public virtual void ExitMmap(int cpu, AddressSpace mm)
    {
    }

    public virtual void AdoptMm(int cpu, AddressSpace mm)
    {
    }
}
