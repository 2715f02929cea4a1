using PerfSim.Core.Trace;

namespace PerfSim.IO.Recording;

/// <summary>How to turn a recording into a trace.</summary>
/// <param name="HostMhz">The recording machine's clock: user time between kernel events becomes compute cycles at this rate.</param>
/// <param name="KeepCpus">Keep the CPU each event ran on (perf only); otherwise every event says <c>cpu=any</c> and the simulated scheduler places it.</param>
/// <param name="ReadImage">Reads an executable's text, data and bss pages when the tracer did not report its mappings (strace); null, or null for a file: a default image.</param>
/// <param name="WrapperExecs">Execs of the first task that belong to the recorder (a wrapper that restores the environment): the trace starts at the exec after them.</param>
public sealed record ConvertOptions(double HostMhz, bool KeepCpus = false, Func<string, (long Text, long Data, long Bss)?>? ReadImage = null, int WrapperExecs = 0);

/// <summary>What the recording held, as the converter counted it (checked against the kernel's own counts in tests).</summary>
public sealed record RecordingCounts
{
    public int Processes { get; init; }
    public int Threads { get; init; }
    public int Execs { get; init; }
    public long PageFaults { get; init; }
    public long FaultsDropped { get; init; }
    public long Syscalls { get; init; }
    public long Lost { get; init; }
    public long ComputeCycles { get; init; }
    public long Events { get; init; }
}

/// <summary>The trace, what was counted, and notes on what could not be carried over.</summary>
public sealed record ConversionResult(IReadOnlyList<TraceEvent> Events, RecordingCounts Counts, IReadOnlyList<string> Notes);

/// <summary>
/// Turns what a tracer saw (x86_64 Linux: system call names, 47-bit addresses) into a PerfSim trace for the i386 kernel
/// model. Each thread is a PerfSim process (threads forked with <see cref="ForkFlags.Thread"/>). Addresses are moved into
/// the 3 GB i386 user space region by region, each linearly (<see cref="Converter"/>'s Reloc): an executable's image to
/// 0x08048000, where the model's exec lays out text, data and bss; the heap to 0x0A000000; the mmap area below
/// 0xBF000000; the stack so that its top is the model's stack top (0xC0000000). Page faults are kept only inside
/// mappings the recording shows (the vDSO's and the like are the kernel's). User time between a thread's kernel events,
/// while it ran on a CPU, becomes <see cref="TraceEventKind.Compute"/> cycles at the recording machine's clock.
/// </summary>
public static class RecordingConverter
{
    private const long Page = 4096;
    private const long ModelImageBase = 0x0804_8000;
    private const long ModelStackTop = 0xC000_0000;
    private const long ModelHeapBase = 0x0A00_0000;
    private const long ModelHeapLimit = 0x1000_0000;
    private const long ModelMmapTop = 0xBF00_0000;
    private const long ModelMmapBottom = ModelHeapLimit;
    /// <summary>Room above the first mmap of a recording that did not report execve's own mappings (strace): where ld.so and the like sit.</summary>
    private const long MmapHeadroom = 64L << 20;
    private const long MinComputeCycles = 200;

    public static ConversionResult Convert(ParsedRecording recording, ConvertOptions options, string source)
    {
        var c = new Converter(recording, options, source);
        c.Run();
        return new ConversionResult(c.Output(), c.Counts(), c.Notes);
    }

    /// <summary>One address space: its image and stack placement, its mappings (real addresses, pages), its break.</summary>
    private sealed class Mm
    {
        public long ImageLo = -1, ImageHi = -1;
        public long StackLo = -1, StackHi = -1;
        public PageRanges Mapped = new();
        public long Brk = -1;
        public HashSet<int> SignalsInstalled = new();

        /// <summary>The break's first address (the heap's anchor) and the top of the mmap area (its anchor), or -1 before they are known.</summary>
        public long HeapReal = -1, MmapTopReal = -1;

