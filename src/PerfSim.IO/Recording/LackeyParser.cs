using System.Globalization;
using PerfSim.Core.Trace;

namespace PerfSim.IO.Recording;

/// <summary>A page the program touched, in valgrind's address space: the page, how, and how many instructions had run before.</summary>
public readonly record struct PageTouch(long Page, AccessKind Access, long InstructionsBefore)
{
    /// <summary>What the page is (image, interpreter, heap, stack, a file's offset, an anonymous mapping), from the log's system calls.</summary>
    public Place Place { get; init; }
}

/// <summary>One process image's memory references from valgrind lackey, compressed to page touches.</summary>
/// <param name="Pid">The process (the log's ==PID== prefix).</param>
/// <param name="Command">The command valgrind ran (its "Command:" line).</param>
/// <param name="Touches">Page touches in program order (a touch whenever the instruction or the data stream moves to another page).</param>
/// <param name="Instructions">Instructions executed.</param>
/// <param name="References">Memory references read (instruction fetches, loads, stores, modifies).</param>
public sealed record LackeyStream(int Pid, string Command, IReadOnlyList<PageTouch> Touches, long Instructions, long References)
{
    /// <summary>The process that started this image (the log's "Parent PID:"), or 0.</summary>
    public int ParentPid { get; init; }

    /// <summary>Processes this image forked, in order, each with the address space it inherited (for its own log).</summary>
    public IReadOnlyList<LackeyFork> Forks { get; init; } = [];

    /// <summary>The file the image's last system call exec'd (the log ends there: the next image of the same process), or null.</summary>
    public string? ExecPath { get; init; }

    /// <summary>The log file it came from.</summary>
    public string Source { get; init; } = "";

    /// <summary>The image's system calls in order (x86_64 names) with the instructions run before each: the points where it lines up with the perf run.</summary>
    public IReadOnlyList<LackeyCall> Calls { get; init; } = [];
}

/// <summary>A system call of a valgrind-run image and how many instructions had run before it; for mmap, munmap and mprotect the length (which tells one mapping from another), else -1.</summary>
public readonly record struct LackeyCall(string Name, long Instructions, long Length = -1);

/// <summary>A process an image forked, and its parent's address space at the fork (the child's log starts from it).</summary>
public sealed record LackeyFork(int Pid, ValgrindLayout Layout);

/// <summary>
/// Reads the log of <c>valgrind --tool=lackey --trace-mem=yes</c> (one file per process image, <c>--log-file=...%p.%n</c>):
/// "I  addr,size" instruction fetches and " L", " S", " M" data references. References are compressed to page
/// granularity per stream: the instruction stream and the data stream each emit a touch only for a page that is not
/// among their last <see cref="Window"/> distinct pages (those would hit in any TLB; this keeps a loop that alternates
/// between its stack, its globals and its heap from touching on every reference); a data touch becomes a write if a
/// store or modify hits the page while the stream still holds it. With <c>sample</c> N > 1 only every N-th of the other
/// touches is kept: a page's first touch and its first write are always kept, so sampling thins the TLB's access stream
/// without losing the page faults and copy-on-write breaks the touches cause.
/// The log's system call trace (<c>--trace-syscalls=yes</c>) gives the layout (<see cref="ValgrindLayout"/>), the
/// processes the image forked and the file it exec'd last.
/// </summary>
public static partial class LackeyParser
{
    private const int PageShift = 12;

    [System.Text.RegularExpressions.GeneratedRegex(@"process \d+ created child (?<child>\d+)")]
    private static partial System.Text.RegularExpressions.Regex ForkLine();

    [System.Text.RegularExpressions.GeneratedRegex(@"sys_execve \( 0x[0-9a-fA-F]+\((?<path>[^)]*)\)")]
    private static partial System.Text.RegularExpressions.Regex ExecLine();

    /// <summary>The pid, parent pid and command of a log, from its first lines (without reading the references).</summary>
    public static (int Pid, int ParentPid, string Command) ReadHeader(TextReader reader)
    {
        int pid = 0, parent = 0;
        var command = "";
        for (var i = 0; i < 50 && reader.ReadLine() is { } line; i++)
        {
            if (!line.StartsWith("==", StringComparison.Ordinal))
            {
                if (line.Length > 0 && line[0] is 'I' or ' ')
                {
                    break;
                }
                continue;
            }
            Header(line, ref pid, ref parent, ref command);
        }
        return (pid, parent, command);
    }

