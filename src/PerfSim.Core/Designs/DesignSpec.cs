using PerfSim.Core.Designs.Hooks;

namespace PerfSim.Core.Designs;

/// <summary>How a privileged operation in the kernel reaches its implementation.</summary>
public enum HookMechanism
{
    /// <summary>The native instruction, inline (a kernel built without hooks).</summary>
    Inline,
    /// <summary>pv_ops: NOP-padded call sites patched at boot into the inline instruction, a direct call, or NOPs.</summary>
    Patched,
    /// <summary>pv_ops left unpatched: every site an indirect call through a function pointer.</summary>
    Indirect,
    /// <summary>VMI: every site a call into the ROM, whose body runs the native instruction (or, under a hypervisor, its own code).</summary>
    Rom,
    /// <summary>Binary translation: the unmodified kernel runs translated; each privileged operation becomes a callout to the VMM, which emulates it.</summary>
    Bt,
    /// <summary>A kernel merged from native and Xen builds, rewritten at boot from a table: native code at every site (hooks.csv counts the rewritten sites run).</summary>
    Union,
    /// <summary>The privileged instruction runs in the deprivileged kernel, faults to the hypervisor, which decodes and emulates it (trap_emulate, or vm_exit + vm_emulate); the emulation replaces the operation's body.</summary>
    Trap,
}

/// <summary>Who owns the page tables the hardware walks, and how the guest's updates reach them.</summary>
public enum PageTableMode
{
    /// <summary>The kernel's tables are the hardware's; PTE writes are stores.</summary>
    Native,
    /// <summary>Xen's direct, validated page tables: pinned tables are read-only to the guest and updated by hypercall.</summary>
    Direct,
    /// <summary>Nested paging (EPT/NPT): guest tables are plain memory; every TLB miss is a two-dimensional walk.</summary>
    Nested,
    /// <summary>Xen 2.0's writable page tables over direct tables: the first write to a pinned L1 traps and disconnects it, later writes are stores, reconnection revalidates the changes.</summary>
    Writable,
    /// <summary>The hypervisor keeps shadow tables; guest page-table pages are write-protected and each write traps.</summary>
    Shadow,
}

/// <summary>When a shadow page table's entries are filled.</summary>
public enum ShadowFill
{
    /// <summary>At every traced guest write, and for the whole tree when a root is built.</summary>
    Eager,
    /// <summary>A traced write only invalidates; the first access takes a hidden fault that fills the entry.</summary>
    Lazy,
}

/// <summary>How a guest operation the hypervisor must see reaches it when the guest does not call it.</summary>
public enum TrapMechanism
{
    /// <summary>A fault into a hypervisor in a more privileged ring (#GP/#PF), decoded and emulated.</summary>
    Ring,
    /// <summary>A VT-x/AMD-V exit to the VMM and re-entry.</summary>
    VmExit,
}

/// <summary>How the guest's interrupt flag is implemented.</summary>
public enum IrqFlagMechanism
{
    /// <summary>cli, sti, pushf, popf.</summary>
    Native,
    /// <summary>A mask byte in memory shared with the hypervisor (Xen's evtchn_upcall_mask, VMI's ROM flag): a store, and a pending-events check on enable.</summary>
    Virtual,
    /// <summary>cli, sti, pushf and popf fault to the hypervisor, which emulates them (a study: on x86 a deprivileged pushf/popf does not fault).</summary>
    Trapped,
}

/// <summary>How the guest sends an inter-processor interrupt, and asks other CPUs to flush their TLBs.</summary>
public enum IpiMechanism
{
    /// <summary>A write of the local APIC's interrupt command register (one send for every target in flat logical mode).</summary>
    Native,
    /// <summary>One event-channel send hypercall per target; the hypervisor kicks the target vCPU.</summary>
    Hypercall,
    /// <summary>The guest's APIC accesses trap (or exit) to the hypervisor, which emulates them and sends the physical IPIs.</summary>
    Trapped,
    /// <summary>IPIs by event channel, and a remote TLB flush is one hypercall (Xen's mmuext TLB_FLUSH_MULTI): the hypervisor interrupts only the targets' running vCPUs.</summary>
    PvFlush,
}

