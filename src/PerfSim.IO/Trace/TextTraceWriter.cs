using System.Text;
using PerfSim.Core.Trace;

namespace PerfSim.IO.Trace;

/// <summary>
/// Writes events in the canonical text format: one line per event, keys in schema order,
/// single spaces, '\n' line ends, addresses in 0x hex, optional keys left out at their defaults.
/// Reading the output and writing it again gives the same text.
/// </summary>
public sealed class TextTraceWriter : IDisposable
{
    private readonly TextWriter _writer;
    private readonly bool _leaveOpen;
    private readonly string _name;
    private readonly char[] _line = new char[256];

    public TextTraceWriter(TextWriter writer, string name, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(name);
        _writer = writer;
        _name = name;
        _leaveOpen = leaveOpen;
    }

    /// <summary>Creates (or overwrites) the text trace at <paramref name="path"/>, UTF-8 without BOM.</summary>
    public TextTraceWriter(string path)
        : this(new StreamWriter(path, append: false, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), bufferSize: 1 << 16), path)
    {
    }

    /// <summary>Lines written so far, comments included.</summary>
    public long LineCount { get; private set; }

    /// <summary>
    /// Writes one event. An event the text format cannot express (an undefined kind, a value
    /// out of range, a non-zero slot its kind does not use) is a <see cref="TraceException"/>
    /// naming the line it would have been; nothing is written for it.
    /// </summary>
    public void Write(in TraceEvent traceEvent)
    {
        var line = LineCount + 1;
        var spec = TraceSchema.TryFor(traceEvent.Kind)
            ?? throw new TraceException(_name, line, "kind", $"{(int)traceEvent.Kind} is not a defined event kind");

        Span<long> fields =
        [
            traceEvent.Cpu, traceEvent.Pid, traceEvent.Arg0, traceEvent.Arg1, traceEvent.Arg2, traceEvent.Arg3,
        ];
        for (var f = TraceField.Arg0; f <= TraceField.Arg3; f++)
        {
            if (fields[(int)f] != 0 && spec.KeyFor(f) is null)
            {
                throw new TraceException(_name, line, f.ToString(),
                    $"'{spec.Name}' has no key for {f}, but the event holds {fields[(int)f]} there");
            }
        }

        var buffer = _line.AsSpan();
        var n = 0;
        Append(buffer, ref n, spec.Name);
        foreach (var key in spec.Keys)
        {
            var value = fields[(int)key.Field];
            if (!TraceValues.IsValid(key.Type, value))
            {
                throw new TraceException(_name, line, key.Key, $"{value} is not {TraceValues.Describe(key.Type)}");
            }

            if (!key.Required && value == key.Default)
            {
                continue;
            }

            buffer[n++] = ' ';
            Append(buffer, ref n, key.Key);
            buffer[n++] = '=';
            n += TraceValues.Format(key.Type, value, buffer[n..]);
        }

        buffer[n++] = '\n';
        _writer.Write(buffer[..n]);
        LineCount = line;
    }

    /// <summary>Writes <c># text</c> on its own line; <paramref name="text"/> must be a single line.</summary>
    public void WriteComment(string text)
    {
        if (text.AsSpan().ContainsAny('\n', '\r'))
        {
            throw new ArgumentException("a comment must be a single line", nameof(text));
        }

        _writer.Write("# ");
        _writer.Write(text);
        _writer.Write('\n');
        LineCount++;
    }

    public void Flush() => _writer.Flush();

    public void Dispose()
    {
        _writer.Flush();
        if (!_leaveOpen)
        {
            _writer.Dispose();
        }
    }

    private static void Append(Span<char> buffer, ref int n, string text)
    {
        text.CopyTo(buffer[n..]);
        n += text.Length;
    }
}
