using System.Globalization;
using System.Text.RegularExpressions;

namespace PerfSim.IO.Recording;

/// <summary>What a page of a valgrind-run program is, independent of where valgrind put it.</summary>
public enum PlaceKind : byte
{
    /// <summary>Nowhere the log says (valgrind's own pages, a region of no known kind).</summary>
    Unknown,
    /// <summary>The program's image: <see cref="Place.Offset"/> from the lowest image page the program touched.</summary>
    Image,
    /// <summary>The interpreter (ld.so), which valgrind loads at 0x4000000: offset from there.</summary>
    Interpreter,
    /// <summary>The break: offset from its start.</summary>
    Heap,
    /// <summary>The stack: offset below the highest stack page the program touched.</summary>
    Stack,
    /// <summary>A file mapping: <see cref="Place.Path"/> and the byte offset in the file.</summary>
    File,
    /// <summary>The <see cref="Place.Index"/>-th anonymous mmap of the image (from 0): offset from its start.</summary>
    Anonymous,
}

/// <summary>Where a page is, as something both a valgrind run and a perf run of the same program have.</summary>
public readonly record struct Place(PlaceKind Kind, long Offset, string? Path = null, int Index = -1);

/// <summary>
/// Follows a valgrind-run process image's address space from the <c>--trace-syscalls=yes</c> lines of its log (openat
/// and close for file names, mmap, munmap, mremap and brk with their results, which may come on a later line: after
/// "[async] ..." or after valgrind's own interleaved messages) and says what each address is (<see cref="Place"/>).
/// Valgrind's amd64 layout: the interpreter at 0x4000000 with the break after it, the program's image below 0x4000000,
/// the client stack above 64 GB. Image and stack places are relative to the extreme pages touched, which are known
/// only at the end (<see cref="Finish"/>).
/// </summary>
public sealed partial class ValgrindLayout
{
    private const long InterpreterBase = 0x400_0000;
    private const long StackFloor = 0x10_0000_0000;

    [GeneratedRegex(@"^SYSCALL\[(?<pid>\d+),(?<tid>\d+)\]\((?<nr>\d+)\) (?<rest>.*)$")]
    private static partial Regex SyscallLine();

    [GeneratedRegex(@"(?:Success|Failure)\((?<v>0x[0-9a-fA-F]+|\d+)\)")]
    private static partial Regex Result();

    private readonly List<(long Start, long End, string? Path, long Offset, int Anon)> _regions = new();
    private readonly Dictionary<long, string> _fds = new();
    private readonly Dictionary<int, (string Name, string Args)> _pending = new();
    private int _anonymous;
    private long _brkStart = -1, _brk = -1;
    private long _imageLow = long.MaxValue, _stackHigh = long.MinValue;

    /// <summary>
    /// A copy for a forked child's log, which starts with its parent's address space but says nothing about it: the
    /// mappings, open files, break, anonymous mapping count and the extreme image and stack pages seen so far.
    /// </summary>
    public ValgrindLayout Clone()
    {
        var c = new ValgrindLayout { _anonymous = _anonymous, _brkStart = _brkStart, _brk = _brk, _imageLow = _imageLow, _stackHigh = _stackHigh };
        c._regions.AddRange(_regions);
        foreach (var (fd, path) in _fds)
        {
            c._fds[fd] = path;
        }
        return c;
    }

    /// <summary>Reads one log line; returns false when it is not valgrind's syscall trace (so the caller handles it).</summary>
    public bool Read(string line)
    {
        if (line.StartsWith(" --> ", StringComparison.Ordinal))
        {
            // The result of a call whose line valgrind's own messages interrupted.
            if (_pending.Count == 1 && Result().Match(line) is { Success: true } r)
            {
                var (tid, call) = _pending.First();
                _pending.Remove(tid);
                Complete(call.Name, call.Args, line.Contains("Success(", StringComparison.Ordinal), Number(r.Groups["v"].Value));
            }
            return true;
        }
        var m = SyscallLine().Match(line);
        if (!m.Success)
        {
            return false;
        }
        var tidKey = int.Parse(m.Groups["tid"].ValueSpan, CultureInfo.InvariantCulture);
        var rest = m.Groups["rest"].Value;
        if (rest.StartsWith("... [async] -->", StringComparison.Ordinal))
        {
            if (_pending.Remove(tidKey, out var call) && Result().Match(rest) is { Success: true } r)
            {
                Complete(call.Name, call.Args, rest.Contains("Success(", StringComparison.Ordinal), Number(r.Groups["v"].Value));
            }
            return true;
        }
        if (!rest.StartsWith("sys_", StringComparison.Ordinal))
        {
            return true;
        }
        var open = rest.IndexOf(" ( ", StringComparison.Ordinal);
        var close = rest.IndexOf(" )", StringComparison.Ordinal);
        if (open < 0)
        {
            return true;
        }
        var name = rest[..open];
        var args = close >= open + 3 ? rest[(open + 3)..close] : close > open ? "" : rest[(open + 3)..]; // "sys_getpid ( )" has none
        var result = Result().Match(rest, Math.Max(close, open));
        if (result.Success)
        {
            Complete(name, args, rest.Contains("Success(", StringComparison.Ordinal), Number(result.Groups["v"].Value));
        }
        else
        {
            _pending[tidKey] = (name, args); // the result comes later ("[async] ...", or after valgrind's own messages)
        }
        return true;
    }

