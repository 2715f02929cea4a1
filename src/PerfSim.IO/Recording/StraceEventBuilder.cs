namespace PerfSim.IO.Recording;

/// <summary>
/// The state of one strace recording while <see cref="StraceParser"/> reads it line by line: calls waiting for their
/// <c>resumed</c> half, each task's thread group, the signals each process catches, the tasks still running. It turns
/// lines into <see cref="RecordedEvent"/>s and, at the end, sorts them by time.
/// </summary>
internal sealed class StraceEventBuilder
{
    private const long CloneVm = 0x100;
    private const long CloneVfork = 0x4000;
    private const long CloneThread = 0x10000;
    private const long SigChld = 17;

    private readonly string _source;
    private readonly List<Item> _items = [];
    private readonly List<string> _warnings = [];
    private readonly List<Range> _scratch = [];

    /// <summary>Calls printed as <c>name(args &lt;unfinished ...&gt;</c>, by task, until their <c>&lt;... name resumed&gt;</c> line.</summary>
    private readonly Dictionary<int, OpenCall> _open = [];

    /// <summary>Each task's thread group id (its process).</summary>
    private readonly Dictionary<int, int> _processOf = [];

    /// <summary>Tasks seen before the fork that made them returned in the parent: the indices of their events so far.</summary>
    private readonly Dictionary<int, List<int>> _unresolved = [];

    /// <summary>Tasks with a <c>+++</c> line (a later line for the same id is a new task that reuses it).</summary>
    private readonly HashSet<int> _ended = [];

    /// <summary>Tasks seen or forked that have no <c>+++</c> line yet.</summary>
    private readonly HashSet<int> _running = [];

    /// <summary>Per process: the signals with a user handler.</summary>
    private readonly Dictionary<int, Handlers> _handlers = [];

    private int _sequence;

    public StraceEventBuilder(string source) => _source = source;

    /// <summary>One line's event text (after <c>PID SECONDS.MICROSECONDS</c>).</summary>
    public void Add(int tid, long timeNs, long line, string text)
    {
        var pid = ProcessOf(tid);
        _running.Add(tid);
        if (text.StartsWith("+++ ", StringComparison.Ordinal))
        {
            TaskEnded(tid, pid, timeNs, line, text);
        }
        else if (text.StartsWith("--- ", StringComparison.Ordinal))
        {
            SignalDelivered(tid, pid, timeNs, line, text);
        }
        else if (text.StartsWith("<... ", StringComparison.Ordinal))
        {
            Resumed(tid, pid, timeNs, line, text);
        }
        else if (CutUnfinished(text) is { } head)
        {
            Opened(tid, timeNs, line, head);
        }
        else if (StraceSyntax.TryParseCall(text, _scratch, out var call, out var problem))
        {
            Completed(call, tid, pid, timeNs, line, timeNs, line);
        }
        else
        {
            Warn(line, $"skipped '{StraceSyntax.Shorten(text)}': {problem}");
        }
    }

    public void Warn(long line, string message) => _warnings.Add($"{_source}:{line}: {message}");

    /// <summary>Ends the recording: calls still open become unfinished syscalls, and tasks without a <c>+++</c> line mean it was cut short.</summary>
    public StraceParseResult Finish()
    {
        foreach (var (tid, call) in _open.OrderBy(open => open.Value.Line))
        {
            Close(tid, call, call.TimeNs, "the recording ends first", warn: true);
        }

        _open.Clear();
        var truncated = _running.Count > 0;
        if (truncated)
        {
            var tasks = string.Join(", ", _running.Order());
            _warnings.Add($"{_source}: the recording ends before task(s) {tasks} exited (no '+++ exited' or '+++ killed' line): it was cut short");
        }

        _items.Sort(static (a, b) => a.Event.TimeNs != b.Event.TimeNs ? a.Event.TimeNs.CompareTo(b.Event.TimeNs)
            : a.OrderLine != b.OrderLine ? a.OrderLine.CompareTo(b.OrderLine)
            : a.Sequence.CompareTo(b.Sequence));
        var events = _items.ConvertAll(item => item.Event);
        return new StraceParseResult(events, _warnings.ToArray(), truncated);
    }