        public Mm Copy() => new()
        {
            ImageLo = ImageLo, ImageHi = ImageHi, StackLo = StackLo, StackHi = StackHi, Mapped = Mapped.Copy(), Brk = Brk,
            SignalsInstalled = new HashSet<int>(SignalsInstalled), HeapReal = HeapReal, MmapTopReal = MmapTopReal,
        };
    }

    private sealed class Converter(ParsedRecording rec, ConvertOptions o, string source)
    {
        private readonly List<(long Time, long Seq, TraceEvent E)> _out = new();
        private readonly Dictionary<int, Mm> _mm = new();
        private readonly Dictionary<int, int> _tgid = new();
        private readonly HashSet<int> _alive = new();
        private readonly Dictionary<int, int> _parent = new();
        private readonly Dictionary<int, long> _exitAt = new();
        private readonly Dictionary<int, long> _cpuNs = new();
        private readonly Dictionary<int, long> _runningSince = new();
        private readonly Dictionary<int, long> _mark = new();
        private readonly Dictionary<int, long> _carry = new();
        private readonly Dictionary<int, int> _onCpu = new();
        private readonly HashSet<(int Tgid, int Sig)> _handled = new();
        private readonly bool _switches = rec.Events.Any(e => e.Kind == RecordedKind.SwitchIn);
        private readonly ILookup<int, RecordedEvent> _byTid = rec.Events.ToLookup(e => e.Tid);
        private readonly HashSet<RecordedEvent> _execFaults = new(ReferenceEqualityComparer.Instance);
        private long _seq;
        private int _processes, _threads, _execs;
        private long _faults, _dropped, _syscalls, _lost, _compute, _unplaced;

        public List<string> Notes { get; } = new();

        public RecordingCounts Counts() => new()
        {
            Processes = _processes, Threads = _threads, Execs = _execs, PageFaults = _faults, FaultsDropped = _dropped,
            Syscalls = _syscalls, Lost = _lost, ComputeCycles = _compute, Events = _out.Count,
        };

        public List<TraceEvent> Output() => _out.OrderBy(x => x.Time).ThenBy(x => x.Seq).Select(x => x.E).ToList();

