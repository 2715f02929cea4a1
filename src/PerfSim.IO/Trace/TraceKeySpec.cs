namespace PerfSim.IO.Trace;

/// <summary>
/// One <c>key=value</c> of a text trace line: which event slot it fills, how its value is
/// written, and whether it may be left out (then the slot holds <paramref name="Default"/>).
/// </summary>
public sealed record TraceKeySpec(
    string Key,
    TraceField Field,
    TraceValueType Type,
    bool Required,
    long Default,
    string Meaning);