    private void Opened(int tid, long timeNs, long line, string head)
    {
        if (StraceSyntax.CallNameLength(head) == 0)
        {
            Warn(line, $"skipped '{StraceSyntax.Shorten(head)}': expected NAME(ARGUMENTS <unfinished ...>");
            return;
        }

        if (_open.Remove(tid, out var earlier))
        {
            Close(tid, earlier, earlier.TimeNs, $"task {tid} started another call at line {line}", warn: true);
        }

        _open[tid] = new OpenCall(head, timeNs, line);
    }

    private void Resumed(int tid, int pid, long timeNs, long line, string text)
    {
        var marker = text.IndexOf(" resumed>", StringComparison.Ordinal);
        if (marker < 0)
        {
            Warn(line, $"skipped '{StraceSyntax.Shorten(text)}': expected '<... NAME resumed>'");
            return;
        }

        var name = text[5..marker];
        var tail = text[(marker + " resumed>".Length)..].Replace(" <unfinished ...>", "", StringComparison.Ordinal);
        if (!_open.TryGetValue(tid, out var call) || !call.Head.AsSpan().StartsWith($"{name}("))
        {
            Warn(line, $"skipped '<... {name} resumed>': task {tid} has no unfinished {name} call");
            return;
        }

        _open.Remove(tid);
        if (!StraceSyntax.TryParseCall(call.Head + tail, _scratch, out var joined, out var problem))
        {
            Warn(call.Line, $"skipped {name} (lines {call.Line} and {line}): {problem}");
            return;
        }

        Completed(joined, tid, pid, call.TimeNs, call.Line, timeNs, line);
    }

    /// <summary>
    /// A call that returned: the syscall event, then what it did to the tasks (a fork, an exec, a new signal action).
    /// strace -T measures the call from its entry, so the exit is entry + duration; without a duration, the time of the
    /// line that printed the result.
    /// </summary>
    private void Completed(StraceCall call, int tid, int pid, long entryNs, long line, long resultNs, long resultLine)
    {
        if (call.UnknownErrno is { } errno)
        {
            Warn(line, $"{call.Name}: unknown errno name '{errno}': the return value is left at -1");
        }

        var exitNs = call.DurationNs is { } duration ? entryNs + duration : resultNs;
        Emit(new RecordedEvent(RecordedKind.Syscall, entryNs, tid, line)
        {
            Pid = pid,
            Name = call.Name,
            Args = call.Args,
            Return = call.Return,
            ExitNs = exitNs,
            Unfinished = call.Unfinished,
            Path = call.Path,
        }, line);
        if (call.Unfinished)
        {
            return;
        }

        if (IsFork(call.Name) && call.Return > 0)
        {
            Forked(tid, pid, entryNs, line, call);
        }
        else if (IsExec(call.Name) && call.Return == 0)
        {
            Emit(new RecordedEvent(RecordedKind.Exec, exitNs, tid, line) { Pid = pid, ExitNs = exitNs, Path = call.Path }, resultLine);
            _handlers[pid] = default;
        }
        else if (call.Name == "rt_sigaction" && call.Return == 0 && call.SetsAction)
        {
            SetAction(pid, call);
        }
    }

    private void Forked(int tid, int pid, long timeNs, long line, StraceCall call)
    {
        var flags = ForkFlags(call.Name, call.Args);
        var child = (int)call.Return;
        Emit(new RecordedEvent(RecordedKind.Fork, timeNs, tid, line)
        {
            Pid = pid,
            ExitNs = timeNs,
            Child = child,
            Thread = (flags & CloneVm) != 0 && (flags & CloneVfork) == 0,
            VFork = call.Name == "vfork" || (flags & CloneVfork) != 0,
        }, line);
        Adopt(child, (flags & CloneThread) != 0 ? pid : child, pid);
    }

    /// <summary>The fork that made <paramref name="child"/> returned: its process is now known, also for lines it printed before.</summary>
    private void Adopt(int child, int childPid, int parentPid)
    {
        if (_unresolved.Remove(child, out var earlierEvents))
        {
            if (_processOf[child] != childPid)
            {
                foreach (var index in earlierEvents)
                {
                    _items[index] = _items[index] with { Event = _items[index].Event with { Pid = childPid } };
                }

                if (childPid == child)
                {
                    _handlers[child] = _handlers.GetValueOrDefault(parentPid);
                }
            }

            _processOf[child] = childPid;
            return;
        }

        _processOf[child] = childPid;
        _ended.Remove(child);
        _running.Add(child);
        if (childPid == child)
        {
            _handlers[child] = _handlers.GetValueOrDefault(parentPid);
        }
    }