    private void Complete(string name, string args, bool ok, long value)
    {
        if (!ok)
        {
            return;
        }
        var a = args.Split(", ", StringSplitOptions.None);
        switch (name)
        {
            case "sys_openat" or "sys_open":
            {
                var arg = a[name == "sys_openat" ? 1 : 0];
                var p = arg.IndexOf('(', StringComparison.Ordinal);
                if (p >= 0 && arg.EndsWith(')'))
                {
                    _fds[value] = arg[(p + 1)..^1];
                }
                break;
            }
            case "sys_close":
                _fds.Remove(Number(a[0]));
                break;
            case "sys_mmap" when a.Length >= 6:
            {
                var length = Number(a[1]);
                var flags = Number(a[3]);
                var fd = Number(a[4]);
                Unmap(value, value + length);
                if ((flags & 0x20) != 0 || !_fds.TryGetValue(fd, out var path))
                {
                    _regions.Add((value, value + length, null, 0, _anonymous++));
                }
                else
                {
                    _regions.Add((value, value + length, path, Number(a[5]), -1));
                }
                break;
            }
            case "sys_munmap" when a.Length >= 2:
                Unmap(Number(a[0]), Number(a[0]) + Number(a[1]));
                break;
            case "sys_mremap" when a.Length >= 3:
            {
                var old = _regions.FirstOrDefault(r => r.Start <= Number(a[0]) && Number(a[0]) < r.End);
                Unmap(Number(a[0]), Number(a[0]) + Number(a[1]));
                Unmap(value, value + Number(a[2]));
                _regions.Add(old.End > 0 && old.Path is not null
                    ? (value, value + Number(a[2]), old.Path, old.Offset + (Number(a[0]) - old.Start), -1)
                    : (value, value + Number(a[2]), null, 0, old.End > 0 ? old.Anon : _anonymous++));
                break;
            }
            case "sys_brk":
                if (_brkStart < 0)
                {
                    _brkStart = value;
                }
                _brk = value;
                break;
        }
    }

    private void Unmap(long lo, long hi) =>
        Regions.Cut(_regions, lo, hi, r => (r.Start, r.End),
            (r, start, end) => (start, end, r.Path, r.Path is null ? r.Offset : r.Offset + (start - r.Start), r.Anon));

    /// <summary>What the address is now. Image and stack places hold the raw address until <see cref="Finish"/>.</summary>
    public Place PlaceOf(long address)
    {
        foreach (var r in _regions)
        {
            if (address >= r.Start && address < r.End)
            {
                return r.Path is not null ? new Place(PlaceKind.File, r.Offset + (address - r.Start), r.Path) : new Place(PlaceKind.Anonymous, address - r.Start, null, r.Anon);
            }
        }
        if (_brkStart >= 0 && address >= _brkStart && address < Math.Max(_brk, _brkStart))
        {
            return new Place(PlaceKind.Heap, address - _brkStart);
        }
        if (address >= StackFloor)
        {
            _stackHigh = Math.Max(_stackHigh, address);
            return new Place(PlaceKind.Stack, address);
        }
        if (address >= InterpreterBase)
        {
            // The interpreter runs up to the break valgrind placed after it; above that, nothing the log mapped.
            return _brkStart < 0 || address < _brkStart ? new Place(PlaceKind.Interpreter, address - InterpreterBase) : new Place(PlaceKind.Unknown, address);
        }
        _imageLow = Math.Min(_imageLow, address);
        return new Place(PlaceKind.Image, address);
    }

    /// <summary>Turns the raw image and stack addresses of <paramref name="place"/> into offsets (from the lowest image page, below the highest stack page).</summary>
    public Place Finish(Place place) => place.Kind switch
    {
        PlaceKind.Image => place with { Offset = place.Offset - _imageLow },
        PlaceKind.Stack => place with { Offset = _stackHigh - place.Offset },
        _ => place,
    };

    private static long Number(string text)
    {
        var t = text.Trim();
        var p = t.IndexOf('(', StringComparison.Ordinal);
        if (p > 0)
        {
            t = t[..p];
        }
        return t.StartsWith("0x", StringComparison.Ordinal)
            ? long.Parse(t.AsSpan(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture)
            : long.TryParse(t, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v) ? v : 0;
    }
}