        public void Run()
        {
            var events = rec.Events;
            foreach (var e in events)
            {
                if (e.Pid > 0)
                {
                    _tgid.TryAdd(e.Tid, e.Pid);
                }
                if (e.Kind == RecordedKind.Exit)
                {
                    _exitAt.TryAdd(e.Tid, e.TimeNs);
                }
                if (e.Kind == RecordedKind.Signal && e.Handled)
                {
                    _handled.Add((TgidOf(e.Tid), e.Signal));
                }
            }
            var first = events.FirstOrDefault(e => e.Kind == RecordedKind.Exec)
                ?? throw new TraceException(source, 0, "exec", "the recording has no successful execve: nothing ran");
            var root = events.Where(e => e.Kind == RecordedKind.Exec && e.Tid == first.Tid).Skip(o.WrapperExecs).FirstOrDefault()
                ?? throw new TraceException(source, 0, "exec", $"the recording's first task never exec'd the command (after {o.WrapperExecs} exec(s) of the recorder's own)");
            _alive.Add(root.Tid);
            _mm[root.Tid] = new Mm();
            // Faults the kernel takes inside an execve (loading the image, clearing its bss tail, copying the arguments
            // onto the new stack) are on the new image: they follow the exec, not precede it.
            foreach (var x in events.Where(x => x.Kind == RecordedKind.Exec))
            {
                var call = _byTid[x.Tid].FirstOrDefault(s => s.Kind == RecordedKind.Syscall && s.Name is "execve" or "execveat" && s.TimeNs <= x.TimeNs && s.ExitNs >= x.TimeNs);
                if (call is not null)
                {
                    _execFaults.UnionWith(_byTid[x.Tid].Where(f => f.Kind == RecordedKind.PageFault && f.TimeNs >= call.TimeNs && f.TimeNs <= x.TimeNs));
                }
            }
            _processes = 1;
            var started = false;
            foreach (var e in events)
            {
                if (!started)
                {
                    if (e != root)
                    {
                        continue; // the tracer's own start-up before the command's exec
                    }
                    started = true;
                }
                if (e.Kind == RecordedKind.SwitchIn)
                {
                    SwitchIn(e);
                    continue;
                }
                if (e.Kind == RecordedKind.Lost)
                {
                    _lost += e.Return;
                    continue;
                }
                if (!_alive.Contains(e.Tid))
                {
                    continue;
                }
                switch (e.Kind)
                {
                    case RecordedKind.Syscall:
                        Syscall(e);
                        break;
                    case RecordedKind.Fork:
                        Fork(e);
                        break;
                    case RecordedKind.Exec:
                        Exec(e);
                        break;
                    case RecordedKind.Exit:
                        Emit(e.Tid, e.TimeNs, e.TimeNs, TraceEvent.Exit(Cpu(e), e.Tid), e);
                        _alive.Remove(e.Tid);
                        break;
                    case RecordedKind.PageFault when !_execFaults.Contains(e):
                        PageFault(e);
                        break;
                    case RecordedKind.Signal:
                        if (e.Handled && _mm[e.Tid].SignalsInstalled.Contains(e.Signal))
                        {
                            Emit(e.Tid, e.TimeNs, e.TimeNs, TraceEvent.SigDeliver(Cpu(e), e.Tid, e.Signal), e);
                        }
                        break;
                    case RecordedKind.Mapping:
                        break; // outside an exec, an mmap's or a break's own record: its system call already said it
                }
            }
            if (_dropped > 0)
            {
                Notes.Add($"{_dropped} page fault(s) fell outside every mapping the recording shows and were left out");
            }
            if (_unplaced > 0)
            {
                Notes.Add($"{_unplaced} memory event(s) at addresses outside the room an i386 process has (its image, " +
                    $"{(ModelHeapLimit - ModelHeapBase) >> 20} MB of heap, {(ModelMmapTop - ModelMmapBottom) >> 20} MB of mmap area under its top, its stack) were left out");
            }
            if (_lost > 0)
            {
                Notes.Add($"the tracer lost {_lost} record(s): the trace misses what they held");
            }
            if (rec.Truncated)
            {
                Notes.Add("the recording was cut short: tasks had not exited when it ended");
            }
        }

        private int TgidOf(int tid) => _tgid.GetValueOrDefault(tid, tid);

        private int Cpu(RecordedEvent e) => o.KeepCpus && e.Cpu >= 0 ? e.Cpu : TraceEvent.AnyCpu;

        // ---- time on the CPU -----------------------------------------------------------------

        private void SwitchIn(RecordedEvent e)
        {
            if (_onCpu.TryGetValue(e.Cpu, out var prev) && prev != e.Tid && _runningSince.Remove(prev, out var since))
            {
                _cpuNs[prev] = _cpuNs.GetValueOrDefault(prev) + (e.TimeNs - since);
            }
            _onCpu[e.Cpu] = e.Tid;
            _runningSince.TryAdd(e.Tid, e.TimeNs);
        }

        /// <summary>How long the thread has run up to <paramref name="t"/> (with no switch records: wall time).</summary>
        private long CpuAt(int tid, long t)
        {
            if (!_switches)
            {
                return t;
            }
            var ns = _cpuNs.GetValueOrDefault(tid);
            if (_runningSince.TryGetValue(tid, out var since) && t > since)
            {
                ns += t - since;
            }
            else if (!_runningSince.ContainsKey(tid) && !_cpuNs.ContainsKey(tid))
            {
                // Never switched in yet (it was running when the recording began, or perf missed it): running now.
                _runningSince[tid] = t;
            }
            return ns;
        }