/// <summary>How privileged CPU state (kernel stack pointer, TLS descriptors, LDT, CR0.TS, CR2) is set.</summary>
public enum CpuStateMechanism
{
    /// <summary>The privileged instructions.</summary>
    Native,
    /// <summary>Hypercalls (stack_switch, update_descriptor, set_ldt, fpu_taskswitch); CR2 read from shared memory.</summary>
    Hypercall,
}

/// <summary>How a system call reaches the guest kernel.</summary>
public enum SyscallPath
{
    /// <summary>Straight into the kernel (native, or Xen's fast trap gate into ring 1).</summary>
    Direct,
    /// <summary>Taken by the hypervisor and bounced to the guest.</summary>
    Bounced,
}

/// <summary>When PTE updates that involve the hypervisor take effect.</summary>
public enum PtePolicy
{
    /// <summary>Each update is its own hypervisor operation.</summary>
    Immediate,
    /// <summary>Updates queue (up to the batch size) and are applied together at a flush point.</summary>
    Batched,
}

/// <summary>What a batched design does when the kernel reads a PTE whose update is still queued.</summary>
public enum HazardMode
{
    /// <summary>Flush the queue first (correct; the flush is charged and counted).</summary>
    FlushOnHazard,
    /// <summary>Do not flush; count the hazard and the kernel path where it happened.</summary>
    Audit,
}

/// <summary>When a direct-paging guest pins an address space's page tables (validating them).</summary>
public enum PinPolicy
{
    /// <summary>Xen 2.0 XenLinux: every page-table page pinned when allocated, unpinned when freed.</summary>
    Eager,
    /// <summary>Xen 3.0 XenLinux: pinned at the first switch to the mm, unpinned before its teardown.</summary>
    LatePin,
    /// <summary>pv_ops Xen (2.6.23): pinned at fork (dup_mmap) and exec (activate_mm), unpinned at exit_mmap.</summary>
    AtFork,
}

/// <summary>
/// A design as data: a composition of mechanisms, loaded from <c>workloads/designs/NAME.json</c>. Every
/// mechanism key is optional and defaults to the native choice.
/// </summary>
public sealed record DesignSpec
{
    public required string Name { get; init; }
    public required string Description { get; init; }
    public HookMechanism Hook { get; init; } = HookMechanism.Inline;

    /// <summary>Operation classes that reach their implementation by another mechanism than <see cref="Hook"/> (e.g. Xen trapping rare instructions).</summary>
    public IReadOnlyDictionary<HookOp, HookMechanism> HookOverrides { get; init; } = new Dictionary<HookOp, HookMechanism>();

    /// <summary>
    /// The mechanism of one operation class: its override, else <see cref="HookMechanism.Trap"/> for the four
    /// interrupt-flag classes of a trapped flag (the instructions sit unhooked in the kernel and fault), else the
    /// design's hook.
    /// </summary>
    public HookMechanism HookFor(HookOp op) =>
        HookOverrides.TryGetValue(op, out var m) ? m
        : IrqFlag == IrqFlagMechanism.Trapped && op is HookOp.IrqDisable or HookOp.IrqEnable or HookOp.SaveFlags or HookOp.RestoreFlags ? HookMechanism.Trap
        : Hook;

    public PageTableMode PageTables { get; init; } = PageTableMode.Native;
    public PtePolicy PteUpdates { get; init; } = PtePolicy.Immediate;

    /// <summary>Queue capacity of a batched policy (Xen 1.0/2.0: 128; pv_ops multicall: 32).</summary>
    public int BatchSize { get; init; } = 1;

    /// <summary>Batch every hypervisor PTE update (Xen 1.0's queue), not only those inside lazy MMU mode (pv_ops).</summary>
    public bool BatchOutsideLazyMode { get; init; }

