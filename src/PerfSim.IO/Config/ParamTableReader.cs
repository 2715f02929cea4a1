using PerfSim.Core.Machine;

namespace PerfSim.IO.Config;

/// <summary>
/// Reads a table of parameters keyed by <see cref="ParamDef.Key"/>, each written as
/// <c>{"&lt;unit key&gt;": integer, "source": "text"}</c>. Every parameter must be present.
/// </summary>
internal static class ParamTableReader
{
    private const string SourceKey = "source";

    private static readonly HashSet<string> UnitKeys = Enum.GetValues<ParamUnit>().Select(u => u.Key()).ToHashSet(StringComparer.Ordinal);

    public static (long[] Values, string[] Sources) Read(ConfigReader r, JsonNode node, string path, IReadOnlyList<ParamDef> defs)
    {
        var values = new long[defs.Count];
        var sources = new string[defs.Count];
        var keys = defs.Select(d => d.Key).ToArray();
        var table = r.Object(node, path, keys, keys);
        if (table is null)
        {
            return (values, sources);
        }
        for (var i = 0; i < defs.Count; i++)
        {
            var def = defs[i];
            if (!table.TryGetValue(def.Key, out var prop))
            {
                continue;
            }
            var entryPath = ConfigReader.Join(path, def.Key);
            var unitKey = def.Unit.Key();
            if (prop.Value.Kind == JsonNodeKind.Object)
            {
                foreach (var p in prop.Value.Properties)
                {
                    if (p.Name != unitKey && UnitKeys.Contains(p.Name))
                    {
                        r.Error(p.NameOffset, ConfigReader.Join(entryPath, p.Name), $"wrong unit key '{p.Name}': {def.Key} is given in '{unitKey}'");
                    }
                }
                // Unit keys already reported above are left out of the generic unknown-key check.
                var filtered = new JsonNode { Kind = JsonNodeKind.Object, Offset = prop.Value.Offset };
                filtered.Properties.AddRange(prop.Value.Properties.Where(p => p.Name == unitKey || !UnitKeys.Contains(p.Name)));
                var entry = r.Object(filtered, entryPath, [unitKey, SourceKey], [unitKey, SourceKey]);
                if (entry is null)
                {
                    continue;
                }
                if (entry.TryGetValue(unitKey, out var v) && r.Integer(v.Value, ConfigReader.Join(entryPath, unitKey), def.Min, def.Max) is { } value)
                {
                    values[i] = value;
                }
                if (entry.TryGetValue(SourceKey, out var s) && r.String(s.Value, ConfigReader.Join(entryPath, SourceKey), allowEmpty: false) is { } source)
                {
                    sources[i] = source;
                }
            }
            else
            {
                r.Error(prop.Value.Offset, entryPath, $"expected an object like {{\"{unitKey}\": <integer>, \"source\": \"...\"}}, found {prop.Value.KindName}");
            }
        }
        return (values, sources);
    }
}
