namespace PerfSim.Core.Engine;

/// <summary>
/// The discrete-event queue: a binary min-heap ordered by (cycle, priority, sequence). The sequence number
/// is assigned at push, so events at equal cycle and priority pop in the order they were scheduled and
/// the order never depends on hashing or the heap's shape.
/// </summary>
public sealed class EventQueue<T>
{
    private Entry[] _heap = new Entry[64];
    private int _count;
    private long _sequence;

    public int Count => _count;

    /// <summary>Schedules an event.</summary>
    public void Push(long cycle, int priority, T item)
    {
        if (_count == _heap.Length)
        {
            Array.Resize(ref _heap, _heap.Length * 2);
        }
        var e = new Entry(cycle, priority, _sequence++, item);
        var i = _count++;
        while (i > 0)
        {
            var parent = (i - 1) >> 1;
            if (!Less(e, _heap[parent]))
            {
                break;
            }
            _heap[i] = _heap[parent];
            i = parent;
        }
        _heap[i] = e;
    }

    /// <summary>The earliest event's time; false when empty.</summary>
    public bool TryPeekCycle(out long cycle)
    {
        if (_count == 0)
        {
            cycle = 0;
            return false;
        }
        cycle = _heap[0].Cycle;
        return true;
    }

    /// <summary>Removes the earliest event.</summary>
    public bool TryPop(out long cycle, out T item)
    {
        if (_count == 0)
        {
            cycle = 0;
            item = default!;
            return false;
        }
        var top = _heap[0];
        var last = _heap[--_count];
        _heap[_count] = default;
        if (_count > 0)
        {
            var i = 0;
            while (true)
            {
                var l = 2 * i + 1;
                if (l >= _count)
                {
                    break;
                }
                var r = l + 1;
                var c = r < _count && Less(_heap[r], _heap[l]) ? r : l;
                if (!Less(_heap[c], last))
                {
                    break;
                }
                _heap[i] = _heap[c];
                i = c;
            }
            _heap[i] = last;
        }
        cycle = top.Cycle;
        item = top.Item;
        return true;
    }

    private static bool Less(in Entry a, in Entry b) =>
        a.Cycle != b.Cycle ? a.Cycle < b.Cycle
        : a.Priority != b.Priority ? a.Priority < b.Priority
        : a.Sequence < b.Sequence;

    private readonly record struct Entry(long Cycle, int Priority, long Sequence, T Item);
}
