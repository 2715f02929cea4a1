namespace PerfSim.Core.Engine;

/// <summary>
/// The discrete-event queue: a min-heap ordered by (cycle, priority, sequence). The sequence number is
/// assigned at push, so events at equal cycle and priority pop in the order they were scheduled and the
/// order never depends on hashing or the heap's shape.
/// </summary>
/// <remarks>
/// A 4-ary heap (half the depth of a binary one; a node's four children share a cache line or two) whose
/// entries carry priority and sequence packed into one ordering word, so an entry compares with two integer
/// comparisons. Priorities are limited to ±2^22 and a queue's life to 2^40 pushes; both are checked.
/// </remarks>
public sealed class EventQueue<T>
{
    private const int SequenceBits = 40;
    private const long MaxSequence = (1L << SequenceBits) - 1;
    private const int MaxPriority = (1 << 22) - 1;

    private Entry[] _heap = new Entry[64];
    private int _count;
    private long _sequence;

    public int Count => _count;

    /// <summary>Schedules an event.</summary>
    public void Push(long cycle, int priority, T item)
    {
        if (priority > MaxPriority || priority < -MaxPriority - 1)
        {
            throw new ArgumentOutOfRangeException(nameof(priority), priority, $"event priorities lie in [{-MaxPriority - 1}, {MaxPriority}]");
        }
        if (_sequence > MaxSequence)
        {
            throw new InvalidOperationException($"an event queue takes at most {MaxSequence + 1:N0} pushes");
        }
        if (_count == _heap.Length)
        {
            Array.Resize(ref _heap, _heap.Length * 2);
        }
        // The order word: the priority (offset to be non-negative) above the sequence; compares like (priority, sequence).
        var order = ((long)(priority + MaxPriority + 1) << SequenceBits) | _sequence++;
        var heap = _heap;
        var i = _count++;
        while (i > 0)
        {
            var parent = (i - 1) >> 2;
            ref var p = ref heap[parent];
            if (p.Cycle < cycle || (p.Cycle == cycle && p.Order < order))
            {
                break;
            }
            heap[i] = p;
            i = parent;
        }
        heap[i] = new Entry(cycle, order, item);
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
        var heap = _heap;
        cycle = heap[0].Cycle;
        item = heap[0].Item;
        var n = --_count;
        var last = heap[n];
        heap[n] = default;
        if (n > 0)
        {
            // Floyd's bottom-up deletion: walk the hole at the root down to a leaf, always moving the least of
            // up to four children up (no comparison with the last entry on the way: those branches would be
            // unpredictable), then put the last entry in the hole and sift it up, which is usually a step or two.
            var i = 0;
            while (true)
            {
                var first = (i << 2) + 1;
                if (first >= n)
                {
                    break;
                }
                int c;
                if (first + 3 < n)
                {
                    // All four children: a tournament whose winners are computed, not branched to.
                    var a = first + Bit(Less(in heap[first + 1], in heap[first]));
                    var b = first + 2 + Bit(Less(in heap[first + 3], in heap[first + 2]));
                    var bWins = Bit(Less(in heap[b], in heap[a]));
                    c = a + (b - a) * bWins;
                }
                else
                {
                    c = first;
                    for (var k = first + 1; k < n; k++)
                    {
                        if (Less(in heap[k], in heap[c]))
                        {
                            c = k;
                        }
                    }
                }
                heap[i] = heap[c];
                i = c;
            }
            while (i > 0)
            {
                var parent = (i - 1) >> 2;
                if (!Less(in last, in heap[parent]))
                {
                    break;
                }
                heap[i] = heap[parent];
                i = parent;
            }
            heap[i] = last;
        }
        return true;
    }

    private static int Bit(bool b) => System.Runtime.CompilerServices.Unsafe.As<bool, byte>(ref b);

    // Non-short-circuit operators: the comparison compiles without branches (random delays would mispredict them).
    private static bool Less(in Entry a, in Entry b) =>
        (a.Cycle < b.Cycle) | ((a.Cycle == b.Cycle) & (a.Order < b.Order));

    private readonly record struct Entry(long Cycle, long Order, T Item);
}
