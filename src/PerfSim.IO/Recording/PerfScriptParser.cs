using System.Globalization;
using System.Text.RegularExpressions;
using PerfSim.Core.Trace;

namespace PerfSim.IO.Recording;

/// <summary>What a tracer's output parsed into: the events in time order, warnings, and whether it ended abruptly.</summary>
public sealed record ParsedRecording(IReadOnlyList<RecordedEvent> Events, IReadOnlyList<string> Warnings, bool Truncated);

/// <summary>
/// Parses the text of <c>perf script --ns --show-mmap-events --show-lost-events -F comm,pid,tid,cpu,time,event,trace</c>
/// over a recording of the tracepoints <see cref="PerfRecorder.Events"/>: system calls from raw_syscalls (numbers and raw
/// arguments; an entry and its exit joined per thread), tasks from sched_process_fork/exec/exit, user-address page
/// faults from exceptions:page_fault_user (and page_fault_kernel on a user address: a copy to or from user memory),
/// switch-ins from sched_switch, signals from signal_deliver, mappings from the MMAP2 records, and lost records.
/// </summary>
public static partial class PerfScriptParser
{
    private const long UserAddressLimit = 0x0000_8000_0000_0000;

    [GeneratedRegex(@"^\s*(?<comm>.*?)\s+(?<pid>-?\d+)/(?<tid>-?\d+)\s+\[(?<cpu>\d+)\]\s+(?<sec>\d+)\.(?<frac>\d+):\s+(?<event>\S+)\s*(?<rest>.*)$")]
    private static partial Regex LineRegex();

    [GeneratedRegex(@"\[(?<addr>0x[0-9a-f]+)\((?<len>0x[0-9a-f]+)\) @ (?<pgoff>\S+) [^\]]*\]:\s+(?<prot>[-r][-w][-x][sp])\s*(?<path>.*)$")]
    private static partial Regex MmapRegex();

