using PerfSim.Core.Trace;

namespace PerfSim.IO.Trace;

/// <summary>
/// The text name of one <see cref="TraceEventKind"/> and its keys, in canonical order
/// (the order <see cref="TextTraceWriter"/> writes them).
/// </summary>
public sealed record TraceKindSpec(TraceEventKind Kind, string Name, string Meaning, IReadOnlyList<TraceKeySpec> Keys)
{
    /// <summary>The key filling <paramref name="field"/>, or null when this kind leaves the slot at zero.</summary>
    public TraceKeySpec? KeyFor(TraceField field)
    {
        foreach (var key in Keys)
        {
            if (key.Field == field)
            {
                return key;
            }
        }

        return null;
    }

    /// <summary>The keys as a comma-separated list, for messages and documentation.</summary>
    public string KeyList => string.Join(", ", Keys.Select(k => k.Key));
}
