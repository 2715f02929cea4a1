namespace PerfSim.IO.Config;

/// <summary>
/// Checks a parsed file against an expected shape, collecting every error with its line and key path
/// instead of stopping at the first one.
/// </summary>
internal sealed class ConfigReader
{
    private readonly byte[] _utf8;
    private readonly List<ConfigError> _errors = [];

    public ConfigReader(string file, byte[] utf8)
    {
        File = file;
        _utf8 = utf8;
    }

    public string File { get; }

    public bool HasErrors => _errors.Count > 0;

    public void Error(long offset, string keyPath, string message) =>
        _errors.Add(new ConfigError(File, JsonTreeReader.LineOf(_utf8, offset), keyPath, message));

    public void ThrowIfErrors()
    {
        if (_errors.Count > 0)
        {
            throw new ConfigException(_errors.ToArray());
        }
    }

    /// <summary>Parses the file; on malformed JSON records the error and returns null.</summary>
    public JsonNode? Parse()
    {
        var root = JsonTreeReader.TryParse(_utf8, out var line, out var message);
        if (root is null)
        {
            _errors.Add(new ConfigError(File, line, null, message!));
        }
        return root;
    }

    /// <summary>
    /// Checks that <paramref name="node"/> is an object whose keys are all in <paramref name="allowed"/> (each at most once)
    /// and include every one of <paramref name="required"/>. Returns the properties by name (valid keys only), or null if not an object.
    /// </summary>
    public Dictionary<string, JsonProperty>? Object(JsonNode node, string path, IReadOnlyCollection<string> allowed, IReadOnlyCollection<string> required)
    {
        if (node.Kind != JsonNodeKind.Object)
        {
            Error(node.Offset, path, $"expected an object, found {node.KindName}");
            return null;
        }
        var found = new Dictionary<string, JsonProperty>(StringComparer.Ordinal);
        foreach (var p in node.Properties)
        {
            var keyPath = Join(path, p.Name);
            if (!allowed.Contains(p.Name))
            {
                Error(p.NameOffset, keyPath, $"unknown key '{p.Name}'{KeySuggester.Hint(p.Name, allowed.Where(a => !found.ContainsKey(a)))}");
            }
            else if (!found.TryAdd(p.Name, p))
            {
                Error(p.NameOffset, keyPath, $"duplicate key '{p.Name}'");
            }
        }
        foreach (var r in required)
        {
            if (!found.ContainsKey(r))
            {
                Error(node.Offset, Join(path, r), $"missing key '{r}'");
            }
        }
        return found;
    }

    public string? String(JsonNode node, string path, bool allowEmpty)
    {
        if (node.Kind != JsonNodeKind.String)
        {
            Error(node.Offset, path, $"expected a string, found {node.KindName}");
            return null;
        }
        if (!allowEmpty && string.IsNullOrWhiteSpace(node.Text))
        {
            Error(node.Offset, path, "must not be empty");
            return null;
        }
        return node.Text;
    }

    public bool? Bool(JsonNode node, string path)
    {
        switch (node.Kind)
        {
            case JsonNodeKind.True:
                return true;
            case JsonNodeKind.False:
                return false;
            default:
                Error(node.Offset, path, $"expected true or false, found {node.KindName}");
                return null;
        }
    }

    public long? Integer(JsonNode node, string path, long min, long max)
    {
        if (node.Kind != JsonNodeKind.Number)
        {
            Error(node.Offset, path, $"expected an integer, found {node.KindName}");
            return null;
        }
        if (node.Integer is not { } v)
        {
            Error(node.Offset, path, $"expected an integer, found {node.Text}");
            return null;
        }
        if (v < min || v > max)
        {
            Error(node.Offset, path, $"{v} is out of range [{min}, {max}]");
            return null;
        }
        return v;
    }

    /// <summary>One of the named choices, e.g. "int80" or "sysenter".</summary>
    public T? Choice<T>(JsonNode node, string path, IReadOnlyList<(string Name, T Value)> choices)
        where T : struct
    {
        var s = String(node, path, allowEmpty: false);
        if (s is null)
        {
            return null;
        }
        foreach (var (name, value) in choices)
        {
            if (name == s)
            {
                return value;
            }
        }
        var names = choices.Select(c => c.Name).ToArray();
        Error(node.Offset, path, $"'{s}' is not one of {string.Join(", ", names.Select(n => $"'{n}'"))}{KeySuggester.Hint(s, names)}");
        return null;
    }

    /// <summary>Reads the "name" (which must equal <paramref name="expectedName"/> when given) and "description" every data file starts with.</summary>
    public (string? Name, string? Description) NameAndDescription(Dictionary<string, JsonProperty> top, string? expectedName, bool allowEmptyDescription)
    {
        string? name = null, description = null;
        if (top.TryGetValue("name", out var n))
        {
            name = String(n.Value, "name", allowEmpty: false);
            if (name is not null && expectedName is not null && name != expectedName)
            {
                Error(n.Value.Offset, "name", $"'{name}' does not match the file name '{expectedName}'");
            }
        }
        if (top.TryGetValue("description", out var d))
        {
            description = String(d.Value, "description", allowEmpty: allowEmptyDescription);
        }
        return (name, description);
    }

    public static string Join(string path, string key) => path.Length == 0 ? key : path + "." + key;
}