        /// <summary>Adds an event of a thread, preceded by the user time since its previous one.</summary>
        private void Emit(int tid, long start, long end, TraceEvent e, RecordedEvent from)
        {
            var now = CpuAt(tid, start);
            if (_mark.TryGetValue(tid, out var mark) && now > mark)
            {
                var cycles = (long)Math.Round((now - mark) * o.HostMhz / 1000.0) + _carry.GetValueOrDefault(tid);
                if (cycles >= MinComputeCycles)
                {
                    _out.Add((start, _seq++, TraceEvent.Compute(Cpu(from), tid, cycles)));
                    _compute += cycles;
                    cycles = 0;
                }
                _carry[tid] = cycles;
            }
            _out.Add((start, _seq++, e));
            _mark[tid] = CpuAt(tid, end);
        }

        // ---- tasks ---------------------------------------------------------------------------

        private void Fork(RecordedEvent e)
        {
            var child = e.Child;
            var thread = e.Thread || TgidOf(child) == TgidOf(e.Tid);
            var clone = _byTid[e.Tid].FirstOrDefault(s => s.Kind == RecordedKind.Syscall && s.TimeNs <= e.TimeNs && s.ExitNs >= e.TimeNs
                && s.Name is "clone" or "clone3" or "fork" or "vfork");
            var vfork = e.VFork || clone?.Name == "vfork" || (clone?.Name == "clone" && clone.Args.Length > 0 && (clone.Args[0] & 0x4000) != 0);
            if (!thread && !vfork && clone?.Name == "clone3")
            {
                // clone3's flags are in user memory, out of perf's reach: a child its parent waited for until it exec'd or
                // exited (posix_spawn's CLONE_VM | CLONE_VFORK) was a vfork.
                var released = _byTid[child].FirstOrDefault(x => x.Kind is RecordedKind.Exec or RecordedKind.Exit);
                vfork = released is not null && clone.ExitNs >= released.TimeNs;
            }
            var flags = thread ? ForkFlags.Thread : vfork ? ForkFlags.VFork : ForkFlags.None;
            Emit(e.Tid, clone?.TimeNs ?? e.TimeNs, clone?.ExitNs ?? e.TimeNs, TraceEvent.Fork(Cpu(e), e.Tid, child, flags), e);
            _alive.Add(child);
            _parent[child] = e.Tid;
            _mm[child] = thread || vfork ? _mm[e.Tid] : _mm[e.Tid].Copy();
            _mark[child] = CpuAt(child, e.TimeNs);
            if (thread)
            {
                _threads++;
            }
            else
            {
                _processes++;
            }
        }