    /// <summary>The thread group of <paramref name="tid"/>; on its first line, the root's own, or a guess until its fork returns.</summary>
    private int ProcessOf(int tid)
    {
        if (_processOf.TryGetValue(tid, out var pid) && !_ended.Contains(tid))
        {
            return pid;
        }

        _ended.Remove(tid);
        pid = _processOf.Count == 0 ? tid : GuessProcess(tid);
        _processOf[tid] = pid;
        return pid;
    }

    /// <summary>
    /// A task printing before its parent's fork returned (a vfork child, a thread that runs first): when exactly one fork is
    /// in progress, it is the parent (its flags say thread or process, and a process inherits its signal handlers).
    /// </summary>
    private int GuessProcess(int tid)
    {
        _unresolved[tid] = [];
        int? parent = null;
        foreach (var (openTid, call) in _open)
        {
            if (openTid != tid && IsFork(call.Name))
            {
                parent = parent is null ? openTid : -1;
            }
        }

        if (parent is not { } parentTid || parentTid < 0)
        {
            _handlers[tid] = default;
            return tid;
        }

        var started = StraceSyntax.ParseOpenCall(_open[parentTid].Head, _scratch);
        var parentPid = _processOf[parentTid];
        if ((ForkFlags(started.Name, started.Args) & CloneThread) != 0)
        {
            return parentPid;
        }

        _handlers[tid] = _handlers.GetValueOrDefault(parentPid);
        return tid;
    }

    private void SetAction(int pid, StraceCall call)
    {
        var signal = call.Args[0];
        if (signal is < 1 or > StraceNames.MaxSignal)
        {
            return;
        }

        var bit = 1UL << (int)(signal - 1);
        var handlers = _handlers.GetValueOrDefault(pid);
        var userHandler = call.Args[1] is not (0 or 1);
        _handlers[pid] = userHandler
            ? new Handlers(handlers.Caught | bit, call.ResetsOnDelivery ? handlers.OneShot | bit : handlers.OneShot & ~bit)
            : new Handlers(handlers.Caught & ~bit, handlers.OneShot & ~bit);
    }

    /// <summary><c>--- SIGCHLD {...} ---</c>: a signal delivered; <c>--- stopped by SIGSTOP ---</c> only notes a group stop.</summary>
    private void SignalDelivered(int tid, int pid, long timeNs, long line, string text)
    {
        var name = StraceSyntax.FirstWord(text.AsSpan(4), out _);
        if (name.SequenceEqual("stopped"))
        {
            return;
        }

        if (!StraceNames.TrySignal(name, out var signal))
        {
            Warn(line, $"skipped '{StraceSyntax.Shorten(text)}': unknown signal '{name}'");
            return;
        }

        var bit = 1UL << (signal - 1);
        var handlers = _handlers.GetValueOrDefault(pid);
        var handled = (handlers.Caught & bit) != 0;
        if (handled && (handlers.OneShot & bit) != 0)
        {
            _handlers[pid] = new Handlers(handlers.Caught & ~bit, handlers.OneShot & ~bit);
        }

        Emit(new RecordedEvent(RecordedKind.Signal, timeNs, tid, line) { Pid = pid, ExitNs = timeNs, Signal = signal, Handled = handled }, line);
    }

    /// <summary><c>+++ exited with N +++</c>, <c>+++ killed by SIGX [(core dumped)] +++</c>, <c>+++ superseded by execve in pid N +++</c>.</summary>
    private void TaskEnded(int tid, int pid, long timeNs, long line, string text)
    {
        var body = text.AsSpan(4).TrimEnd().TrimEnd('+').TrimEnd();
        var exit = new RecordedEvent(RecordedKind.Exit, timeNs, tid, line) { Pid = pid, ExitNs = timeNs };
        if (body.StartsWith("exited with ") && StraceSyntax.TryParseInteger(body["exited with ".Length..], out var status))
        {
            exit = exit with { Return = status };
        }
        else if (body.StartsWith("killed by "))
        {
            var name = StraceSyntax.FirstWord(body["killed by ".Length..], out _);
            if (!StraceNames.TrySignal(name, out var signal))
            {
                Warn(line, $"unknown signal '{name}' killed task {tid}");
            }

            exit = exit with { Signal = signal };
        }
        else if (body.StartsWith("superseded by execve in pid ")
            && int.TryParse(body["superseded by execve in pid ".Length..], out var execTid))
        {
            Superseded(tid, pid, timeNs, line, execTid);
            return;
        }
        else
        {
            Warn(line, $"skipped '{StraceSyntax.Shorten(text)}': expected '+++ exited with N +++' or '+++ killed by SIGNAL +++'");
            return;
        }

        End(tid, timeNs);
        Emit(exit, line);
    }

