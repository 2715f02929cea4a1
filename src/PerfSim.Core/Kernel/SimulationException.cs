namespace PerfSim.Core.Kernel;

/// <summary>A trace that is well-formed but impossible for the kernel model (e.g. waiting for an unknown child).</summary>
public sealed class SimulationException : Exception
{
    public SimulationException(string message) : base(message)
    {
    }
}
