using System.Text;

namespace PerfSim.IO.Output;

/// <summary>
/// Writes a file so that readers see either the old content or the whole new content, never a part:
/// the bytes go to a uniquely named temporary file in the same directory, are flushed to disk, and the
/// temporary file is then renamed over the target. On failure the temporary file is deleted and the
/// target is left as it was. The directory must exist.
/// </summary>
public static class AtomicFile
{
    private static readonly UTF8Encoding Utf8NoBom = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Writes <paramref name="content"/> as UTF-8 without a byte-order mark, with "\r\n" normalized to "\n".</summary>
    public static void WriteAllText(string path, string content)
    {
        ArgumentNullException.ThrowIfNull(content);
        var bytes = Utf8NoBom.GetBytes(content.Replace("\r\n", "\n", StringComparison.Ordinal));
        Write(path, stream => stream.Write(bytes));
    }

    /// <summary>Lets <paramref name="write"/> fill a temporary file, then replaces <paramref name="path"/> with it.</summary>
    public static void Write(string path, Action<Stream> write)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(write);

        var fullPath = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(fullPath)
            ?? throw new ArgumentException($"'{path}' names no file.", nameof(path));
        var tempPath = Path.Combine(directory, TempName(Path.GetFileName(fullPath)));

        try
        {
            using (var stream = new FileStream(tempPath, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(tempPath, fullPath, overwrite: true);
        }
        catch
        {
            TryDelete(tempPath);
            throw;
        }
    }

    /// <summary>True for names this class gives its temporary files, so callers and tests can recognise leftovers.</summary>
    public static bool IsTempName(string fileName) =>
        fileName.StartsWith('.') && fileName.EndsWith(".tmp", StringComparison.Ordinal);

    private static string TempName(string fileName) => $".{fileName}.{Guid.NewGuid():N}.tmp";

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // Keep the original exception; a leftover temp file is named so it can be recognised.
        }
        catch (UnauthorizedAccessException)
        {
            // As above.
        }
    }
}
