using PerfSim.Core.Machine;
using PerfSim.Core.Platform;
using PerfSim.Core.Simulation;

namespace PerfSim.Core.Designs;

/// <summary>Assembles the platform a design's mechanisms describe.</summary>
public static class DesignFactory
{
    public static IPlatform Create(ResolvedConfig config, MachineModel machine) => new ComposedDesign(config, machine);
}
