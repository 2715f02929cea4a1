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
    private readonly long[] _lastUse;
    private long _clock;

    public KernelCodeCache(long capacityInstructions, IReadOnlyList<long> pathSizes)
    {
        _capacity = capacityInstructions;
        _size = pathSizes.ToArray();
        _lastUse = new long[_size.Length];
    }

    /// <summary>Runs a path; returns the instructions fetched cold (0 when its code was resident).</summary>
    public long Execute(int path)
    {
        var last = _lastUse[path];
        _lastUse[path] = ++_clock;
        var size = _size[path];
        if (last == 0)
        {
            return size;
        }
        var distance = size;
        for (var i = 0; i < _size.Length; i++)
        {
            if (_lastUse[i] > last && i != path)
            {
                distance += _size[i];
            }
        }
        return Math.Clamp(distance - _capacity, 0, size);
    }
}
