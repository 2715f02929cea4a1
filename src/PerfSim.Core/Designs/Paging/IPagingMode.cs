using PerfSim.Core.Kernel;
using PerfSim.Core.Stats;
using PerfSim.Core.Trace;

namespace PerfSim.Core.Designs.Paging;

/// <summary>A PTE write waiting in a batch queue (a page-directory entry has Vpn = -1 - table index).</summary>
public readonly record struct QueuedUpdate(AddressSpace Mm, long Vpn, PteOp Op);

/// <summary>
/// A page-table mode: who owns the tables the hardware walks and what the guest's page-table operations
/// cost under it. Each mode keeps whatever state it needs (pinned tables, ...); the guest's tables are the
/// kernel model's.
/// </summary>
public interface IPagingMode
{
    /// <summary>Whether this write needs the hypervisor (only such writes can be queued by a batched policy).</summary>
    bool NeedsHypervisor(int cpu, AddressSpace mm, PteOp op);

    /// <summary>Applies one write now and charges it.</summary>
    void Write(int cpu, AddressSpace mm, long vpn, PteOp op);

    /// <summary>The guest's own part of a write whose hypervisor part was just queued (nothing when the guest cannot write the table itself).</summary>
    void WriteQueued(int cpu, AddressSpace mm, long vpn, PteOp op);

    /// <summary>Applies a queue of writes in one hypervisor call and charges it.</summary>
    void FlushBatch(int cpu, ReadOnlySpan<QueuedUpdate> entries);

    void AllocPageTable(int cpu, AddressSpace mm, long tableIndex);
    void ReleasePageTable(int cpu, AddressSpace mm, long tableIndex);
    void AllocPgd(int cpu, AddressSpace mm);
    void ReleasePgd(int cpu, AddressSpace mm);

    void LoadCr3(int cpu, AddressSpace mm);
    void Invlpg(int cpu, AddressSpace mm, long vpn);
    void FlushTlb(int cpu, AddressSpace mm);

    /// <summary>An access through the TLB (a miss walks the tables this mode makes the hardware walk).</summary>
    void Translate(int cpu, AddressSpace mm, long vpn, AccessKind access, bool global, CostCategory missCategory);

    /// <summary>Extra cost of delivering a guest page fault under this mode.</summary>
    void DeliverPageFault(int cpu);

    /// <summary>dup_mmap finished copying into <paramref name="child"/> (pv_ops hook).</summary>
    void ForkedMm(int cpu, AddressSpace child);

    /// <summary>exec is about to load <paramref name="mm"/> (activate_mm).</summary>
    void ActivateMm(int cpu, AddressSpace mm);

    /// <summary>The last user of <paramref name="mm"/> starts tearing it down (arch_exit_mmap).</summary>
    void ExitMmap(int cpu, AddressSpace mm);

    /// <summary><paramref name="mm"/> was built and run before the trace began: take it in that state, uncharged.</summary>
    void AdoptMm(int cpu, AddressSpace mm);
}
