namespace PerfSim.IO.Recording;

/// <summary>Lists of address regions [Start, End) as both runs of a recording keep them (mappings with a file offset).</summary>
internal static class Regions
{
    /// <summary>
    /// Removes [lo, hi) from every region it overlaps, keeping what is left on either side: <paramref name="slice"/> makes
    /// the piece of a region from a new start to a new end (moving its file offset with the start).
    /// </summary>
    public static void Cut<T>(List<T> regions, long lo, long hi, Func<T, (long Start, long End)> bounds, Func<T, long, long, T> slice)
    {
        for (var i = regions.Count - 1; i >= 0; i--)
        {
            var r = regions[i];
            var (start, end) = bounds(r);
            if (end <= lo || start >= hi)
            {
                continue;
            }
            regions.RemoveAt(i);
            if (start < lo)
            {
                regions.Add(slice(r, start, lo));
            }
            if (end > hi)
            {
                regions.Add(slice(r, hi, end));
            }
        }
    }
}
