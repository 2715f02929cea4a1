namespace PerfSim.IO.Output;

/// <summary>A generated part of a hand-written document, between a begin marker and the end marker that follows it.</summary>
public static class GeneratedSection
{
    public const string EndMarker = "<!-- END GENERATED TABLES -->";

    /// <summary>Replaces the section that starts at <paramref name="beginMarker"/> (through the next end marker and its newline) with <paramref name="generated"/>.</summary>
    public static string Splice(string document, string beginMarker, string generated)
    {
        var begin = document.IndexOf(beginMarker, StringComparison.Ordinal);
        var end = begin < 0 ? -1 : document.IndexOf(EndMarker, begin, StringComparison.Ordinal);
        if (begin < 0 || end < begin)
        {
            throw new ArgumentException($"The document has no generated section starting '{beginMarker}'.", nameof(document));
        }
        var afterEnd = end + EndMarker.Length;
        if (afterEnd < document.Length && document[afterEnd] == '\n')
        {
            afterEnd++;
        }
        return document[..begin] + generated + document[afterEnd..];
    }
}
