namespace PerfSim.Core.Machine;

/// <summary>
/// Which kernel paths' code is still in a CPU's instruction cache (the trace cache on NetBurst), kept at
/// path granularity in LRU order. When a path runs again, the distinct code run since its last use plus its
/// own size (its LRU stack distance) is compared with the capacity: whatever exceeds the capacity, up to the
/// path's own size, was evicted and is fetched cold; a path never run before is cold entirely. A path's code
/// size is its instruction count per execution; a path run N times in a row fetches its code once.
/// </summary>
public sealed class KernelCodeCache
{
    private readonly long _capacity;
    private readonly long[] _size;
    private readonly int[] _mru; // path ids, most recently used first
    private int _used;

    public KernelCodeCache(long capacityInstructions, IReadOnlyList<long> pathSizes)
    {
        _capacity = capacityInstructions;
        _size = pathSizes.ToArray();
        _mru = new int[_size.Length];
    }

    /// <summary>Runs a path; returns the instructions fetched cold (0 when its code was resident).</summary>
    public long Execute(int path)
    {
        // Walk the MRU list from the front, summing the code run since this path's last use. Tight loops
        // find their path within the first few entries.
        if (_used > 0 && _mru[0] == path)
        {
            // Run again at once: its code is resident unless it alone is larger than the cache.
            return Math.Clamp(_size[path] - _capacity, 0, _size[path]);
        }
        long distance = 0;
        var at = -1;
        for (var i = 0; i < _used; i++)
        {
            if (_mru[i] == path)
            {
                at = i;
                break;
            }
            distance += _size[_mru[i]];
        }
        var size = _size[path];
        long cold;
        if (at < 0)
        {
            cold = size;
            at = _used++;
        }
        else
        {
            cold = Math.Clamp(distance + size - _capacity, 0, size);
        }
        if (at < 8)
        {
            for (var i = at; i > 0; i--) // a short shift: cheaper than a call to Array.Copy
            {
                _mru[i] = _mru[i - 1];
            }
        }
        else
        {
            Array.Copy(_mru, 0, _mru, 1, at);
        }
        _mru[0] = path;
        return cold;
    }
}
