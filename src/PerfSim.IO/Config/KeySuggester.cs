namespace PerfSim.IO.Config;

/// <summary>Suggests the valid key nearest (by edit distance) to a misspelt one.</summary>
public static class KeySuggester
{
    /// <summary>The nearest candidate, or null if none is close enough to be a plausible typo.</summary>
    public static string? Nearest(string key, IEnumerable<string> candidates)
    {
        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var c in candidates)
        {
            var d = Distance(key, c);
            if (d < bestDistance || (d == bestDistance && best is not null && string.CompareOrdinal(c, best) < 0))
            {
                best = c;
                bestDistance = d;
            }
        }
        if (best is null)
        {
            return null;
        }
        var limit = Math.Max(2, Math.Max(key.Length, best.Length) / 3);
        return bestDistance <= limit ? best : null;
    }

    /// <summary>" (did you mean 'x'?)" or the empty string.</summary>
    public static string Hint(string key, IEnumerable<string> candidates) =>
        Nearest(key, candidates) is { } s ? $" (did you mean '{s}'?)" : "";

    /// <summary>Levenshtein distance.</summary>
    public static int Distance(string a, string b)
    {
        var prev = new int[b.Length + 1];
        var cur = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            prev[j] = j;
        }
        for (var i = 1; i <= a.Length; i++)
        {
            cur[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                cur[j] = Math.Min(Math.Min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            (prev, cur) = (cur, prev);
        }
        return prev[b.Length];
    }
}
