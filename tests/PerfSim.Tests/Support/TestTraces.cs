using PerfSim.Core.Trace;
using PerfSim.Core.Workloads;

namespace PerfSim.Tests.Support;

/// <summary>Trace prefixes the model tests share.</summary>
public static class TestTraces
{
    public const long Page = 4096;

    /// <summary>pid 1 execs and starts the default process.</summary>
    public static List<TraceEvent> Started()
    {
        var b = new TraceBuilder();
        b.ExecAndStart(1, ProcessShape.Default);
        return b.Events.ToList();
    }

    /// <summary>A started process that maps <paramref name="pages"/> anonymous pages at MmapBase and writes them all; measuring starts after.</summary>
    public static List<TraceEvent> WithWrittenRegion(int pages)
    {
        var events = Started();
        events.Add(TraceEvent.Mmap(0, 1, TraceBuilder.MmapBase, pages * Page, Protection.Read | Protection.Write, MapFlags.Anonymous));
        events.Add(TraceEvent.Touch(0, 1, TraceBuilder.MmapBase, pages * Page, AccessKind.Write));
        events.Add(TraceEvent.Mark(0, 0, MarkKind.MeasureStart));
        return events;
    }
}
