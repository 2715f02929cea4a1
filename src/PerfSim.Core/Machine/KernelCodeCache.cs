namespace PerfSim.Core.Machine;

/// <summary>
/// Which kernel paths' code is still in a CPU's instruction cache (the trace cache on NetBurst). Kept at
/// path granularity with true LRU: a path's code is resident when the distinct code run since its last use
/// (the sum of the other paths' sizes, its LRU stack distance) fits in the capacity with it. A path's code
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
        return distance <= _capacity ? 0 : size;
    }
}
