namespace PerfSim.Core.Designs;

/// <summary>How a privileged operation in the kernel reaches its implementation.</summary>
public enum HookMechanism
{
    /// <summary>The native instruction, inline.</summary>
    Inline,
}

/// <summary>How page tables are managed.</summary>
public enum PageTableMode
{
    /// <summary>The kernel's tables are the hardware's; PTE writes are stores.</summary>
    Native,
}

/// <summary>When PTE updates take effect.</summary>
public enum PtePolicy
{
    Immediate,
}

/// <summary>
/// A design as data: a composition of mechanisms, loaded from <c>workloads/designs/NAME.json</c>.
/// The foundation knows only the native mechanisms; virtualized ones arrive with the designs work.
/// </summary>
public sealed record DesignSpec(
    string Name,
    string Description,
    HookMechanism Hook,
    PageTableMode PageTables,
    PtePolicy PteUpdates,
    bool Hypervisor)
{
    public static readonly DesignSpec Native = new(
        "native",
        "Bare metal: privileged instructions inline, hardware page tables, immediate PTE stores, no hypervisor.",
        HookMechanism.Inline,
        PageTableMode.Native,
        PtePolicy.Immediate,
        Hypervisor: false);
}