    private static void Header(string line, ref int pid, ref int parent, ref string command)
    {
        var end = line.IndexOf("==", 2, StringComparison.Ordinal);
        if (end > 2 && pid == 0)
        {
            int.TryParse(line.AsSpan(2, end - 2), NumberStyles.None, CultureInfo.InvariantCulture, out pid);
        }
        var c = line.IndexOf("Command: ", StringComparison.Ordinal);
        if (c >= 0 && command.Length == 0)
        {
            command = line[(c + 9)..].Replace("\\ ", " ", StringComparison.Ordinal);
        }
        var pp = line.IndexOf("Parent PID: ", StringComparison.Ordinal);
        if (pp >= 0 && parent == 0)
        {
            int.TryParse(line.AsSpan(pp + 12).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out parent);
        }
    }

    /// <summary>Pages each stream remembers: a reference to one of its last four distinct pages is not a new touch.</summary>
    public const int Window = 4;

    /// <param name="inherited">For a forked child's log: its parent's address space at the fork (<see cref="LackeyFork.Layout"/>).</param>
    public static LackeyStream Parse(TextReader reader, string source, int sample = 1, ValgrindLayout? inherited = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(sample, 1);
        var touches = new List<PageTouch>();
        long instructions = 0, references = 0, emitted = 0;
        var code = new Recent();
        var data = new Recent();
        int pid = 0, parent = 0;
        var command = "";
        var layout = inherited?.Clone() ?? new ValgrindLayout();
        var forks = new List<LackeyFork>();
        string? exec = null;
        var seen = new HashSet<long>();
        var calls = new List<LackeyCall>();
        var written = new HashSet<long>();
        long lineNo = 0;
        string? line;
        int Add(PageTouch t)
        {
            // A page's first touch and first write always count; of the rest, every sample-th.
            var first = seen.Add(t.Page) | (t.Access == AccessKind.Write && written.Add(t.Page));
            if (emitted++ % sample != 0 && !first)
            {
                return -1;
            }
            touches.Add(t with { Place = layout.PlaceOf(t.Page << PageShift) });
            return touches.Count - 1;
        }
        while ((line = reader.ReadLine()) is not null)
        {
            lineNo++;
            if (line.Length < 2)
            {
                continue;
            }
            if (line.StartsWith("==", StringComparison.Ordinal))
            {
                Header(line, ref pid, ref parent, ref command);
                continue;
            }
            if ((line[0] == 'S' || line.StartsWith(" --> ", StringComparison.Ordinal)) && layout.Read(line))
            {
                // valgrind's system call trace: the address space's layout, the forks, the exec that ends the log
                if (line[0] == 'S')
                {
                    exec = null; // an exec is the image's last call only if nothing follows it
                    if (CallNumber(line) is var nr and >= 0)
                    {
                        calls.Add(new LackeyCall(X86_64Syscalls.NameOf(nr), instructions, nr is 9 or 10 or 11 ? SecondArgument(line) : -1));
                    }
                    if (ForkLine().Match(line) is { Success: true } f)
                    {
                        forks.Add(new LackeyFork(int.Parse(f.Groups["child"].ValueSpan, CultureInfo.InvariantCulture), layout.Clone()));
                    }
                    else if (ExecLine().Match(line) is { Success: true } x && !line.Contains("Failure(", StringComparison.Ordinal))
                    {
                        exec = x.Groups["path"].Value;
                    }
                }
                else if (line.Contains("Failure(", StringComparison.Ordinal))
                {
                    exec = null;
                }
                continue;
            }
            var kind = line[0] == 'I' ? 'I' : line[0] == ' ' ? line[1] : '\0';
            if (kind is not ('I' or 'L' or 'S' or 'M'))
            {
                continue; // valgrind's own messages (--pid--) and anything else
            }
            var text = line.AsSpan(kind == 'I' ? 1 : 2).Trim();
            var comma = text.IndexOf(',');
            if (comma <= 0 || !long.TryParse(text[..comma], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var address))
            {
                throw new TraceException(source, lineNo, "address", $"expected 'hexaddress,size' after '{kind}', found '{line.Trim()}'");
            }
            references++;
            var page = address >> PageShift;
            if (kind == 'I')
            {
                instructions++;
                if (code.Find(page) < 0)
                {
                    code.Push(page, Add(new PageTouch(page, AccessKind.Execute, instructions - 1)), write: false);
                }
                continue;
            }
            var write = kind is 'S' or 'M';
            var slot = data.Find(page);
            if (slot < 0)
            {
                data.Push(page, Add(new PageTouch(page, write ? AccessKind.Write : AccessKind.Read, instructions)), write);
            }
            else if (write && !data.Written(slot))
            {
                // The page was written while the stream still held it: its touch becomes a write.
                if (data.TouchIndex(slot) is var i and >= 0)
                {
                    touches[i] = touches[i] with { Access = AccessKind.Write };
                }
                data.MarkWritten(slot);
            }
        }
        for (var i = 0; i < touches.Count; i++)
        {
            touches[i] = touches[i] with { Place = layout.Finish(touches[i].Place) };
        }
        return new LackeyStream(pid, command, touches, instructions, references) { ParentPid = parent, Forks = forks, ExecPath = exec, Source = source, Calls = calls };
    }