        private void Exec(RecordedEvent e)
        {
            var mine = _byTid[e.Tid];
            var call = mine.FirstOrDefault(s => s.Kind == RecordedKind.Syscall && s.Name is "execve" or "execveat" && s.TimeNs <= e.TimeNs && s.ExitNs >= e.TimeNs);
            // The image's mappings are reported during the execve; when its entry was not recorded (the tracer started the
            // command inside it), those since the thread's previous exec.
            var from = call?.TimeNs ?? mine.LastOrDefault(x => x.Kind == RecordedKind.Exec && x.TimeNs < e.TimeNs)?.TimeNs ?? long.MinValue;
            var mappings = mine.Where(m => m.Kind == RecordedKind.Mapping && m.TimeNs >= from && m.TimeNs <= e.TimeNs).ToList();
            from = call?.TimeNs ?? e.TimeNs;
            var mm = new Mm();
            _mm[e.Tid] = mm;
            long text, data, bss;
            var interpreter = new List<RecordedEvent>();
            if (mappings.Count > 0)
            {
                var files = mappings.Where(m => m.Path is { Length: > 0 } p && p[0] == '/').ToList();
                var exe = files.Count > 0 ? files[0].Path : null;
                var image = files.Where(m => m.Path == exe).OrderBy(m => m.Address).ToList();
                var lo = image.Count > 0 ? image[0].Address : 0;
                var firstWritable = image.FirstOrDefault(m => (m.Args[2] & 2) != 0);
                var dataLo = firstWritable?.Address ?? (image.Count > 0 ? image.Max(m => m.Address + m.Args[0]) : 0);
                var dataHi = image.Count > 0 ? image.Max(m => m.Address + m.Args[0]) : 0;
                var bssMap = mappings.FirstOrDefault(m => m.Path == "//anon" && m.Address == dataHi);
                var hi = bssMap is null ? dataHi : bssMap.Address + bssMap.Args[0];
                text = (dataLo - lo) / Page;
                data = (dataHi - dataLo) / Page;
                bss = (hi - dataHi) / Page;
                if (image.Count > 0)
                {
                    mm.ImageLo = lo;
                    mm.ImageHi = hi;
                    mm.Mapped.Add(lo / Page, (hi + Page - 1) / Page);
                }
                var stack = mappings.FirstOrDefault(m => m.Path == "[stack]");
                if (stack is not null)
                {
                    mm.StackHi = stack.Address + stack.Args[0];
                    mm.StackLo = mm.StackHi - (8L << 20); // RLIMIT_STACK's default 8 MB: the stack grows down into it
                    mm.Mapped.Add(mm.StackLo / Page, mm.StackHi / Page);
                }
                interpreter.AddRange(mappings.Where(m => m != bssMap && m.Path != exe && m.Path != "[stack]"));
                if (interpreter.Count > 0)
                {
                    mm.MmapTopReal = interpreter.Max(m => m.Address + m.Args[0]); // the mmap area grows down from here
                }
            }
            else
            {
                var elf = e.Path is { } p ? o.ReadImage?.Invoke(p) : null;
                (text, data, bss) = elf ?? (16L, 2L, 2L);
                if (elf is null)
                {
                    Notes.Add($"exec of {e.Path}: its image could not be read; 16 text, 2 data, 2 bss pages assumed");
                }
            }
            Emit(e.Tid, from, call?.ExitNs ?? e.TimeNs, TraceEvent.Exec(Cpu(e), e.Tid, Math.Max(text, 1), data, bss, 1), e);
            _execs++;
            // What execve maps besides the image (the interpreter, the vDSO): as mmaps, the way ld.so's are generated.
            foreach (var m in interpreter)
            {
                var pages = (m.Args[0] + Page - 1) / Page;
                mm.Mapped.Add(m.Address / Page, m.Address / Page + pages);
                var fileBacked = m.Path is { Length: > 0 } p && p[0] == '/';
                EmitAt(mm, m.Address, e.Tid, e.TimeNs, e.TimeNs, a => TraceEvent.Mmap(Cpu(e), e.Tid, a, pages * Page, Prot(m.Args[2]),
                    fileBacked ? MapFlags.File : MapFlags.Anonymous), m);
            }
            foreach (var f in mine.Where(f => _execFaults.Contains(f) && f.TimeNs <= e.TimeNs && f.TimeNs >= from))
            {
                PageFault(f with { TimeNs = e.TimeNs });
            }
        }

        // ---- system calls --------------------------------------------------------------------

