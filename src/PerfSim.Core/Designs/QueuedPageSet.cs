namespace PerfSim.Core.Designs;

/// <summary>
/// Which (address space, page) pairs a CPU's PTE-update queue may hold: a filter that lets a PTE read skip the
/// scan of the queue when no queued update touches its page. An open-addressing set of keys, emptied in O(1)
/// by bumping a generation (the queue empties at every flush). A hit only says "maybe": the caller then scans
/// the queue itself, so two pages sharing a key cost a scan, never a wrong answer.
/// </summary>
internal sealed class QueuedPageSet
{
    private readonly long[] _keys;
    private readonly int[] _stamps;
    private readonly int _mask;
    private int _generation = 1;

    public QueuedPageSet(int capacity)
    {
        var size = 16;
        while (size < 4 * capacity)
        {
            size <<= 1;
        }
        _keys = new long[size];
        _stamps = new int[size];
        _mask = size - 1;
    }

    public static long Key(int mmId, long vpn) => ((long)mmId << 36) ^ vpn;

    public void Add(long key)
    {
        for (var h = Home(key); ; h = (h + 1) & _mask)
        {
            if (_stamps[h] != _generation)
            {
                _stamps[h] = _generation;
                _keys[h] = key;
                return;
            }
            if (_keys[h] == key)
            {
                return;
            }
        }
    }

    public bool MayContain(long key)
    {
        for (var h = Home(key); _stamps[h] == _generation; h = (h + 1) & _mask)
        {
            if (_keys[h] == key)
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>Empties the set (the queue was flushed).</summary>
    public void Clear()
    {
        if (++_generation == int.MaxValue)
        {
            Array.Clear(_stamps);
            _generation = 1;
        }
    }

    private int Home(long key) => (int)((ulong)key * 0x9E3779B97F4A7C15UL >> 40) & _mask;
}
