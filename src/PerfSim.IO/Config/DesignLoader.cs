using PerfSim.Core.Designs;

namespace PerfSim.IO.Config;

/// <summary>Loads a design (<c>workloads/designs/&lt;name&gt;.json</c>): a composition of named mechanisms, strictly parsed.</summary>
public static class DesignLoader
{
    private static readonly string[] TopKeys = ["name", "description", "hook", "page_table_mode", "pte_policy", "hypervisor"];

    private static readonly (string, HookMechanism)[] Hooks = [("inline", HookMechanism.Inline)];
    private static readonly (string, PageTableMode)[] Modes = [("native", PageTableMode.Native)];
    private static readonly (string, PtePolicy)[] Policies = [("immediate", PtePolicy.Immediate)];
    private static readonly (string, bool)[] Hypervisors = [("none", false)];

    public static DesignSpec Load(string path) =>
        Parse(ConfigFile.ReadUtf8(path), path, Path.GetFileNameWithoutExtension(path));

    public static DesignSpec Parse(byte[] utf8, string file, string? expectedName = null)
    {
        var r = new ConfigReader(file, ConfigFile.StripBom(utf8));
        var root = r.Parse();
        r.ThrowIfErrors();
        var top = r.Object(root!, "", TopKeys, TopKeys);
        string? name = null, description = null;
        HookMechanism? hook = null;
        PageTableMode? mode = null;
        PtePolicy? policy = null;
        bool? hv = null;
        if (top is not null)
        {
            (name, description) = r.NameAndDescription(top, expectedName, allowEmptyDescription: false);
            if (top.TryGetValue("hook", out var h))
            {
                hook = r.Choice(h.Value, "hook", Hooks);
            }
            if (top.TryGetValue("page_table_mode", out var m))
            {
                mode = r.Choice(m.Value, "page_table_mode", Modes);
            }
            if (top.TryGetValue("pte_policy", out var p))
            {
                policy = r.Choice(p.Value, "pte_policy", Policies);
            }
            if (top.TryGetValue("hypervisor", out var x))
            {
                hv = r.Choice(x.Value, "hypervisor", Hypervisors);
            }
        }
        r.ThrowIfErrors();
        return new DesignSpec(name!, description!, hook!.Value, mode!.Value, policy!.Value, hv!.Value);
    }
}
