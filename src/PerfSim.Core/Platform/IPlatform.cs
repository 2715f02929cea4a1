using PerfSim.Core.Kernel;
using PerfSim.Core.Trace;

namespace PerfSim.Core.Platform;

/// <summary>
/// The platform operations the guest kernel model emits. The kernel says what it does; an implementation
/// (a design composed of mechanisms, running on a machine) decides what each costs. The kernel never charges
/// cycles itself. Page-table contents are the kernel's: by the time a PTE operation is called, the kernel's
/// table already holds the new value.
/// </summary>
public interface IPlatform
{
    /// <summary>The CPU the following operations run on.</summary>
    int CurrentCpu { get; set; }

    // Software work.
    void KernelPath(KernelPath path, long times = 1);
    void UserCompute(long cycles);
    void UserAccess(AddressSpace mm, long vpn, AccessKind access);
    /// <summary>A kernel data reference to a kernel-space page (the task's kernel stack) while <paramref name="mm"/> is loaded.</summary>
    void KernelAccess(AddressSpace mm, long vpn);
    void ClearPage(long count = 1);
    void CopyPage(long count = 1);

    // Kernel entry and exit.
    void Enter(EntryKind kind);
    void Return(ReturnKind kind);
    void ReadCr2();

    /// <summary>An I/O port instruction executed by the kernel.</summary>
    void PortIo(bool isOut);

    // Interrupt flag.
    void Cli();
    void Sti();
    void SaveFlags();
    void RestoreFlags();

    // Page tables.
    void SetPte(AddressSpace mm, long vpn);
    void UpdatePte(AddressSpace mm, long vpn, PteUpdateKind kind);
    /// <summary>Clears a present PTE: plainly (a load and a store) or, when <paramref name="plain"/> is false, by ptep_get_and_clear's xchg.</summary>
    void ClearPte(AddressSpace mm, long vpn, bool plain);
    void AllocPageTable(AddressSpace mm, long tableIndex);
    void ReleasePageTable(AddressSpace mm, long tableIndex);
    void SetPmd(AddressSpace mm, long tableIndex);
    void AllocPgd(AddressSpace mm);
    void ReleasePgd(AddressSpace mm);
    void EnterLazyMmu();
    void LeaveLazyMmu();

    /// <summary>The kernel reads a PTE (to copy, clear or test it); <paramref name="site"/> is the path doing so.</summary>
    void ReadPte(AddressSpace mm, long vpn, KernelPath site);

    /// <summary>dup_mmap finished copying the parent's mappings into <paramref name="child"/>.</summary>
    void ForkedMm(AddressSpace child);

    /// <summary>exec is about to switch to its new address space (activate_mm).</summary>
    void ActivateMm(AddressSpace mm);

    /// <summary>The last user of an address space begins tearing it down (arch_exit_mmap).</summary>
    void ExitMmap(AddressSpace mm);

    /// <summary>
    /// An address space built before the trace began (a process first seen already running): the design takes it in
    /// the state it would be in by now, at no cost in the run.
    /// </summary>
    void AdoptMm(AddressSpace mm);

    // TLB and address-space switch.
    void LoadCr3(AddressSpace mm);
    void Invlpg(AddressSpace mm, long vpn);
    void FlushTlb(AddressSpace mm);

    // Other CPUs (the uniprocessor kernel model does not emit these yet; SMP will, from flush_tlb_others).
    /// <summary>Sends one interrupt vector to each CPU in <paramref name="targets"/> (other than the current one).</summary>
    void SendIpi(ReadOnlySpan<int> targets);

    /// <summary>This CPU pulls cache lines of a kernel object another CPU wrote last (a page when <paramref name="wholePage"/>).</summary>
    void MoveLines(long lines, bool wholePage = false);

    /// <summary>Tells the design whether a vCPU is scheduled on a physical CPU now (the hypervisor's own state).</summary>
    void SetVcpuRunning(int cpu, bool running);

    /// <summary>A descheduled vCPU's TLB is flushed before it next runs (what a paravirtual remote flush does instead of interrupting it): no cost now.</summary>
    void DiscardTlb(int cpu, AddressSpace mm);

    /// <summary>The hypervisor flushes other CPUs' TLBs itself (a paravirtual remote flush): no guest handler runs on the targets.</summary>
    bool HypervisorFlushesRemotely { get; }

    /// <summary>On this CPU, the hypervisor's own handling of a remote flush it was asked for: its IPI entry, the flush, the EOI, the return.</summary>
    void HypervisorRemoteFlush(AddressSpace mm, long vpn);

    /// <summary>This CPU takes an IPI: entry, acknowledgement and return, by the design's IPI mechanism (the handler's code is a kernel path).</summary>
    void ReceiveIpi();
    /// <summary>flush_tlb_others: asks each CPU in <paramref name="targets"/> to flush its TLB entries of <paramref name="mm"/>.</summary>
    void FlushTlbOthers(AddressSpace mm, ReadOnlySpan<int> targets);

    // CPU state on context switch.
    void EnterLazyCpu();
    void LeaveLazyCpu();
    void LoadEsp0();
    void LoadTls(int changedEntries);
    void LoadLdt();
    void Clts();
    void Stts();
    /// <summary>Loads one debug register (__switch_to loads dr0-dr3, dr6 and dr7 for a task whose debug registers are set).</summary>
    void SetDebugReg();
    /// <summary>The guest port skips a DR7 reload its kernel makes unconditionally when no breakpoint is set (<see cref="Designs.DesignSpec.GuestGuardsDr7"/>).</summary>
    bool GuestGuardsDr7 { get; }
    void FpuSave();
    void FpuRestore();
}
