namespace PerfSim.IO.Config;

internal enum JsonNodeKind
{
    Object,
    Array,
    String,
    Number,
    True,
    False,
    Null,
}

/// <summary>A JSON value that remembers the byte offset of its first token, so errors can name a line.</summary>
internal sealed class JsonNode
{
    public JsonNodeKind Kind { get; init; }

    /// <summary>Byte offset of the value's first token in the file.</summary>
    public long Offset { get; init; }

    /// <summary>The string of a String node; the raw text of a Number node.</summary>
    public string? Text { get; init; }

    /// <summary>The value of a Number node that is an integer fitting in a long.</summary>
    public long? Integer { get; init; }

    /// <summary>Properties of an Object node, in file order.</summary>
    public List<JsonProperty> Properties { get; } = [];

    /// <summary>Items of an Array node.</summary>
    public List<JsonNode> Items { get; } = [];

    public string KindName => Kind switch
    {
        JsonNodeKind.Object => "an object",
        JsonNodeKind.Array => "an array",
        JsonNodeKind.String => "a string",
        JsonNodeKind.Number => "a number",
        JsonNodeKind.True or JsonNodeKind.False => "a boolean",
        _ => "null",
    };
}

/// <summary>A property of a JSON object, with the byte offset of its name.</summary>
internal sealed record JsonProperty(string Name, long NameOffset, JsonNode Value);
