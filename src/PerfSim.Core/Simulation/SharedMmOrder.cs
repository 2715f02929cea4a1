using PerfSim.Core.Kernel;
using PerfSim.Core.Trace;

namespace PerfSim.Core.Simulation;

/// <summary>
/// With several CPUs, tasks that share an address space (threads, a vfork child) must see its layout change in trace
/// order: a page fault or touch by one thread may not run before an earlier mmap, munmap or mprotect by another, and a
/// layout change may not run before another thread's earlier access (the trace recorded the access while the mapping
/// was there). Nothing else orders threads of one process, so without this a recorded munmap could overtake the fault
/// that came before it. Events are numbered by their place in the trace; an event that must wait starts no earlier than
/// the end of the last event it waited for.
/// </summary>
internal sealed class SharedMmOrder
{
    private readonly LinuxKernel _kernel;
    private readonly Dictionary<int, Queue<long>> _layout = new();
    private readonly Dictionary<int, Queue<long>> _access = new();
    private readonly Dictionary<AddressSpace, (long Layout, long Any)> _lastEnd = new();

    public SharedMmOrder(LinuxKernel kernel, IReadOnlyList<TraceEvent> trace)
    {
        _kernel = kernel;
        for (var i = 0; i < trace.Count; i++)
        {
            var e = trace[i];
            var q = ClassOf(e) switch
            {
                Class.Layout => _layout,
                Class.Access => _access,
                _ => null,
            };
            if (q is null)
            {
                continue;
            }
            if (!q.TryGetValue(e.Pid, out var list))
            {
                q[e.Pid] = list = new Queue<long>();
            }
            list.Enqueue(i);
        }
    }

    private enum Class
    {
        None,
        Layout,
        Access,
    }

    private static Class ClassOf(in TraceEvent e) => e.Kind switch
    {
        TraceEventKind.Mmap or TraceEventKind.Munmap or TraceEventKind.Mprotect => Class.Layout,
        TraceEventKind.PageFault or TraceEventKind.Touch => Class.Access,
        _ => Class.None,
    };

    /// <summary>
    /// Whether trace event <paramref name="seq"/> may run now; when it may, the cycle it may start at the earliest
    /// (the end of the last shared-mm event it depends on; 0 when it depends on none).
    /// </summary>
    public bool CanRun(in TraceEvent e, long seq, out long notBefore)
    {
        notBefore = 0;
        var c = ClassOf(e);
        if (c == Class.None || _kernel.Find(e.Pid) is not { } p || p.Mm.Users <= 1)
        {
            return true;
        }
        if (EarlierElsewhere(_layout, e.Pid, seq, p.Mm) || (c == Class.Layout && EarlierElsewhere(_access, e.Pid, seq, p.Mm)))
        {
            return false;
        }
        if (_lastEnd.TryGetValue(p.Mm, out var last))
        {
            notBefore = c == Class.Layout ? last.Any : last.Layout;
        }
        return true;
    }

    /// <summary>Whether another live task of <paramref name="mm"/> has a pending event of this class earlier in the trace than <paramref name="seq"/>.</summary>
    private bool EarlierElsewhere(Dictionary<int, Queue<long>> pendingByPid, int pid, long seq, AddressSpace mm)
    {
        foreach (var (other, pending) in pendingByPid)
        {
            if (other != pid && pending.Count > 0 && pending.Peek() < seq && _kernel.Find(other) is { Exited: false } q && q.Mm == mm)
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>Event <paramref name="seq"/> was applied and ended at <paramref name="end"/>.</summary>
    public void Applied(in TraceEvent e, long seq, long end)
    {
        var c = ClassOf(e);
        if (c == Class.None)
        {
            return;
        }
        var q = c == Class.Layout ? _layout : _access;
        if (q.TryGetValue(e.Pid, out var pending) && pending.Count > 0 && pending.Peek() == seq)
        {
            pending.Dequeue();
        }
        if (_kernel.Find(e.Pid) is { } p)
        {
            var last = _lastEnd.GetValueOrDefault(p.Mm);
            _lastEnd[p.Mm] = (c == Class.Layout ? Math.Max(last.Layout, end) : last.Layout, Math.Max(last.Any, end));
        }
    }
}
