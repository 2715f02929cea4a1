using PerfSim.Core.Designs;
using PerfSim.Core.Designs.Hooks;

namespace PerfSim.IO.Config;

/// <summary>
/// Loads a design (<c>workloads/designs/&lt;name&gt;.json</c>): a composition of named mechanisms, strictly parsed.
/// Only <c>name</c> and <c>description</c> are required; every mechanism defaults to the native choice.
/// </summary>
public static class DesignLoader
{
    private static readonly string[] Required = ["name", "description"];

    private static readonly string[] TopKeys =
    [
        "name", "description", "hook", "page_table_mode", "pte_policy", "batch_size", "batch_outside_lazy_mode",
        "hazard_mode", "pinning", "hypervisor", "guest_global_pages", "guest_guards_dr7", "shadow_fill", "shadow_roots", "shadow_out_of_sync",
        "irq_flag", "cpu_state", "syscalls", "context_switch_multicall", "trap_via", "supervisor_mode_kernel",
        "hook_overrides", "ipi",
    ];

    private static readonly (string, HookMechanism)[] Hooks =
        [("inline", HookMechanism.Inline), ("patched", HookMechanism.Patched), ("indirect", HookMechanism.Indirect), ("rom", HookMechanism.Rom), ("bt", HookMechanism.Bt), ("union", HookMechanism.Union), ("trap", HookMechanism.Trap)];
    private static readonly (string, PageTableMode)[] Modes =
        [("native", PageTableMode.Native), ("direct", PageTableMode.Direct), ("writable", PageTableMode.Writable), ("shadow", PageTableMode.Shadow), ("nested", PageTableMode.Nested)];
    private static readonly (string, TrapMechanism)[] TrapVias = [("ring", TrapMechanism.Ring), ("vm-exit", TrapMechanism.VmExit)];
    private static readonly (string, IrqFlagMechanism)[] IrqFlags =
        [("native", IrqFlagMechanism.Native), ("virtual", IrqFlagMechanism.Virtual), ("trapped", IrqFlagMechanism.Trapped)];
    private static readonly (string, IpiMechanism)[] Ipis =
        [("native", IpiMechanism.Native), ("hypercall", IpiMechanism.Hypercall), ("trapped", IpiMechanism.Trapped), ("pv-flush", IpiMechanism.PvFlush)];
    private static readonly string[] HookClassNames = HookSites.All.Select(h => h.Name).ToArray();
    private static readonly (string, CpuStateMechanism)[] CpuStates = [("native", CpuStateMechanism.Native), ("hypercall", CpuStateMechanism.Hypercall)];
    private static readonly (string, SyscallPath)[] SyscallPaths = [("direct", SyscallPath.Direct), ("bounced", SyscallPath.Bounced)];
    private static readonly (string, ShadowFill)[] Fills = [("eager", ShadowFill.Eager), ("lazy", ShadowFill.Lazy)];
    private static readonly (string, PtePolicy)[] Policies = [("immediate", PtePolicy.Immediate), ("batched", PtePolicy.Batched)];
    private static readonly (string, HazardMode)[] HazardModes = [("flush-on-hazard", HazardMode.FlushOnHazard), ("audit", HazardMode.Audit)];
    private static readonly (string, PinPolicy)[] PinPolicies =
        [("eager", PinPolicy.Eager), ("late-pin", PinPolicy.LatePin), ("at-fork", PinPolicy.AtFork)];
    private static readonly (string, bool)[] Hypervisors = [("none", false), ("present", true)];

    public static DesignSpec Load(string path) =>
        Parse(ConfigFile.ReadUtf8(path), path, Path.GetFileNameWithoutExtension(path));