    public static ParsedRecording Parse(TextReader reader, string source)
    {
        var events = new List<RecordedEvent>();
        var warnings = new List<string>();
        var pending = new Dictionary<int, RecordedEvent>(); // per thread: the system call entered and not yet exited
        var seen = new HashSet<int>();
        var exited = new HashSet<int>();
        long lineNo = 0;
        string? line;
        while ((line = reader.ReadLine()) is not null)
        {
            lineNo++;
            if (line.Length == 0 || line.TrimStart().StartsWith('#'))
            {
                continue;
            }
            var m = LineRegex().Match(line);
            if (!m.Success)
            {
                throw new TraceException(source, lineNo, "line", $"expected 'comm pid/tid [cpu] seconds.fraction: event ...' from perf script, found '{Clip(line)}'");
            }
            var tid = int.Parse(m.Groups["tid"].ValueSpan, CultureInfo.InvariantCulture);
            var pid = int.Parse(m.Groups["pid"].ValueSpan, CultureInfo.InvariantCulture);
            var ev = m.Groups["event"].Value.TrimEnd(':');
            var rest = m.Groups["rest"].Value;
            if (ev.StartsWith("PERF_RECORD_LOST", StringComparison.Ordinal))
            {
                var lost = LastNumber(rest);
                events.Add(new RecordedEvent(RecordedKind.Lost, Time(m), tid, lineNo) { Pid = pid, Return = lost });
                warnings.Add($"{source}:{lineNo}: perf lost {lost} records here");
                continue;
            }
            if (tid <= 0 || pid <= 0)
            {
                continue; // the kernel's own records (swapper, the kernel map)
            }
            seen.Add(tid);
            var t = Time(m);
            var cpu = int.Parse(m.Groups["cpu"].ValueSpan, CultureInfo.InvariantCulture);
            RecordedEvent Make(RecordedKind kind) => new(kind, t, tid, lineNo) { Pid = pid, Cpu = cpu };
            switch (ev)
            {
                case "raw_syscalls:sys_enter":
                {
                    var (nr, args) = SyscallEnter(rest, source, lineNo);
                    if (pending.Remove(tid, out var unfinished))
                    {
                        events.Add(unfinished with { Unfinished = true });
                    }
                    pending[tid] = Make(RecordedKind.Syscall) with { Name = X86_64Syscalls.NameOf(nr), Args = args, ExitNs = t };
                    break;
                }
                case "raw_syscalls:sys_exit":
                {
                    var (nr, ret) = SyscallExit(rest, source, lineNo);
                    var name = X86_64Syscalls.NameOf(nr);
                    // NR -1: the call was restarted after a signal (the kernel cleared orig_ax): it is the one pending.
                    if (pending.Remove(tid, out var entered) && (entered.Name == name || nr == -1))
                    {
                        events.Add(entered with { Return = ret, ExitNs = t });
                    }
                    else if (name is not ("clone" or "clone3" or "fork" or "vfork" or "execve"))
                    {
                        // (a new task's first record is its return from the clone that made it, and perf starts recording
                        // the command inside its execve: no warning for those)
                        warnings.Add($"{source}:{lineNo}: {name} returned in thread {tid} with no recorded entry (the recording started inside it)");
                    }
                    break;
                }
                case "sched:sched_process_fork":
                    events.Add(Make(RecordedKind.Fork) with { Child = (int)Field(rest, "child_pid", source, lineNo) });
                    break;
                case "sched:sched_process_exec":
                    events.Add(Make(RecordedKind.Exec) with { Path = TextField(rest, "filename") });
                    break;
                case "sched:sched_process_exit":
                    exited.Add(tid);
                    events.Add(Make(RecordedKind.Exit));
                    break;
                case "exceptions:page_fault_user":
                case "exceptions:page_fault_kernel":
                {
                    var address = Field(rest, "address", source, lineNo);
                    if (address is < 0 or >= UserAddressLimit)
                    {
                        break; // a fault on a kernel address is the kernel's own
                    }
                    var code = Field(rest, "error_code", source, lineNo);
                    events.Add(Make(RecordedKind.PageFault) with { Address = address, Present = (code & 1) != 0, Write = (code & 2) != 0, Fetch = (code & 16) != 0 });
                    break;
                }
                case "sched:sched_switch":
                {
                    var next = (int)Field(rest, "next_pid", source, lineNo);
                    if (next > 0)
                    {
                        // The record belongs to the task switched away from; the switch-in is the next task's.
                        events.Add(new RecordedEvent(RecordedKind.SwitchIn, t, next, lineNo) { Cpu = cpu });
                    }
                    break;
                }
                case "signal:signal_deliver":
                {
                    var handler = HexField(rest, "sa_handler", source, lineNo);
                    events.Add(Make(RecordedKind.Signal) with { Signal = (int)Field(rest, "sig", source, lineNo), Handled = handler is not (0 or 1) });
                    break;
                }
                case "PERF_RECORD_MMAP2":
                case "PERF_RECORD_MMAP":
                {
                    var mm = MmapRegex().Match(rest);
                    if (!mm.Success)
                    {
                        throw new TraceException(source, lineNo, "mmap", $"expected '[0xADDR(0xLEN) @ OFFSET ...]: prot path', found '{Clip(rest)}'");
                    }
                    var prot = mm.Groups["prot"].Value;
                    var bits = (prot[0] == 'r' ? 1L : 0) | (prot[1] == 'w' ? 2L : 0) | (prot[2] == 'x' ? 4L : 0);
                    var pgoff = mm.Groups["pgoff"].Value;
                    events.Add(Make(RecordedKind.Mapping) with
                    {
                        Address = Hex(mm.Groups["addr"].Value, source, lineNo, "mmap"),
                        Args = [Hex(mm.Groups["len"].Value, source, lineNo, "mmap"), pgoff.StartsWith("0x", StringComparison.Ordinal) ? Hex(pgoff, source, lineNo, "mmap") : long.Parse(pgoff, CultureInfo.InvariantCulture), bits, prot[3] == 's' ? 1 : 0],
                        Path = mm.Groups["path"].Value.Trim(),
                    });
                    break;
                }
                default:
                    break; // PERF_RECORD_COMM and the like say nothing the model uses
            }
        }
        foreach (var (_, call) in pending.OrderBy(p => p.Value.Line))
        {
            events.Add(call with { Unfinished = true });
        }
        var live = seen.Where(t => !exited.Contains(t)).OrderBy(t => t).ToList();
        if (live.Count > 0)
        {
            warnings.Add($"{source}: the recording ends while thread(s) {string.Join(", ", live)} had not exited: it was cut short");
        }
        var ordered = events.Select((e, i) => (e, i)).OrderBy(x => x.e.TimeNs).ThenBy(x => x.i).Select(x => x.e).ToList();
        return new ParsedRecording(ordered, warnings, live.Count > 0);
    }

    private static long Time(Match m)
    {
        var sec = long.Parse(m.Groups["sec"].ValueSpan, CultureInfo.InvariantCulture);
        var frac = m.Groups["frac"].Value;
        var ns = long.Parse(frac.Length > 9 ? frac[..9] : frac.PadRight(9, '0'), CultureInfo.InvariantCulture);
        return checked(sec * 1_000_000_000 + ns);
    }

