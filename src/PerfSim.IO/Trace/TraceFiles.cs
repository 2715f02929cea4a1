using PerfSim.Core.Trace;

namespace PerfSim.IO.Trace;

/// <summary>Opening, writing and converting trace files; the format is recognised by content, not by extension.</summary>
public static class TraceFiles
{
    /// <summary>Binary if the file starts with the "PSTR" magic, text otherwise (an empty file is an empty text trace).</summary>
    public static TraceFormat DetectFormat(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1);
        Span<byte> magic = stackalloc byte[4];
        var read = stream.ReadAtLeast(magic, magic.Length, throwOnEndOfStream: false);
        return magic[..read].SequenceEqual(BinaryTraceFormat.Magic) ? TraceFormat.Binary : TraceFormat.Text;
    }

    /// <summary>Opens the trace at <paramref name="path"/> in whichever format it is.</summary>
    public static ITraceSource Open(string path) => DetectFormat(path) switch
    {
        TraceFormat.Binary => new BinaryTraceReader(path),
        _ => new TextTraceReader(path),
    };

    /// <summary>
    /// Writes every event of <paramref name="source"/> to <paramref name="path"/> atomically: into
    /// a temporary file in the same directory, then moved over <paramref name="path"/>. On any
    /// error the temporary file is deleted and <paramref name="path"/> is untouched. Returns the event count.
    /// </summary>
    public static long Write(string path, ITraceSource source, TraceFormat format)
    {
        ArgumentNullException.ThrowIfNull(source);
        var fullPath = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(fullPath) ?? ".";
        var temporary = Path.Combine(directory, $".{Path.GetFileName(fullPath)}.{Guid.NewGuid():N}.tmp");
        long count;
        try
        {
            count = format == TraceFormat.Binary ? WriteBinary(temporary, source) : WriteText(temporary, source);
            File.Move(temporary, fullPath, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }

        return count;
    }

    /// <summary>Converts a trace of either format to binary (<paramref name="toBinary"/>) or text, atomically. Returns the event count.</summary>
    public static long Convert(string inputPath, string outputPath, bool toBinary)
    {
        using var source = Open(inputPath);
        return Write(outputPath, source, toBinary ? TraceFormat.Binary : TraceFormat.Text);
    }

    private static long WriteBinary(string path, ITraceSource source)
    {
        using var writer = new BinaryTraceWriter(path);
        while (source.TryRead(out var traceEvent))
        {
            writer.Write(traceEvent);
        }

        writer.Complete();
        return writer.Count;
    }

    private static long WriteText(string path, ITraceSource source)
    {
        using var writer = new TextTraceWriter(path);
        long count = 0;
        while (source.TryRead(out var traceEvent))
        {
            count++;
            try
            {
                writer.Write(traceEvent);
            }
            catch (TraceException e)
            {
                throw new TraceException(source.Name, count, e.Field, $"event {count} cannot be written as text: {e.Problem}");
            }
        }

        return count;
    }
}
