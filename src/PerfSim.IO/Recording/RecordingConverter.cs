using PerfSim.Core.Trace;

namespace PerfSim.IO.Recording;

/// <summary>How to turn a recording into a trace.</summary>
/// <param name="HostMhz">The recording machine's clock: user time between kernel events becomes compute cycles at this rate.</param>
/// <param name="KeepCpus">Keep the CPU each event ran on (perf only); otherwise every event says <c>cpu=any</c> and the simulated scheduler places it.</param>
/// <param name="ReadImage">Reads an executable's text, data and bss pages when the tracer did not report its mappings (strace); null, or null for a file: a default image.</param>
/// <param name="WrapperExecs">Execs of the first task that belong to the recorder (a wrapper that restores the environment): the trace starts at the exec after them.</param>
/// <param name="Memory">
/// The same command's memory references from valgrind lackey (<see cref="LackeyLogs"/>), its root the image the trace
/// starts with: each image's page touches are spread over that image's user time by instruction count and replace its
/// recorded page faults (the model takes the faults the touches cause). Null: no touches, the recorded faults.
/// </param>
public sealed record ConvertOptions(double HostMhz, bool KeepCpus = false, Func<string, (long Text, long Data, long Bss)?>? ReadImage = null,
    int WrapperExecs = 0, LackeyImage? Memory = null);

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

    /// <summary>With memory references: process images that had a valgrind stream, and all process images.</summary>
    public int ImagesWithMemory { get; init; }
    public int Images { get; init; }

    /// <summary>With memory references: page touches written, those with no place in the perf run's address space, and writes to pages not writable there (kept as reads).</summary>
    public long Touches { get; init; }
    public long TouchesDropped { get; init; }
    public long WritesDowngraded { get; init; }

    /// <summary>With memory references: recorded page faults left out because the touches stand for them.</summary>
    public long FaultsReplaced { get; init; }
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
        var c = new Converter(recording, options, source, null);
        c.Run();
        if (options.Memory is not null)
        {
            // Touches are spread over each image's user time, which is known only at the end: a first pass measures it.
            c = new Converter(recording, options, source, c.Plans());
            c.Run();
        }
        return new ConversionResult(c.Output(), c.Counts(), c.Notes);
    }

    /// <summary>One process image of the perf run (from an exec, or a process fork) and the valgrind stream matched to it.</summary>
    private sealed class Image(int id, LackeyImage? lackey)
    {
        public readonly int Id = id;
        public readonly LackeyImage? Lackey = lackey;
        public int Forks;
        public long Compute;
        public int Next;

        /// <summary>The image's system calls in order (with mmap's, munmap's and mprotect's length, else -1) and its user cycles before each (the first pass's).</summary>
        public readonly List<(string Name, long Length, long Cycles)> Calls = new();
    }

    /// <summary>
    /// Where an image's touches go: matched points (instructions in valgrind's run, user cycles in perf's), from (0, 0) to
    /// (all instructions, all cycles), both rising; between two points a touch's place is interpolated.
    /// </summary>
    internal sealed record TouchPlan(long[] Instructions, long[] Cycles)
    {
        /// <summary>The user cycle of the image at which the touch made after <paramref name="instructions"/> instructions goes.</summary>
        public long CycleOf(long instructions)
        {
            var k = Array.BinarySearch(Instructions, instructions);
            if (k < 0)
            {
                k = ~k - 1;
            }
            else
            {
                while (k + 1 < Instructions.Length && Instructions[k + 1] == instructions)
                {
                    k++; // the last point at this count: after the calls made there
                }
            }
            if (k < 0)
            {
                return 0;
            }
            if (k >= Instructions.Length - 1)
            {
                return Cycles[^1];
            }
            return Cycles[k] + (long)((Int128)(instructions - Instructions[k]) * (Cycles[k + 1] - Cycles[k]) / (Instructions[k + 1] - Instructions[k]));
        }

        /// <summary>Lookahead when the two runs' call sequences differ (valgrind's loader maps its preload library, a retried call).</summary>
        private const int Lookahead = 32;

        /// <summary>
        /// Lines up the valgrind run's calls with the perf run's by name (and length, for mappings): equal ones are matched in order; where they
        /// differ, the nearest match within <see cref="Lookahead"/> calls on either side is taken and what it skips is left
        /// unmatched. Points that would run backwards in either run are left out.
        /// </summary>
        public static TouchPlan Align(IReadOnlyList<LackeyCall> valgrind, IReadOnlyList<(string Name, long Length, long Cycles)> perf, long instructions, long cycles)
        {
            bool Same(int i, int j) => valgrind[i].Name == perf[j].Name && (valgrind[i].Length < 0 || perf[j].Length < 0 || valgrind[i].Length == perf[j].Length);
            var ins = new List<long> { 0 };
            var cyc = new List<long> { 0 };
            void Point(long i, long c)
            {
                if (i >= ins[^1] && c >= cyc[^1] && i <= instructions && c <= cycles)
                {
                    ins.Add(i);
                    cyc.Add(c);
                }
            }
            int a = 0, b = 0;
            while (a < valgrind.Count && b < perf.Count)
            {
                if (Same(a, b))
                {
                    Point(valgrind[a].Instructions, perf[b].Cycles);
                    a++;
                    b++;
                    continue;
                }
                if (valgrind[a].Name == perf[b].Name)
                {
                    // The same call with another length: the mapping a few calls on in valgrind's run (after its preload
                    // library's), or else this one, sized differently in the two runs (a buffer sized from the memory
                    // the program sees).
                    var x = a + 1;
                    while (x < valgrind.Count && x <= a + Lookahead && !Same(x, b))
                    {
                        x++;
                    }
                    a = x < valgrind.Count && x <= a + Lookahead ? x : a;
                    Point(valgrind[a].Instructions, perf[b].Cycles);
                    a++;
                    b++;
                    continue;
                }
                // The nearest match: skip d calls in one run and e in the other, d + e smallest.
                var found = false;
                for (var d = 1; d <= 2 * Lookahead && !found; d++)
                {
                    for (var x = 0; x <= d; x++)
                    {
                        var (i, j) = (a + x, b + d - x);
                        if (x <= Lookahead && d - x <= Lookahead && i < valgrind.Count && j < perf.Count && Same(i, j))
                        {
                            (a, b, found) = (i, j, true);
                            break;
                        }
                    }
                }
                if (!found)
                {
                    a++;
                    b++;
                }
            }
            Point(instructions, cycles);
            return new TouchPlan(ins.ToArray(), cyc.ToArray());
        }
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

        /// <summary>Where exec put the interpreter (its lowest mapping), or -1.</summary>
        public long InterpLo = -1;

        /// <summary>File mappings (from the kernel's mapping records) and anonymous mmaps in the order they were made: where valgrind's places are.</summary>
        public List<(long Start, long End, string Path, long Offset)> Files = new();
        public List<(long Start, long End)> Anon = new();

        public Mm Copy() => new()
        {
            ImageLo = ImageLo, ImageHi = ImageHi, StackLo = StackLo, StackHi = StackHi, Mapped = Mapped.Copy(), Brk = Brk,
            SignalsInstalled = new HashSet<int>(SignalsInstalled), HeapReal = HeapReal, MmapTopReal = MmapTopReal,
            InterpLo = InterpLo, Files = new(Files), Anon = new(Anon),
        };

        /// <summary>Forgets the file mappings in [lo, hi) (bytes), keeping what is left of each on either side.</summary>
        public void UnmapFiles(long lo, long hi) =>
            Regions.Cut(Files, lo, hi, f => (f.Start, f.End), (f, start, end) => (start, end, f.Path, f.Offset + (start - f.Start)));
    }

    private sealed class Converter(ParsedRecording rec, ConvertOptions o, string source, TouchPlan?[]? plans)
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
        private readonly Dictionary<int, int> _runningOn = new();
        private readonly HashSet<(int Tgid, int Sig)> _handled = new();
        private readonly bool _switches = rec.Events.Any(e => e.Kind == RecordedKind.SwitchIn);
        private readonly ILookup<int, RecordedEvent> _byTid = rec.Events.ToLookup(e => e.Tid);
        private readonly HashSet<RecordedEvent> _execFaults = new(ReferenceEqualityComparer.Instance);
        private readonly Dictionary<(int Tid, long Address), List<RecordedEvent>> _mappingAt = rec.Events
            .Where(e => e.Kind == RecordedKind.Mapping).GroupBy(e => (e.Tid, e.Address)).ToDictionary(g => g.Key, g => g.ToList());
        private readonly Dictionary<int, Image> _image = new();
        private readonly List<Image> _images = new();
        private long _touches, _touchesDropped, _touchesLate, _downgraded, _replaced;
        private readonly long[] _droppedByKind = new long[Enum.GetValues<PlaceKind>().Length];
        private int _execMismatch;
        private long _seq;
        private int _processes, _threads, _execs;
        private long _faults, _dropped, _syscalls, _lost, _compute, _unplaced;

        public List<string> Notes { get; } = new();

        public RecordingCounts Counts() => new()
        {
            Processes = _processes, Threads = _threads, Execs = _execs, PageFaults = _faults, FaultsDropped = _dropped,
            Syscalls = _syscalls, Lost = _lost, ComputeCycles = _compute, Events = _out.Count,
            Images = _images.Count, ImagesWithMemory = _images.Count(i => i.Lackey is not null),
            Touches = _touches, TouchesDropped = _touchesDropped + _touchesLate, WritesDowngraded = _downgraded, FaultsReplaced = _replaced,
        };

        /// <summary>Each image's touch plan (from the first pass's calls and cycles, for the second to place the touches by).</summary>
        public TouchPlan?[] Plans() => _images.Select(i => i.Lackey is { Stream: { Instructions: > 0 } s }
            ? TouchPlan.Align(s.Calls, i.Calls, s.Instructions, i.Compute) : null).ToArray();

        private Image NewImage(LackeyImage? lackey)
        {
            var image = new Image(_images.Count, lackey);
            _images.Add(image);
            return image;
        }

        /// <summary>Whether the thread's image has memory references: its recorded faults are left to them.</summary>
        private bool HasMemory(int tid) => _image.TryGetValue(tid, out var i) && i.Lackey is not null;

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
                Running(e);
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
                        if (HasMemory(e.Tid))
                        {
                            _replaced++;
                            break;
                        }
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
            if (o.Memory is not null && plans is not null)
            {
                foreach (var image in _images.Where(i => plans[i.Id] is not null))
                {
                    _touchesLate += image.Lackey!.Stream.Touches.Count - image.Next;
                }
                var with = _images.Count(i => i.Lackey is not null);
                Notes.Add($"memory references: {with} of {_images.Count} process images matched a valgrind log; {_touches:N0} page touches written, " +
                    $"{_replaced:N0} recorded page faults left to them");
                if (_touchesDropped > 0 || _downgraded > 0 || _touchesLate > 0)
                {
                    var kinds = string.Join(", ", Enum.GetValues<PlaceKind>().Where(k => _droppedByKind[(int)k] > 0).Select(k => $"{k.ToString().ToLowerInvariant()} {_droppedByKind[(int)k]:N0}"));
                    Notes.Add($"{_touchesDropped:N0} page touch(es) had no place in the perf run's address space (or an i386 process's) ({kinds}) and " +
                        $"{_touchesLate:N0} came after the image's last user time (valgrind's own work around an exec) and were left out; " +
                        $"{_downgraded:N0} write(s) to pages not writable there were kept as reads");
                }
                if (_execMismatch > 0)
                {
                    Notes.Add($"{_execMismatch} exec(s) ran a different file under valgrind than under perf: those images have no memory references");
                }
            }
        }

        private int TgidOf(int tid) => _tgid.GetValueOrDefault(tid, tid);

        private int Cpu(RecordedEvent e) => o.KeepCpus && e.Cpu >= 0 ? e.Cpu : TraceEvent.AnyCpu;

        // ---- time on the CPU -----------------------------------------------------------------

        private void SwitchIn(RecordedEvent e)
        {
            // The task that ran here stops, unless it has been switched in elsewhere since (a migration whose switch-out
            // on this CPU comes later in the recording).
            if (_onCpu.TryGetValue(e.Cpu, out var prev) && prev != e.Tid && _runningOn.GetValueOrDefault(prev, e.Cpu) == e.Cpu)
            {
                Stop(prev, e.TimeNs);
            }
            if (_runningOn.TryGetValue(e.Tid, out var was) && was != e.Cpu)
            {
                Stop(e.Tid, e.TimeNs); // moved here: its time on the other CPU ends now
            }
            _onCpu[e.Cpu] = e.Tid;
            _runningOn[e.Tid] = e.Cpu;
            _runningSince.TryAdd(e.Tid, e.TimeNs);
        }

        /// <summary>
        /// The task did something on a CPU, so it runs there. perf records only while the recorded tasks run: a switch
        /// from one of them to another task (a kernel thread) is in the recording, the switch back is not. A task
        /// switched out that way runs again from its next event.
        /// </summary>
        private void Running(RecordedEvent e)
        {
            if (!_switches || e.Cpu < 0 || _runningSince.ContainsKey(e.Tid) || !_cpuNs.ContainsKey(e.Tid))
            {
                return; // running, or never switched out (CpuAt's first-event rule)
            }
            _runningSince[e.Tid] = e.TimeNs;
            _runningOn[e.Tid] = e.Cpu;
            _onCpu[e.Cpu] = e.Tid;
        }

        private void Stop(int tid, long t)
        {
            if (_runningSince.Remove(tid, out var since))
            {
                _cpuNs[tid] = _cpuNs.GetValueOrDefault(tid) + (t - since);
            }
            _runningOn.Remove(tid);
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
                    Compute(tid, start, cycles, Cpu(from));
                    _compute += cycles;
                    cycles = 0;
                }
                _carry[tid] = cycles;
            }
            _out.Add((start, _seq++, e));
            _mark[tid] = CpuAt(tid, end);
        }

        /// <summary>
        /// User time of a thread; in the second pass, with the image's page touches that fall in it. A touch made between
        /// two of the image's system calls in valgrind's run lands between the same two calls of the perf run, at the same
        /// fraction of the user cycles between them as of the instructions (<see cref="TouchPlan"/>): the mappings it
        /// touches are there, as they were. An image's cycles are all its threads' in trace order (valgrind runs one
        /// thread at a time and its log does not say which).
        /// </summary>
        private void Compute(int tid, long time, long cycles, int cpu)
        {
            var image = _image.GetValueOrDefault(tid);
            if (image is null)
            {
                _out.Add((time, _seq++, TraceEvent.Compute(cpu, tid, cycles)));
                return;
            }
            var at = image.Compute;
            var end = at + cycles;
            image.Compute = end;
            if (plans?[image.Id] is not { } plan)
            {
                _out.Add((time, _seq++, TraceEvent.Compute(cpu, tid, cycles)));
                return;
            }
            var stream = image.Lackey!.Stream;
            var mm = _mm[tid];
            while (image.Next < stream.Touches.Count)
            {
                var t = stream.Touches[image.Next];
                var pos = plan.CycleOf(t.InstructionsBefore);
                if (pos >= end)
                {
                    break;
                }
                if (pos > at)
                {
                    _out.Add((time, _seq++, TraceEvent.Compute(cpu, tid, pos - at)));
                    at = pos;
                }
                image.Next++;
                Touch(mm, tid, time, cpu, t);
            }
            if (end > at)
            {
                _out.Add((time, _seq++, TraceEvent.Compute(cpu, tid, end - at)));
            }
        }

        /// <summary>A page touch from valgrind's run, at the same place in the perf run's address space and then the model's.</summary>
        private void Touch(Mm mm, int tid, long time, int cpu, PageTouch t)
        {
            var off = t.Place.Offset;
            var real = t.Place.Kind switch
            {
                PlaceKind.Image when mm.ImageLo >= 0 && mm.ImageLo + off < mm.ImageHi => mm.ImageLo + off,
                PlaceKind.Interpreter when mm.InterpLo >= 0 => mm.InterpLo + off,
                PlaceKind.Heap when mm.HeapReal >= 0 && mm.HeapReal + off < mm.Brk => mm.HeapReal + off,
                PlaceKind.Stack when mm.StackHi >= 0 => mm.StackHi - Page - off,
                PlaceKind.File => FileAt(mm, t.Place.Path, off),
                PlaceKind.Anonymous when t.Place.Index < mm.Anon.Count && mm.Anon[t.Place.Index] is var (s, e) && s + off < e => s + off,
                _ => -1,
            };
            var prot = real < 0 ? -1 : mm.Mapped.ProtAt(real / Page);
            var model = prot is > 0 and < PageRanges.Unplaced ? Reloc(mm, real / Page * Page) : -1; // mapped, accessible, and in the trace
            if (model < 0)
            {
                _touchesDropped++;
                _droppedByKind[(int)t.Place.Kind]++;
                return;
            }
            var access = t.Access;
            if (access == AccessKind.Write && (prot & 2) == 0)
            {
                access = AccessKind.Read; // valgrind's run wrote a page this run had not made writable at this point
                _downgraded++;
            }
            _out.Add((time, _seq++, TraceEvent.Touch(cpu, tid, model, 1, access)));
            _touches++;
        }

        /// <summary>
        /// Where a file's offset is mapped: by path, or else by file name (valgrind logs the path a program opened,
        /// /lib/x86_64-linux-gnu/libc.so.6; the kernel's records the one it resolved, /usr/lib/x86_64-linux-gnu/libc.so.6).
        /// </summary>
        private static long FileAt(Mm mm, string? path, long offset)
        {
            for (var byName = 0; byName < 2; byName++)
            {
                foreach (var f in mm.Files)
                {
                    if ((byName == 0 ? f.Path == path : LackeyLogs.SameFile(f.Path, path)) && offset >= f.Offset && offset < f.Offset + (f.End - f.Start))
                    {
                        return f.Start + (offset - f.Offset);
                    }
                }
            }
            return -1;
        }

        /// <summary>A mapping record's path that names a file (not [stack], [vdso] or //anon).</summary>
        private static bool IsFile(string? path) => path is { Length: > 1 } p && p[0] == '/' && p[1] != '/';

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
            if (_image.TryGetValue(e.Tid, out var parentImage))
            {
                if (thread)
                {
                    _image[child] = parentImage;
                }
                else
                {
                    var k = parentImage.Forks++;
                    _image[child] = NewImage(parentImage.Lackey is { } l && k < l.Forks.Count ? l.Forks[k] : null);
                }
            }
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
            if (o.Memory is not null)
            {
                LackeyImage? lackey = null;
                if (!_image.TryGetValue(e.Tid, out var before))
                {
                    lackey = o.Memory; // the first image of the trace
                }
                else if (before.Lackey is { } l)
                {
                    lackey = l.Exec is { } next && LackeyLogs.SameFile(l.Stream.ExecPath, e.Path) ? next : null;
                    _execMismatch += lackey is null ? 1 : 0;
                }
                _image[e.Tid] = NewImage(lackey);
            }
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
                    // As the model's exec lays it out: text read/execute, data and bss read/write.
                    mm.Mapped.Add(lo / Page, dataLo / Page, 5);
                    mm.Mapped.Add(dataLo / Page, (hi + Page - 1) / Page, 3);
                }
                var stack = mappings.FirstOrDefault(m => m.Path == "[stack]");
                if (stack is not null)
                {
                    mm.StackHi = stack.Address + stack.Args[0];
                    mm.StackLo = mm.StackHi - (8L << 20); // RLIMIT_STACK's default 8 MB: the stack grows down into it
                    mm.Mapped.Add(mm.StackLo / Page, mm.StackHi / Page, 3);
                }
                interpreter.AddRange(mappings.Where(m => m != bssMap && m.Path != exe && m.Path != "[stack]"));
                if (interpreter.Count > 0)
                {
                    mm.MmapTopReal = interpreter.Max(m => m.Address + m.Args[0]); // the mmap area grows down from here
                }
                var interp = interpreter.FirstOrDefault(m => IsFile(m.Path))?.Path;
                if (interp is not null)
                {
                    mm.InterpLo = interpreter.Where(m => m.Path == interp).Min(m => m.Address);
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
                var fileBacked = IsFile(m.Path);
                var placed = EmitAt(mm, m.Address, e.Tid, e.TimeNs, e.TimeNs, a => TraceEvent.Mmap(Cpu(e), e.Tid, a, pages * Page, Prot(m.Args[2]),
                    fileBacked ? MapFlags.File : MapFlags.Anonymous), m);
                mm.Mapped.Add(m.Address / Page, m.Address / Page + pages, (int)m.Args[2] | (placed ? 0 : PageRanges.Unplaced));
            }
            foreach (var f in mine.Where(f => _execFaults.Contains(f) && f.TimeNs <= e.TimeNs && f.TimeNs >= from))
            {
                if (HasMemory(e.Tid))
                {
                    _replaced++;
                    continue;
                }
                PageFault(f with { TimeNs = e.TimeNs });
            }
        }

        // ---- system calls --------------------------------------------------------------------

        private void Syscall(RecordedEvent e)
        {
            if (_image.TryGetValue(e.Tid, out var image) && image.Lackey is not null)
            {
                // The user time before the call: what is written now, and what its event (or the fork, exec or exit it
                // makes, written at its start) writes first.
                var length = e.Name is "mmap" or "munmap" or "mprotect" && e.Args.Length > 1 ? e.Args[1] : -1;
                image.Calls.Add((e.Name, length, image.Compute + Pending(e.Tid, e.TimeNs)));
            }
            SyscallEvent(e);
        }

        /// <summary>The user cycles an event of the thread starting at <paramref name="t"/> would write before itself (as <see cref="Emit"/> counts them).</summary>
        private long Pending(int tid, long t)
        {
            var now = CpuAt(tid, t);
            if (!_mark.TryGetValue(tid, out var mark) || now <= mark)
            {
                return 0;
            }
            var cycles = (long)Math.Round((now - mark) * o.HostMhz / 1000.0) + _carry.GetValueOrDefault(tid);
            return cycles >= MinComputeCycles ? cycles : 0;
        }

        private void SyscallEvent(RecordedEvent e)
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
                    if (mm.MmapTopReal < 0)
                    {
                        mm.MmapTopReal = e.Return + pages * Page + MmapHeadroom; // no execve mappings recorded (strace): the first mmap is near the top
                    }
                    var flags = (A(3) & 0x20) != 0 ? MapFlags.Anonymous : MapFlags.File;
                    if ((A(3) & 0x03) is 0x01 or 0x03)
                    {
                        flags |= MapFlags.Shared;
                    }
                    mm.UnmapFiles(e.Return, e.Return + pages * Page);
                    var placed = EmitAt(mm, e.Return, e.Tid, e.TimeNs, e.ExitNs, a => TraceEvent.Mmap(Cpu(e), e.Tid, a, pages * Page, Prot(A(2)), flags), e);
                    mm.Mapped.Add(e.Return / Page, e.Return / Page + pages, (int)A(2) | (placed ? 0 : PageRanges.Unplaced));
                    if ((A(3) & 0x20) != 0)
                    {
                        mm.Anon.Add((e.Return, e.Return + pages * Page));
                    }
                    else if (_mappingAt.TryGetValue((e.Tid, e.Return), out var records)
                        && records.FirstOrDefault(m => m.TimeNs >= e.TimeNs && m.TimeNs <= e.ExitNs) is { Path: { } path } && IsFile(path))
                    {
                        mm.Files.Add((e.Return, e.Return + pages * Page, path, A(5))); // the kernel's record names the file
                    }
                    return;
                }
                case "munmap" when ok:
                {
                    var pages = (A(1) + Page - 1) / Page;
                    mm.Mapped.Remove(A(0) / Page, A(0) / Page + pages);
                    mm.UnmapFiles(A(0), A(0) + pages * Page);
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
                    var placed = EmitAt(mm, e.Return, e.Tid, e.TimeNs, e.ExitNs, a => TraceEvent.Mmap(Cpu(e), e.Tid, a, newPages * Page, Protection.Read | Protection.Write, MapFlags.Anonymous), e);
                    mm.Mapped.Add(newLo, newLo + newPages, 3 | (placed ? 0 : PageRanges.Unplaced));
                    var anon = mm.Anon.FindIndex(r => r.Start == A(0));
                    if (anon >= 0)
                    {
                        mm.Anon[anon] = (e.Return, e.Return + newPages * Page); // valgrind's k-th anonymous mapping moves with it
                    }
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
                        mm.Mapped.Protect(A(0) / Page, A(0) / Page + pages, (int)A(2));
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
                        var grow = newBrk - mm.Brk;
                        var placed = EmitAt(mm, mm.Brk, e.Tid, e.TimeNs, e.ExitNs, a => TraceEvent.Mmap(Cpu(e), e.Tid, a, grow, Protection.Read | Protection.Write, MapFlags.Anonymous), e);
                        mm.Mapped.Add(mm.Brk / Page, newBrk / Page, 3 | (placed ? 0 : PageRanges.Unplaced));
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

        /// <summary>Emits an event about a real address, or counts it as unplaced when the address has no place in the model (false).</summary>
        private bool EmitAt(Mm mm, long real, int tid, long start, long end, Func<long, TraceEvent> make, RecordedEvent from)
        {
            var model = Reloc(mm, real);
            if (model < 0)
            {
                _unplaced++;
                return false;
            }
            Emit(tid, start, end, make(model), from);
            return true;
        }
    }
}
