using System.Text;
using PerfSim.Core.Trace;

namespace PerfSim.IO.Trace;

/// <summary>
/// Reads the text trace format (docs/trace-format.md) line by line in constant memory.
/// Every problem is a <see cref="TraceException"/> naming the source, the line and the key.
/// </summary>
public sealed class TextTraceReader : ITraceSource
{
    private const int FieldCount = 6;

    private readonly TextReader _reader;
    private readonly bool _leaveOpen;
    private long _line;

    public TextTraceReader(TextReader reader, string name, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(name);
        _reader = reader;
        _leaveOpen = leaveOpen;
        Name = name;
    }

    /// <summary>Opens the text trace at <paramref name="path"/>; the path is the <see cref="Name"/>.</summary>
    public TextTraceReader(string path)
        : this(new StreamReader(path, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, bufferSize: 1 << 16), path)
    {
    }

    public string Name { get; }

    /// <summary>The number of the last line read (1-based; 0 before the first).</summary>
    public long LineNumber => _line;

    public bool TryRead(out TraceEvent traceEvent)
    {
        while (_reader.ReadLine() is { } text)
        {
            _line++;
            var line = text.AsSpan();
            var comment = line.IndexOf('#');
            if (comment >= 0)
            {
                line = line[..comment];
            }

            line = line.Trim();
            if (!line.IsEmpty)
            {
                traceEvent = Parse(line);
                return true;
            }
        }

        traceEvent = default;
        return false;
    }

    public void Dispose()
    {
        if (!_leaveOpen)
        {
            _reader.Dispose();
        }
    }

    private TraceEvent Parse(ReadOnlySpan<char> line)
    {
        var kindText = NextToken(ref line);
        var spec = TraceSchema.FindByName(kindText)
            ?? throw Error("kind", $"unknown event kind '{kindText}': expected one of {TraceSchema.KindList}");

        Span<long> fields = stackalloc long[FieldCount];
        var keys = spec.Keys;
        foreach (var key in keys)
        {
            fields[(int)key.Field] = key.Default;
        }

        var seen = 0;
        while (!line.IsEmpty)
        {
            var token = NextToken(ref line);
            var equals = token.IndexOf('=');
            if (equals <= 0)
            {
                throw Error(token.ToString(), $"expected key=value, found '{token}'");
            }

            var keyText = token[..equals];
            var valueText = token[(equals + 1)..];
            var index = IndexOfKey(keys, keyText);
            if (index < 0)
            {
                throw Error(keyText.ToString(), $"unknown key for '{spec.Name}': expected one of {spec.KeyList}");
            }

            var key = keys[index];
            if ((seen & (1 << index)) != 0)
            {
                throw Error(key.Key, $"duplicate key: '{key.Key}' appears more than once");
            }

            seen |= 1 << index;
            if (!TraceValues.TryParse(key.Type, valueText, out var value, out var problem))
            {
                throw Error(key.Key, problem!);
            }

            fields[(int)key.Field] = value;
        }

        for (var i = 0; i < keys.Count; i++)
        {
            if (keys[i].Required && (seen & (1 << i)) == 0)
            {
                throw Error(keys[i].Key, $"missing required key '{keys[i].Key}' for '{spec.Name}' ({keys[i].Meaning})");
            }
        }

        return new TraceEvent(spec.Kind, (int)fields[0], (int)fields[1], fields[2], fields[3], fields[4], fields[5]);
    }

    private static int IndexOfKey(IReadOnlyList<TraceKeySpec> keys, ReadOnlySpan<char> key)
    {
        for (var i = 0; i < keys.Count; i++)
        {
            if (key.SequenceEqual(keys[i].Key))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>Cuts the first whitespace-separated token off <paramref name="rest"/>.</summary>
    private static ReadOnlySpan<char> NextToken(ref ReadOnlySpan<char> rest)
    {
        var end = 0;
        while (end < rest.Length && !char.IsWhiteSpace(rest[end]))
        {
            end++;
        }

        var token = rest[..end];
        rest = rest[end..].TrimStart();
        return token;
    }

    private TraceException Error(string field, string problem) => new(Name, _line, field, problem);
}