    /// <summary>The second argument of a call's line ("sys_mmap ( 0x0, 8192, ..."), a length: decimal, or hex with 0x; -1 if none.</summary>
    private static long SecondArgument(string line)
    {
        var open = line.IndexOf(" ( ", StringComparison.Ordinal);
        var comma = open < 0 ? -1 : line.IndexOf(", ", open, StringComparison.Ordinal);
        if (comma < 0)
        {
            return -1;
        }
        var end = line.IndexOfAny([',', ' ', ')'], comma + 2);
        var text = line.AsSpan(comma + 2, (end < 0 ? line.Length : end) - comma - 2);
        return text.StartsWith("0x", StringComparison.Ordinal)
            ? long.TryParse(text[2..], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var h) ? h : -1
            : long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var d) ? d : -1;
    }

    /// <summary>The call number of a "SYSCALL[pid,tid](nr) ..." line that starts a call, or -1 (a result line "... [async] -->").</summary>
    private static int CallNumber(string line)
    {
        var open = line.IndexOf("](", StringComparison.Ordinal);
        var close = open < 0 ? -1 : line.IndexOf(')', open + 2);
        if (close < 0 || line.AsSpan(close + 1).StartsWith(" ... [async]", StringComparison.Ordinal)
            || !int.TryParse(line.AsSpan(open + 2, close - open - 2), NumberStyles.None, CultureInfo.InvariantCulture, out var nr))
        {
            return -1;
        }
        return nr;
    }

    /// <summary>A stream's last <see cref="Window"/> distinct pages, most recent first, with the touch each one made.</summary>
    private sealed class Recent
    {
        private readonly long[] _pages = [-1, -1, -1, -1];
        private readonly int[] _touch = new int[Window];
        private readonly bool[] _written = new bool[Window];

        public int Find(long page)
        {
            for (var i = 0; i < Window; i++)
            {
                if (_pages[i] == page)
                {
                    if (i > 0)
                    {
                        (_pages[0], _pages[i]) = (_pages[i], _pages[0]);
                        (_touch[0], _touch[i]) = (_touch[i], _touch[0]);
                        (_written[0], _written[i]) = (_written[i], _written[0]);
                    }
                    return 0;
                }
            }
            return -1;
        }

        public void Push(long page, int touch, bool write)
        {
            for (var i = Window - 1; i > 0; i--)
            {
                _pages[i] = _pages[i - 1];
                _touch[i] = _touch[i - 1];
                _written[i] = _written[i - 1];
            }
            (_pages[0], _touch[0], _written[0]) = (page, touch, write);
        }

        public bool Written(int slot) => _written[slot];

        public void MarkWritten(int slot) => _written[slot] = true;

        public int TouchIndex(int slot) => _touch[slot];
    }
}