    public HazardMode Hazards { get; init; } = HazardMode.FlushOnHazard;
    public PinPolicy Pinning { get; init; } = PinPolicy.LatePin;

    public ShadowFill ShadowFill { get; init; } = ShadowFill.Lazy;

    /// <summary>Shadow roots (address spaces) the hypervisor keeps built at once.</summary>
    public int ShadowRoots { get; init; } = 4;

    /// <summary>Let a page-table page go out of sync after its first traced write: later writes are free until the next TLB flush resyncs it.</summary>
    public bool ShadowOutOfSync { get; init; }

    /// <summary>How trapped operations (traced page-table writes, intercepted CR3 and TLB operations, guest faults) reach the hypervisor.</summary>
    public TrapMechanism TrapVia { get; init; } = TrapMechanism.Ring;

    public IrqFlagMechanism IrqFlag { get; init; } = IrqFlagMechanism.Native;
    public CpuStateMechanism CpuState { get; init; } = CpuStateMechanism.Native;
    public SyscallPath Syscalls { get; init; } = SyscallPath.Direct;
    public IpiMechanism Ipi { get; init; } = IpiMechanism.Native;

    /// <summary>Gather the context switch's CPU-state hypercalls into one multicall (lazy CPU mode).</summary>
    public bool ContextSwitchMulticall { get; init; }

    /// <summary>A hypervisor sits below the guest kernel.</summary>
    public bool Hypervisor { get; init; }

    /// <summary>The guest kernel runs in ring 0 beside the hypervisor (Xen's supervisor-mode kernel): a hypercall is a direct call plus the hypervisor's indirect dispatch.</summary>
    public bool SupervisorModeKernel { get; init; }

    /// <summary>The guest may mark its kernel mappings global (Xen's 32-bit PV guests could not).</summary>
    public bool GuestGlobalPages { get; init; } = true;

    /// <summary>
    /// The guest port reloads DR7 at signal delivery only when the process has breakpoints, where its kernel would do it
    /// every time (XenoLinux: a ring-1 kernel cannot write a debug register, and its do_signal guards the hypercall).
    /// </summary>
    public bool GuestGuardsDr7 { get; init; }

    public static readonly DesignSpec Native = new()
    {
        Name = "native",
        Description = "Bare metal: privileged instructions inline, hardware page tables, immediate PTE stores, no hypervisor.",
    };

    /// <summary>Problems with the combination itself (independent of the machine), empty when it is valid.</summary>
    public IReadOnlyList<string> Problems()
    {
        var p = CombinationProblems().ToList();
        foreach (var (op, problem) in HookOverrideProblems())
        {
            p.Add($"hook_overrides.{HookSites.Of(op).Name}: {problem}");
        }
        return p;
    }

