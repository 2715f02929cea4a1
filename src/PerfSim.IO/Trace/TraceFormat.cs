namespace PerfSim.IO.Trace;

/// <summary>The two trace file formats.</summary>
public enum TraceFormat
{
    /// <summary>Human-writable lines of <c>kind key=value ...</c>.</summary>
    Text,
    /// <summary>Compact records after a "PSTR" header.</summary>
    Binary,
}
