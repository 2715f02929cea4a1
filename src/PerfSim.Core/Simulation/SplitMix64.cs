namespace PerfSim.Core.Simulation;

/// <summary>The run's pseudo-random generator (SplitMix64): small, in-house, so a runtime upgrade cannot change results.</summary>
public sealed class SplitMix64
{
    private ulong _state;

    public SplitMix64(ulong seed) => _state = seed;

    public ulong Next()
    {
        var z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform in [0, bound).</summary>
    public long NextBelow(long bound) => (long)(Next() % (ulong)bound);

    /// <summary>Fisher–Yates shuffle.</summary>
    public void Shuffle<T>(T[] items)
    {
        for (var i = items.Length - 1; i > 0; i--)
        {
            var j = (int)NextBelow(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }
}
