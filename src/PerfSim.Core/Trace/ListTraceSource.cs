namespace PerfSim.Core.Trace;

/// <summary>A trace held in memory (generated workloads, tests).</summary>
public sealed class ListTraceSource : ITraceSource
{
    private readonly IReadOnlyList<TraceEvent> _events;
    private int _next;

    public ListTraceSource(string name, IReadOnlyList<TraceEvent> events)
    {
        Name = name;
        _events = events;
    }

    public string Name { get; }

    public bool TryRead(out TraceEvent traceEvent)
    {
        if (_next < _events.Count)
        {
            traceEvent = _events[_next++];
            return true;
        }
        traceEvent = default;
        return false;
    }

    public void Dispose()
    {
    }
}
