using PerfSim.Core.Trace;

namespace PerfSim.Core.Workloads;

/// <summary>
/// A long trace made from a generated one without holding it: the generated trace's start (start-up, warm-up,
/// the measure mark), then its measured iterations over and over until at least the asked-for number of events,
/// then whatever followed its last iteration. Only for loops whose iterations leave the kernel as they found it
/// (every lmbench-style loop: a forked child is reaped, a mapping unmapped, before its pid or address recurs).
/// </summary>
public sealed class RepeatedLoopSource : ITraceSource
{
    private readonly TraceEvent[] _prefix;
    private readonly TraceEvent[] _loop;
    private readonly TraceEvent[] _tail;
    private readonly long _loopEvents;
    private int _part;
    private long _at;
    private long _loopEmitted;

    public RepeatedLoopSource(string name, IReadOnlyList<TraceEvent> generated, long minEvents)
    {
        Name = name;
        var start = -1;
        var lastEnd = -1;
        for (var i = 0; i < generated.Count; i++)
        {
            if (generated[i].Kind == TraceEventKind.Mark && (MarkKind)generated[i].Arg0 == MarkKind.MeasureStart && start < 0)
            {
                start = i;
            }
            if (generated[i].Kind == TraceEventKind.Mark && (MarkKind)generated[i].Arg0 == MarkKind.IterationEnd && start >= 0)
            {
                lastEnd = i;
            }
        }
        if (start < 0 || lastEnd < 0)
        {
            throw new ArgumentException($"{name}: the generated trace has no measured iterations to repeat");
        }
        _prefix = generated.Take(start + 1).ToArray();
        _loop = generated.Skip(start + 1).Take(lastEnd - start).ToArray();
        _tail = generated.Skip(lastEnd + 1).ToArray();
        var rest = Math.Max(0, minEvents - _prefix.Length - _tail.Length);
        _loopEvents = (rest + _loop.Length - 1) / _loop.Length * _loop.Length; // whole passes over the loop
        Events = _prefix.Length + _loopEvents + _tail.Length;
    }

    public string Name { get; }

    /// <summary>Events the source yields in all.</summary>
    public long Events { get; }

    public bool TryRead(out TraceEvent traceEvent)
    {
        while (true)
        {
            switch (_part)
            {
                case 0 when _at < _prefix.Length:
                    traceEvent = _prefix[_at++];
                    return true;
                case 1 when _loopEmitted < _loopEvents:
                    traceEvent = _loop[_at];
                    _at = _at + 1 == _loop.Length ? 0 : _at + 1;
                    _loopEmitted++;
                    return true;
                case 2 when _at < _tail.Length:
                    traceEvent = _tail[_at++];
                    return true;
                case 3:
                    traceEvent = default;
                    return false;
            }
            _part++;
            _at = 0;
        }
    }

    public void Dispose()
    {
    }
}