        private void Syscall(RecordedEvent e)
        {
            if (e.Unfinished)
            {
                return; // it never returned: an exit, or the end of the recording
            }
            _syscalls++;
            var mm = _mm[e.Tid];
            var ok = e.Return >= 0 || e.Return < -4095;
            long A(int i) => i < e.Args.Length ? e.Args[i] : 0;
            switch (e.Name)
            {
                case "clone" or "clone3" or "fork" or "vfork" when ok:
                case "execve" or "execveat" when ok:
                case "exit" or "exit_group" or "rt_sigreturn":
                    return; // the fork, the exec, the exit and the signal return are events of their own
                case "mmap" when ok:
                {
                    var pages = (A(1) + Page - 1) / Page;
                    mm.Mapped.Add(e.Return / Page, e.Return / Page + pages);
                    if (mm.MmapTopReal < 0)
                    {
                        mm.MmapTopReal = e.Return + pages * Page + MmapHeadroom; // no execve mappings recorded (strace): the first mmap is near the top
                    }
                    var flags = (A(3) & 0x20) != 0 ? MapFlags.Anonymous : MapFlags.File;
                    if ((A(3) & 0x03) is 0x01 or 0x03)
                    {
                        flags |= MapFlags.Shared;
                    }
                    EmitAt(mm, e.Return, e.Tid, e.TimeNs, e.ExitNs, a => TraceEvent.Mmap(Cpu(e), e.Tid, a, pages * Page, Prot(A(2)), flags), e);
                    return;
                }
                case "munmap" when ok:
                {
                    var pages = (A(1) + Page - 1) / Page;
                    mm.Mapped.Remove(A(0) / Page, A(0) / Page + pages);
                    EmitAt(mm, A(0), e.Tid, e.TimeNs, e.ExitNs, a => TraceEvent.Munmap(Cpu(e), e.Tid, a, pages * Page), e);
                    return;
                }
                case "mremap" when ok:
                {
                    // Moved or resized (realloc of a large block): the new range is mapped and what is left of the old one
                    // unmapped; the pages keep their frames in reality, so this charges a little more than the kernel pays.
                    var oldLo = A(0) / Page;
                    var oldPages = (A(1) + Page - 1) / Page;
                    var newPages = (A(2) + Page - 1) / Page;
                    var newLo = e.Return / Page;
                    var wasMapped = mm.Mapped.Covers(oldLo, oldLo + oldPages);
                    mm.Mapped.Remove(oldLo, oldLo + oldPages);
                    mm.Mapped.Add(newLo, newLo + newPages);
                    EmitAt(mm, e.Return, e.Tid, e.TimeNs, e.ExitNs, a => TraceEvent.Mmap(Cpu(e), e.Tid, a, newPages * Page, Protection.Read | Protection.Write, MapFlags.Anonymous), e);
                    if (wasMapped && (oldLo + oldPages <= newLo || newLo + newPages <= oldLo))
                    {
                        EmitAt(mm, A(0), e.Tid, e.ExitNs, e.ExitNs, a => TraceEvent.Munmap(Cpu(e), e.Tid, a, oldPages * Page), e);
                    }
                    else if (wasMapped && oldLo + oldPages > newLo + newPages)
                    {
                        var tail = (newLo + newPages) * Page;
                        EmitAt(mm, tail, e.Tid, e.ExitNs, e.ExitNs, a => TraceEvent.Munmap(Cpu(e), e.Tid, a, (oldLo + oldPages - newLo - newPages) * Page), e);
                    }
                    return;
                }
                case "mprotect" when ok && A(1) > 0:
                {
                    var pages = (A(1) + Page - 1) / Page;
                    if (mm.Mapped.Covers(A(0) / Page, A(0) / Page + pages))
                    {
                        EmitAt(mm, A(0), e.Tid, e.TimeNs, e.ExitNs, a => TraceEvent.Mprotect(Cpu(e), e.Tid, a, pages * Page, Prot(A(2))), e);
                        return;
                    }
                    break; // a range the recording never saw mapped: charged as a plain call
                }
                case "brk" when ok:
                {
                    var newBrk = (e.Return + Page - 1) / Page * Page;
                    if (mm.HeapReal < 0)
                    {
                        mm.HeapReal = newBrk;
                    }
                    if (mm.Brk < 0 || newBrk == mm.Brk)
                    {
                        mm.Brk = newBrk;
                        break;
                    }
                    if (newBrk > mm.Brk)
                    {
                        mm.Mapped.Add(mm.Brk / Page, newBrk / Page);
                        var grow = newBrk - mm.Brk;
                        EmitAt(mm, mm.Brk, e.Tid, e.TimeNs, e.ExitNs, a => TraceEvent.Mmap(Cpu(e), e.Tid, a, grow, Protection.Read | Protection.Write, MapFlags.Anonymous), e);
                    }
                    else
                    {
                        mm.Mapped.Remove(newBrk / Page, mm.Brk / Page);
                        var shrink = mm.Brk - newBrk;
                        EmitAt(mm, newBrk, e.Tid, e.TimeNs, e.ExitNs, a => TraceEvent.Munmap(Cpu(e), e.Tid, a, shrink), e);
                    }
                    mm.Brk = newBrk;
                    return;
                }
                case "wait4" when e.Return > 0 && _parent.GetValueOrDefault((int)e.Return) == e.Tid && _exitAt.GetValueOrDefault((int)e.Return, long.MaxValue) <= e.ExitNs:
                    // Reaped: the child's exit came first. A wait is placed at its return, after that exit.
                    Emit(e.Tid, e.ExitNs, e.ExitNs, TraceEvent.Wait(Cpu(e), e.Tid, (int)e.Return), e);
                    return;
                case "rt_sigaction" when ok && A(1) != 0 && _handled.Contains((TgidOf(e.Tid), (int)A(0))):
                    mm.SignalsInstalled.Add((int)A(0));
                    Emit(e.Tid, e.TimeNs, e.ExitNs, TraceEvent.SigInstall(Cpu(e), e.Tid, (int)A(0)), e);
                    return;
            }
            var (kind, size) = Classify(e.Name, e.Return);
            Emit(e.Tid, e.TimeNs, e.ExitNs, TraceEvent.Syscall(Cpu(e), e.Tid, kind, size), e);
        }

