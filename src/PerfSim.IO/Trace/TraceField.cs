namespace PerfSim.IO.Trace;

/// <summary>The slot of a <see cref="PerfSim.Core.Trace.TraceEvent"/> that a trace key fills.</summary>
public enum TraceField : byte
{
    Cpu = 0,
    Pid = 1,
    Arg0 = 2,
    Arg1 = 3,
    Arg2 = 4,
    Arg3 = 5,
}