    public static DesignSpec Parse(byte[] utf8, string file, string? expectedName = null)
    {
        var r = new ConfigReader(file, ConfigFile.StripBom(utf8));
        var root = r.Parse();
        r.ThrowIfErrors();
        var top = r.Object(root!, "", TopKeys, Required);
        r.ThrowIfErrors();
        var (name, description) = r.NameAndDescription(top!, expectedName, allowEmptyDescription: false);
        var spec = new DesignSpec { Name = name ?? "", Description = description ?? "" };
        T? Get<T>(string key, Func<JsonNode, string, T?> read) where T : struct =>
            top!.TryGetValue(key, out var v) ? read(v.Value, key) : null;
        spec = spec with
        {
            Hook = Get("hook", (n, k) => r.Choice(n, k, Hooks)) ?? spec.Hook,
            PageTables = Get("page_table_mode", (n, k) => r.Choice(n, k, Modes)) ?? spec.PageTables,
            PteUpdates = Get("pte_policy", (n, k) => r.Choice(n, k, Policies)) ?? spec.PteUpdates,
            BatchSize = (int)(Get("batch_size", (n, k) => r.Integer(n, k, 1, 4096)) ?? spec.BatchSize),
            BatchOutsideLazyMode = Get("batch_outside_lazy_mode", (n, k) => r.Bool(n, k)) ?? spec.BatchOutsideLazyMode,
            Hazards = Get("hazard_mode", (n, k) => r.Choice(n, k, HazardModes)) ?? spec.Hazards,
            Pinning = Get("pinning", (n, k) => r.Choice(n, k, PinPolicies)) ?? spec.Pinning,
            Hypervisor = Get("hypervisor", (n, k) => r.Choice(n, k, Hypervisors)) ?? spec.Hypervisor,
            GuestGlobalPages = Get("guest_global_pages", (n, k) => r.Bool(n, k)) ?? spec.GuestGlobalPages,
            GuestGuardsDr7 = Get("guest_guards_dr7", (n, k) => r.Bool(n, k)) ?? spec.GuestGuardsDr7,
            ShadowFill = Get("shadow_fill", (n, k) => r.Choice(n, k, Fills)) ?? spec.ShadowFill,
            ShadowRoots = (int)(Get("shadow_roots", (n, k) => r.Integer(n, k, 1, 1024)) ?? spec.ShadowRoots),
            ShadowOutOfSync = Get("shadow_out_of_sync", (n, k) => r.Bool(n, k)) ?? spec.ShadowOutOfSync,
            IrqFlag = Get("irq_flag", (n, k) => r.Choice(n, k, IrqFlags)) ?? spec.IrqFlag,
            TrapVia = Get("trap_via", (n, k) => r.Choice(n, k, TrapVias)) ?? spec.TrapVia,
            SupervisorModeKernel = Get("supervisor_mode_kernel", (n, k) => r.Bool(n, k)) ?? spec.SupervisorModeKernel,
            CpuState = Get("cpu_state", (n, k) => r.Choice(n, k, CpuStates)) ?? spec.CpuState,
            Syscalls = Get("syscalls", (n, k) => r.Choice(n, k, SyscallPaths)) ?? spec.Syscalls,
            ContextSwitchMulticall = Get("context_switch_multicall", (n, k) => r.Bool(n, k)) ?? spec.ContextSwitchMulticall,
            Ipi = Get("ipi", (n, k) => r.Choice(n, k, Ipis)) ?? spec.Ipi,
        };
        var overrideLines = new Dictionary<HookOp, long>();
        if (top!.TryGetValue("hook_overrides", out var o))
        {
            spec = spec with { HookOverrides = ReadOverrides(r, o.Value, overrideLines) };
        }
        foreach (var problem in spec.CombinationProblems())
        {
            r.Error(root!.Offset, "", problem);
        }
        foreach (var (op, problem) in spec.HookOverrideProblems())
        {
            r.Error(overrideLines[op], "hook_overrides." + HookSites.Of(op).Name, problem);
        }
        r.ThrowIfErrors();
        return spec;
    }

    /// <summary>
    /// hook_overrides: an object from operation-class names (as in hooks.csv) to hook mechanisms. Records where each
    /// class was named, so a combination problem can point at its line.
    /// </summary>
    private static Dictionary<HookOp, HookMechanism> ReadOverrides(ConfigReader r, JsonNode node, Dictionary<HookOp, long> lines)
    {
        var overrides = new Dictionary<HookOp, HookMechanism>();
        var props = r.Object(node, "hook_overrides", HookClassNames, []);
        if (props is null)
        {
            return overrides;
        }
        foreach (var (name, p) in props)
        {
            if (HookSites.Find(name) is { } op && r.Choice(p.Value, "hook_overrides." + name, Hooks) is { } m)
            {
                overrides[op] = m;
                lines[op] = p.NameOffset;
            }
        }
        return overrides;
    }
}
