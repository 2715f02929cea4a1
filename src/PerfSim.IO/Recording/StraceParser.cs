using System.Globalization;
using PerfSim.Core.Trace;

namespace PerfSim.IO.Recording;

/// <summary>
/// Reads the output of <c>strace -f -ttt -T -X raw -s 256 -o FILE -- CMD</c> into <see cref="RecordedEvent"/>s.
/// <list type="bullet">
/// <item>Every line is <c>PID SECONDS.MICROSECONDS TEXT</c>; a line without them is a <see cref="TraceException"/>.</item>
/// <item>A call becomes a Syscall event; its halves (<c>&lt;unfinished ...&gt;</c>, <c>&lt;... name resumed&gt;</c>) are joined.
/// The exit time is entry + the -T duration (strace measures from the entry).</item>
/// <item>A successful clone, clone3, fork or vfork is also a Fork event right after it; a successful execve also an Exec
/// event at its exit time. A CLONE_THREAD child belongs to its parent's process (<see cref="RecordedEvent.Pid"/>).</item>
/// <item><c>--- SIGNAL {...} ---</c> is a Signal event, handled when the process set a user handler with rt_sigaction
/// (inherited by fork, reset by execve); <c>+++ exited/killed +++</c> is an Exit event.</item>
/// <item>Events come sorted by time (a joined call at its entry time), ties in file order. Cpu is -1: strace does not say.</item>
/// </list>
/// </summary>
public static class StraceParser
{

    /// <summary>Parses strace -f -ttt -T -X raw output. <paramref name="source"/> names the file in errors and warnings.</summary>
    public static StraceParseResult Parse(TextReader reader, string source)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(source);
        var builder = new StraceEventBuilder(source);
        long lineNumber = 0;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            if (line.StartsWith("strace: ", StringComparison.Ordinal))
            {
                builder.Warn(lineNumber, $"skipped strace's own message '{StraceSyntax.Shorten(line)}'");
                continue;
            }

            var (tid, timeNs, text) = SplitHead(line, source, lineNumber);
            builder.Add(tid, timeNs, lineNumber, text);
        }

        return builder.Finish();
    }

    /// <summary>Cuts <c>PID SECONDS.MICROSECONDS</c> off the front of a line.</summary>
    private static (int Tid, long TimeNs, string Text) SplitHead(string line, string source, long lineNumber)
    {
        var rest = line.AsSpan().TrimStart();
        var pidText = NextToken(ref rest);
        if (!int.TryParse(pidText, NumberStyles.None, CultureInfo.InvariantCulture, out var tid) || tid <= 0)
        {
            throw new TraceException(source, lineNumber, "pid",
                $"expected 'PID SECONDS.MICROSECONDS ...' (strace -f -ttt -o FILE), found '{StraceSyntax.Shorten(line)}'");
        }

        var timeText = NextToken(ref rest);
        if (!StraceSyntax.TryParseSeconds(timeText, out var timeNs))
        {
            throw new TraceException(source, lineNumber, "timestamp",
                $"expected seconds.microseconds since the epoch after the pid (strace -ttt), found '{StraceSyntax.Shorten(timeText.ToString())}'");
        }

        return (tid, timeNs, rest.ToString());
    }

    private static ReadOnlySpan<char> NextToken(ref ReadOnlySpan<char> rest)
    {
        var end = rest.IndexOfAny(' ', '\t');
        var token = end < 0 ? rest : rest[..end];
        rest = end < 0 ? default : rest[end..].TrimStart();
        return token;
    }
}