        private static (SyscallKind Kind, long Size) Classify(string name, long ret) => name switch
        {
            "read" or "pread64" or "readv" or "preadv" or "preadv2" => (SyscallKind.Read, Math.Max(ret, 0)),
            "write" or "pwrite64" or "writev" or "pwritev" or "pwritev2" => (SyscallKind.Write, Math.Max(ret, 0)),
            "stat" or "fstat" or "lstat" or "newfstatat" or "statx" => (SyscallKind.Stat, 0),
            "open" or "openat" or "openat2" => (SyscallKind.Open, 0),
            "creat" => (SyscallKind.Create, 0),
            "close" => (SyscallKind.Close, 0),
            "kill" or "tkill" or "tgkill" => (SyscallKind.Kill, 0),
            "select" or "pselect6" or "poll" or "ppoll" => (SyscallKind.Select, 0),
            "unlink" or "unlinkat" => (SyscallKind.Unlink, 0),
            "msync" => (SyscallKind.Msync, 0),
            "getpid" or "getppid" or "gettid" or "getuid" or "geteuid" or "getgid" or "getegid" or "getpgrp" => (SyscallKind.Null, 0),
            _ => (SyscallKind.Other, 0),
        };

        private static Protection Prot(long bits) =>
            ((bits & 1) != 0 ? Protection.Read : 0) | ((bits & 2) != 0 ? Protection.Write : 0) | ((bits & 4) != 0 ? Protection.Execute : 0);

        // ---- memory --------------------------------------------------------------------------

        private void PageFault(RecordedEvent e)
        {
            var mm = _mm[e.Tid];
            if (!mm.Mapped.Contains(e.Address / Page))
            {
                _dropped++;
                return;
            }
            _faults++;
            var access = e.Fetch ? AccessKind.Execute : e.Write ? AccessKind.Write : AccessKind.Read;
            EmitAt(mm, e.Address, e.Tid, e.TimeNs, e.TimeNs, a => TraceEvent.PageFault(Cpu(e), e.Tid, a, access), e);
        }

