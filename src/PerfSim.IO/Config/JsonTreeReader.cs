using System.Text.Json;

namespace PerfSim.IO.Config;

/// <summary>Reads UTF-8 JSON strictly (no comments, no trailing commas) into <see cref="JsonNode"/>s with byte offsets.</summary>
internal static class JsonTreeReader
{
    private static readonly JsonReaderOptions Options = new()
    {
        CommentHandling = JsonCommentHandling.Disallow,
        AllowTrailingCommas = false,
        MaxDepth = 64,
    };

    /// <summary>Parses <paramref name="utf8"/>; on malformed JSON returns null and sets the 1-based line and message.</summary>
    public static JsonNode? TryParse(ReadOnlySpan<byte> utf8, out int errorLine, out string? errorMessage)
    {
        errorLine = 0;
        errorMessage = null;
        var reader = new Utf8JsonReader(utf8, Options);
        try
        {
            if (!reader.Read())
            {
                errorLine = 1;
                errorMessage = "the file is empty; expected a JSON object";
                return null;
            }
            var root = ReadValue(ref reader);
            if (reader.Read())
            {
                errorLine = LineOf(utf8, reader.TokenStartIndex);
                errorMessage = "unexpected content after the end of the JSON value";
                return null;
            }
            return root;
        }
        catch (JsonException e)
        {
            errorLine = (int)(e.LineNumber ?? 0) + 1;
            errorMessage = "malformed JSON: " + StripPosition(e.Message);
            return null;
        }
        catch (InvalidOperationException e) when (e.InnerException is System.Text.DecoderFallbackException)
        {
            // A string with bytes that are not UTF-8: the reader's position is the token's start.
            errorLine = LineOf(utf8, reader.TokenStartIndex);
            errorMessage = "the file is not valid UTF-8 (a string holds bytes that are not UTF-8 text)";
            return null;
        }
    }

    /// <summary>1-based line of a byte offset.</summary>
    public static int LineOf(ReadOnlySpan<byte> utf8, long offset)
    {
        var end = (int)Math.Min(offset, utf8.Length);
        return utf8[..end].Count((byte)'\n') + 1;
    }

    private static string StripPosition(string message)
    {
        // The reader's message ends with "LineNumber: n | BytePositionInLine: m."; the line is reported separately.
        var i = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        return i > 0 ? message[..i].TrimEnd() : message;
    }

    private static JsonNode ReadValue(ref Utf8JsonReader reader)
    {
        var offset = reader.TokenStartIndex;
        switch (reader.TokenType)
        {
            case JsonTokenType.StartObject:
            {
                var node = new JsonNode { Kind = JsonNodeKind.Object, Offset = offset };
                while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
                {
                    var nameOffset = reader.TokenStartIndex;
                    var name = reader.GetString()!;
                    reader.Read();
                    node.Properties.Add(new JsonProperty(name, nameOffset, ReadValue(ref reader)));
                }
                return node;
            }
            case JsonTokenType.StartArray:
            {
                var node = new JsonNode { Kind = JsonNodeKind.Array, Offset = offset };
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    node.Items.Add(ReadValue(ref reader));
                }
                return node;
            }
            case JsonTokenType.String:
                return new JsonNode { Kind = JsonNodeKind.String, Offset = offset, Text = reader.GetString() };
            case JsonTokenType.Number:
            {
                long? integer = reader.TryGetInt64(out var v) ? v : null;
                var raw = System.Text.Encoding.UTF8.GetString(reader.ValueSpan);
                return new JsonNode { Kind = JsonNodeKind.Number, Offset = offset, Text = raw, Integer = integer };
            }
            case JsonTokenType.True:
                return new JsonNode { Kind = JsonNodeKind.True, Offset = offset };
            case JsonTokenType.False:
                return new JsonNode { Kind = JsonNodeKind.False, Offset = offset };
            default:
                return new JsonNode { Kind = JsonNodeKind.Null, Offset = offset };
        }
    }
}
