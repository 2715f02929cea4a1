namespace PerfSim.Core.Trace;

/// <summary>
/// A stream of trace events read once, front to back, in constant memory.
/// Generated workloads and trace files both implement it.
/// </summary>
public interface ITraceSource : IDisposable
{
    /// <summary>A name for messages and reports (file path or generator name).</summary>
    string Name { get; }

    /// <summary>Reads the next event; false at the end of the trace.</summary>
    bool TryRead(out TraceEvent traceEvent);
}
