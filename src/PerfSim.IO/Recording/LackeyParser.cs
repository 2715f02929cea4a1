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
public sealed record LackeyStream(int Pid, string Command, IReadOnlyList<PageTouch> Touches, long Instructions, long References);

/// <summary>
/// Reads the log of <c>valgrind --tool=lackey --trace-mem=yes</c> (one file per process image, <c>--log-file=...%p.%n</c>):
/// "I  addr,size" instruction fetches and " L", " S", " M" data references. References are compressed to page
/// granularity per stream: the instruction stream and the data stream each emit a touch only for a page that is not
/// among their last <see cref="Window"/> distinct pages (those would hit in any TLB; this keeps a loop that alternates
/// between its stack, its globals and its heap from touching on every reference); a data touch becomes a write if a
/// store or modify hits the page while the stream still holds it. With <c>sample</c> N > 1 only every N-th touch is kept.
/// </summary>
public static class LackeyParser
{
    private const int PageShift = 12;

    /// <summary>Pages each stream remembers: a reference to one of its last four distinct pages is not a new touch.</summary>
    public const int Window = 4;

    public static LackeyStream Parse(TextReader reader, string source, int sample = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(sample, 1);
        var touches = new List<PageTouch>();
        long instructions = 0, references = 0, emitted = 0;
        var code = new Recent();
        var data = new Recent();
        var pid = 0;
        var command = "";
        var layout = new ValgrindLayout();
        long lineNo = 0;
        string? line;
        int Add(PageTouch t)
        {
            if (emitted++ % sample != 0)
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
                continue;
            }
            if ((line[0] == 'S' || line.StartsWith(" --> ", StringComparison.Ordinal)) && layout.Read(line))
            {
                continue; // valgrind's system call trace: the address space's layout
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
        return new LackeyStream(pid, command, touches, instructions, references);
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
