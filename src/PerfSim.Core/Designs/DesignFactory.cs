using PerfSim.Core.Machine;
using PerfSim.Core.Platform;
using PerfSim.Core.Simulation;

namespace PerfSim.Core.Designs;

/// <summary>Assembles the platform a design's mechanisms describe.</summary>
public static class DesignFactory
{
    public static IPlatform Create(ResolvedConfig config, MachineModel machine)
    {
        var d = config.Design;
        if (d.Hook == HookMechanism.Inline && d.PageTables == PageTableMode.Native && d.PteUpdates == PtePolicy.Immediate && !d.Hypervisor)
        {
            return new NativeDesign(config, machine);
        }
        throw new NotSupportedException($"design '{d.Name}': this combination of mechanisms is not implemented.");
    }
}
