using PerfSim.Core.Trace;

namespace PerfSim.Benchmarks;

/// <summary>A generated trace's start, then its measured iterations repeated to at least the given number of events.</summary>
internal static class RepeatedLoop
{
    public static IEnumerable<TraceEvent> Of(IReadOnlyList<TraceEvent> generated, long minEvents)
    {
        var start = -1;
        for (var i = 0; i < generated.Count && start < 0; i++)
        {
            if (generated[i].Kind == TraceEventKind.Mark && (MarkKind)generated[i].Arg0 == MarkKind.MeasureStart)
            {
                start = i;
            }
        }
        for (var i = 0; i <= start; i++)
        {
            yield return generated[i];
        }
        long n = start + 1;
        while (n < minEvents)
        {
            for (var i = start + 1; i < generated.Count; i++, n++)
            {
                yield return generated[i];
            }
        }
    }
}