    /// <summary>"NR 9 (0, 2000, 3, 22, ffffffff, 0)": the call number and its six arguments (hexadecimal).</summary>
    private static (int Nr, long[] Args) SyscallEnter(string rest, string source, long line)
    {
        var open = rest.IndexOf('(', StringComparison.Ordinal);
        var close = rest.LastIndexOf(')');
        if (!rest.StartsWith("NR ", StringComparison.Ordinal) || open < 0 || close < open)
        {
            throw new TraceException(source, line, "sys_enter", $"expected 'NR n (args)', found '{Clip(rest)}'");
        }
        var nr = ParseInt(rest.AsSpan(3, open - 3).Trim(), source, line, "sys_enter");
        var parts = rest[(open + 1)..close].Split(',', StringSplitOptions.TrimEntries);
        var args = new long[parts.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            if (!ulong.TryParse(parts[i], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var v))
            {
                throw new TraceException(source, line, "sys_enter", $"argument {i + 1} '{parts[i]}' is not hexadecimal");
            }
            args[i] = unchecked((long)v);
        }
        return (nr, args);
    }

    /// <summary>"NR 9 = 140606762852352": the call number and its return value (negative: -errno).</summary>
    private static (int Nr, long Ret) SyscallExit(string rest, string source, long line)
    {
        var eq = rest.IndexOf('=', StringComparison.Ordinal);
        if (!rest.StartsWith("NR ", StringComparison.Ordinal) || eq < 0)
        {
            throw new TraceException(source, line, "sys_exit", $"expected 'NR n = value', found '{Clip(rest)}'");
        }
        var nr = ParseInt(rest.AsSpan(3, eq - 3).Trim(), source, line, "sys_exit");
        var text = rest[(eq + 1)..].Trim();
        if (!long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var ret))
        {
            if (!ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var u))
            {
                throw new TraceException(source, line, "sys_exit", $"return value '{text}' is not a number");
            }
            ret = unchecked((long)u);
        }
        return (nr, ret);
    }

    private static int ParseInt(ReadOnlySpan<char> s, string source, long line, string field) =>
        int.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v) ? v
            : throw new TraceException(source, line, field, $"'{s}' is not a system call number");

    /// <summary>The value of "key=value" in a tracepoint's text: decimal, or hexadecimal with 0x.</summary>
    private static long Field(string rest, string key, string source, long line)
    {
        var text = TextField(rest, key) ?? throw new TraceException(source, line, key, $"the record has no {key}=: '{Clip(rest)}'");
        return text.StartsWith("0x", StringComparison.Ordinal) ? Hex(text, source, line, key)
            : long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v) ? v
            : throw new TraceException(source, line, key, $"'{text}' is not a number");
    }

    /// <summary>A "key=value" whose value perf prints in hexadecimal without 0x (signal_deliver's sa_handler).</summary>
    private static long HexField(string rest, string key, string source, long line)
    {
        var text = TextField(rest, key) ?? throw new TraceException(source, line, key, $"the record has no {key}=: '{Clip(rest)}'");
        var digits = text.StartsWith("0x", StringComparison.Ordinal) ? text[2..] : text;
        return ulong.TryParse(digits, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var v) ? unchecked((long)v)
            : throw new TraceException(source, line, key, $"'{text}' is not hexadecimal");
    }

    private static string? TextField(string rest, string key)
    {
        var at = 0;
        while ((at = rest.IndexOf(key + "=", at, StringComparison.Ordinal)) >= 0)
        {
            if (at == 0 || rest[at - 1] == ' ')
            {
                var start = at + key.Length + 1;
                var end = rest.IndexOf(' ', start);
                return end < 0 ? rest[start..] : rest[start..end];
            }
            at += key.Length;
        }
        return null;
    }

    private static long Hex(string text, string source, long line, string field) =>
        ulong.TryParse(text.AsSpan(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var v) ? unchecked((long)v)
            : throw new TraceException(source, line, field, $"'{text}' is not a hexadecimal number");

    private static long LastNumber(string text)
    {
        var m = Regex.Match(text, @"(\d+)\D*$");
        return m.Success ? long.Parse(m.Groups[1].ValueSpan, CultureInfo.InvariantCulture) : 0;
    }

    private static string Clip(string s) => s.Length <= 120 ? s : s[..120] + "...";
}