        /// <summary>
        /// Where a real address lands in the model's 32-bit user space: the image at 0x08048000, the stack under
        /// 0xC0000000, the heap (from the break's first address) at 0x0A000000, and the mmap area, which the kernel fills
        /// downward from its top, linearly under 0xBF000000, so that mappings stay next to each other as they were.
        /// </summary>
        private long Reloc(Mm mm, long real)
        {
            if (mm.ImageLo >= 0 && real >= mm.ImageLo && real < mm.ImageHi)
            {
                return ModelImageBase + (real - mm.ImageLo);
            }
            if (mm.StackHi >= 0 && real >= mm.StackLo && real < mm.StackHi)
            {
                return ModelStackTop - (mm.StackHi - real);
            }
            if (mm.MmapTopReal >= 0 && real < mm.MmapTopReal && mm.MmapTopReal - real <= ModelMmapTop - ModelMmapBottom)
            {
                return ModelMmapTop - (mm.MmapTopReal - real);
            }
            if (mm.HeapReal >= 0 && real >= mm.HeapReal && real - mm.HeapReal < ModelHeapLimit - ModelHeapBase)
            {
                return ModelHeapBase + (real - mm.HeapReal);
            }
            return -1; // in none of the regions a 32-bit process has room for
        }

        /// <summary>Emits an event about a real address, or counts it as unplaced when the address has no place in the model.</summary>
        private void EmitAt(Mm mm, long real, int tid, long start, long end, Func<long, TraceEvent> make, RecordedEvent from)
        {
            var model = Reloc(mm, real);
            if (model < 0)
            {
                _unplaced++;
                return;
            }
            Emit(tid, start, end, make(model), from);
        }
    }
}

/// <summary>A set of page numbers kept as sorted, disjoint, half-open ranges.</summary>
internal sealed class PageRanges
{
    private readonly List<(long Lo, long Hi)> _r = new();

    public PageRanges Copy()
    {
        var c = new PageRanges();
        c._r.AddRange(_r);
        return c;
    }

    public void Add(long lo, long hi)
    {
        if (hi <= lo)
        {
            return;
        }
        Remove(lo, hi);
        var i = _r.FindIndex(r => r.Lo > lo);
        _r.Insert(i < 0 ? _r.Count : i, (lo, hi));
        // merge touching neighbours
        for (var k = _r.Count - 2; k >= 0; k--)
        {
            if (_r[k].Hi >= _r[k + 1].Lo)
            {
                _r[k] = (_r[k].Lo, Math.Max(_r[k].Hi, _r[k + 1].Hi));
                _r.RemoveAt(k + 1);
            }
        }
    }

    public void Remove(long lo, long hi)
    {
        for (var k = _r.Count - 1; k >= 0; k--)
        {
            var (a, b) = _r[k];
            if (b <= lo || a >= hi)
            {
                continue;
            }
            _r.RemoveAt(k);
            if (b > hi)
            {
                _r.Insert(k, (hi, b));
            }
            if (a < lo)
            {
                _r.Insert(k, (a, lo));
            }
        }
    }

    public bool Contains(long page) => IndexOf(page) >= 0;

    public bool Covers(long lo, long hi)
    {
        for (var p = lo; p < hi;)
        {
            var i = IndexOf(p);
            if (i < 0)
            {
                return false;
            }
            p = _r[i].Hi;
        }
        return true;
    }

    /// <summary>The range holding a page, or -1 (the ranges are sorted and disjoint: a binary search).</summary>
    private int IndexOf(long page)
    {
        int lo = 0, hi = _r.Count - 1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >> 1;
            if (page < _r[mid].Lo)
            {
                hi = mid - 1;
            }
            else if (page >= _r[mid].Hi)
            {
                lo = mid + 1;
            }
            else
            {
                return mid;
            }
        }
        return -1;
    }
}