    /// <summary>Problems with the mechanisms other than the per-class hook overrides.</summary>
    public IReadOnlyList<string> CombinationProblems()
    {
        var p = new List<string>();
        if (PageTables != PageTableMode.Native && !Hypervisor)
        {
            p.Add($"page_table_mode '{PageTables}' needs a hypervisor (hypervisor: present)");
        }
        if ((IrqFlag != IrqFlagMechanism.Native || CpuState != CpuStateMechanism.Native || Syscalls != SyscallPath.Direct || ContextSwitchMulticall
            || Ipi != IpiMechanism.Native) && !Hypervisor)
        {
            p.Add("virtual or trapped interrupt flags, CPU-state hypercalls, bounced system calls, context-switch multicalls and IPIs other than native need a hypervisor (hypervisor: present)");
        }
        if (SupervisorModeKernel && !Hypervisor)
        {
            p.Add("a supervisor-mode kernel runs beside a hypervisor (hypervisor: present)");
        }
        if (Hook == HookMechanism.Bt && !Hypervisor)
        {
            p.Add("binary translation needs a hypervisor (hypervisor: present)");
        }
        if (Hook == HookMechanism.Bt && PageTables is PageTableMode.Direct or PageTableMode.Writable)
        {
            p.Add($"binary translation runs an unmodified kernel, which cannot use paravirtual page tables: use page_table_mode 'shadow' or 'nested', not '{PageTables.ToString().ToLowerInvariant()}'");
        }
        if (Hook == HookMechanism.Trap)
        {
            p.Add("hook 'trap' cannot be the whole kernel's mechanism (iret, page-table stores and descriptor writes do not fault): choose it per class in hook_overrides");
        }
        if (IrqFlag == IrqFlagMechanism.Trapped && Hook == HookMechanism.Bt)
        {
            p.Add("irq_flag 'trapped' with hook 'bt': binary translation rewrites cli/sti/pushf/popf, so they never reach the CPU to fault");
        }
        if (IrqFlag == IrqFlagMechanism.Trapped && SupervisorModeKernel)
        {
            p.Add("irq_flag 'trapped' with a supervisor-mode kernel: in ring 0 cli and sti do not fault");
        }
        if (IrqFlag == IrqFlagMechanism.Trapped && TrapVia == TrapMechanism.VmExit)
        {
            p.Add("irq_flag 'trapped' with trap_via 'vm-exit': VT-x/AMD-V cannot exit on cli, sti, pushf or popf");
        }
        if (PageTables == PageTableMode.Shadow && PteUpdates == PtePolicy.Batched && Hook != HookMechanism.Rom)
        {
            p.Add("batched shadow updates need the guest to tell the hypervisor explicitly: use hook 'rom' (VMI's deferred calls), or pte_policy 'immediate'");
        }
        if (ShadowRoots < 1 || ShadowRoots > 1024)
        {
            p.Add($"shadow_roots {ShadowRoots} must be 1..1024");
        }
        if (PteUpdates == PtePolicy.Batched && (BatchSize < 1 || BatchSize > 4096))
        {
            p.Add($"batch_size {BatchSize} must be 1..4096 for a batched policy");
        }
        return p;
    }

    /// <summary>Why each overridden operation class cannot take its mechanism, in <see cref="HookOp"/> order (empty when every override is valid).</summary>
    public IReadOnlyList<(HookOp Op, string Problem)> HookOverrideProblems()
    {
        var p = new List<(HookOp, string)>();
        foreach (var op in Enum.GetValues<HookOp>())
        {
            if (!HookOverrides.TryGetValue(op, out var m))
            {
                continue;
            }
            var site = HookSites.Of(op);
            var name = m.ToString().ToLowerInvariant();
            if (m is HookMechanism.Bt or HookMechanism.Union)
            {
                p.Add((op, $"'{name}' rewrites the whole kernel and cannot be chosen for one class"));
            }
            else if (Hook is HookMechanism.Bt or HookMechanism.Union && m != HookMechanism.Trap)
            {
                p.Add((op, $"under hook '{Hook.ToString().ToLowerInvariant()}' a class can only be overridden to 'trap' (the kernel's code is rewritten as a whole)"));
            }
            else if (site.PageTable && PageTables == PageTableMode.Shadow && m != Hook)
            {
                p.Add((op, "under page_table_mode 'shadow' the page-table classes keep the design's hook (it decides whether their writes are traced or told through the ROM)"));
            }
            else if (m == HookMechanism.Trap)
            {
                if (!Hypervisor)
                {
                    p.Add((op, "'trap' faults to a hypervisor (hypervisor: present)"));
                }
                else if (SupervisorModeKernel)
                {
                    p.Add((op, "'trap' refused: a supervisor-mode kernel runs in ring 0, where its privileged instructions do not fault"));
                }
                else if (site.NoTrap is { } why)
                {
                    p.Add((op, $"'trap' refused: {why}"));
                }
                else if (TrapVia == TrapMechanism.VmExit && !site.CanExit)
                {
                    p.Add((op, $"'trap' refused: VT-x/AMD-V cannot exit on {site.Instruction} (trap_via 'vm-exit')"));
                }
            }
        }
        return p;
    }
}