    /// <summary>
    /// A thread other than the leader called execve: it continues as the leader (its execve resumes under the leader's id)
    /// and its own id ends here (an Exit event for it).
    /// </summary>
    private void Superseded(int leaderTid, int pid, long timeNs, long line, int execTid)
    {
        if (_open.Remove(leaderTid, out var leaderCall))
        {
            Close(leaderTid, leaderCall, timeNs, "its thread group was replaced by execve", warn: false);
        }

        if (_open.Remove(execTid, out var execCall))
        {
            _open[leaderTid] = execCall;
        }

        _processOf.TryAdd(execTid, pid);
        End(execTid, timeNs);
        Emit(new RecordedEvent(RecordedKind.Exit, timeNs, execTid, line) { Pid = pid, ExitNs = timeNs }, line);
    }

    private void End(int tid, long timeNs)
    {
        if (_open.Remove(tid, out var call))
        {
            Close(tid, call, timeNs, $"task {tid} ended first", warn: !IsEnding(call.Head));
        }

        _running.Remove(tid);
        _ended.Add(tid);
    }

    /// <summary>A call that never got its resumed line: an unfinished syscall with the arguments printed so far.</summary>
    private void Close(int tid, OpenCall open, long endNs, string reason, bool warn)
    {
        var call = StraceSyntax.ParseOpenCall(open.Head, _scratch);
        if (warn)
        {
            Warn(open.Line, $"{call.Name} never returned: {reason}");
        }

        Emit(new RecordedEvent(RecordedKind.Syscall, open.TimeNs, tid, open.Line)
        {
            Pid = _processOf.GetValueOrDefault(tid, tid),
            Name = call.Name,
            Args = call.Args,
            ExitNs = Math.Max(endNs, open.TimeNs),
            Unfinished = true,
            Path = call.Path,
        }, open.Line);
    }

    private void Emit(RecordedEvent recorded, long orderLine)
    {
        if (_unresolved.TryGetValue(recorded.Tid, out var indices))
        {
            indices.Add(_items.Count);
        }

        _items.Add(new Item(recorded, orderLine, _sequence++));
    }

    /// <summary>The head of <c>name(args &lt;unfinished ...&gt;</c> (or <c>&lt;pid changed to N ...&gt;</c>, a thread's execve), else null.</summary>
    private static string? CutUnfinished(string text)
    {
        if (text.EndsWith(" <unfinished ...>", StringComparison.Ordinal))
        {
            return text[..^" <unfinished ...>".Length];
        }

        var changed = text.LastIndexOf(" <pid changed to ", StringComparison.Ordinal);
        return changed > 0 && text.EndsWith(" ...>", StringComparison.Ordinal) ? text[..changed] : null;
    }

    private static long ForkFlags(string name, long[] args) => name switch
    {
        "clone" or "clone3" => args.Length > 0 ? args[0] : 0,
        "vfork" => CloneVm | CloneVfork | SigChld,
        _ => SigChld,
    };

    private static bool IsFork(string name) => name is "clone" or "clone3" or "fork" or "vfork";

    private static bool IsExec(string name) => name is "execve" or "execveat";

    /// <summary>Calls a task may be inside when it ends without their result printed.</summary>
    private static bool IsEnding(string head) =>
        head.StartsWith("exit(", StringComparison.Ordinal) || head.StartsWith("exit_group(", StringComparison.Ordinal)
        || head.StartsWith("execve(", StringComparison.Ordinal) || head.StartsWith("execveat(", StringComparison.Ordinal);

    private readonly record struct Item(RecordedEvent Event, long OrderLine, int Sequence);

    private sealed record OpenCall(string Head, long TimeNs, long Line)
    {
        public string Name => Head[..Math.Max(0, Head.IndexOf('('))];
    }

    /// <summary>Bit n-1 set: signal n runs a user handler (<see cref="OneShot"/>: only once, SA_RESETHAND).</summary>
    private readonly record struct Handlers(ulong Caught, ulong OneShot);
}
