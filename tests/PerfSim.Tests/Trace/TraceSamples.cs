using PerfSim.Core.Trace;
using PerfSim.IO.Trace;

namespace PerfSim.Tests.Trace;

/// <summary>Trace fixtures: a canonical trace with every kind and enum value, and seeded random events.</summary>
internal static class TraceSamples
{
    /// <summary>Each canonical text line with the event it means, covering every kind and every enum value.</summary>
    public static readonly (string Line, TraceEvent Event)[] EveryKind =
    [
        ("syscall pid=1 name=null", TraceEvent.Syscall(0, 1, SyscallKind.Null)),
        ("syscall cpu=1 pid=1 name=read size=4096", TraceEvent.Syscall(1, 1, SyscallKind.Read, 4096)),
        ("syscall pid=1 name=write size=1", TraceEvent.Syscall(0, 1, SyscallKind.Write, 1)),
        ("syscall pid=1 name=stat", TraceEvent.Syscall(0, 1, SyscallKind.Stat)),
        ("syscall pid=1 name=open", TraceEvent.Syscall(0, 1, SyscallKind.Open)),
        ("syscall pid=1 name=close", TraceEvent.Syscall(0, 1, SyscallKind.Close)),
        ("syscall pid=1 name=kill size=1", TraceEvent.Syscall(0, 1, SyscallKind.Kill, 1)),
        ("syscall pid=1 name=select size=100", TraceEvent.Syscall(0, 1, SyscallKind.Select, 100)),
        ("syscall pid=1 name=create", TraceEvent.Syscall(0, 1, SyscallKind.Create)),
        ("syscall pid=1 name=create_cached dir_entries=12", TraceEvent.Syscall(0, 1, SyscallKind.CreateCached, dirEntries: 12)),
        ("syscall pid=1 name=unlink", TraceEvent.Syscall(0, 1, SyscallKind.Unlink)),
        ("syscall pid=1 name=pipe_read size=512", TraceEvent.Syscall(0, 1, SyscallKind.PipeRead, 512)),
        ("syscall pid=1 name=pipe_write size=512", TraceEvent.Syscall(0, 1, SyscallKind.PipeWrite, 512)),
        ("syscall pid=1 name=msync size=8192", TraceEvent.Syscall(0, 1, SyscallKind.Msync, 8192)),
        ("syscall pid=1 name=brk", TraceEvent.Syscall(0, 1, SyscallKind.Brk)),
        ("syscall pid=1 name=other", TraceEvent.Syscall(0, 1, SyscallKind.Other)),
        ("fork pid=1 child=2", TraceEvent.Fork(0, 1, 2)),
        ("fork cpu=3 pid=1 child=3 flags=thread", TraceEvent.Fork(3, 1, 3, ForkFlags.Thread)),
        ("fork pid=1 child=4 flags=vfork", TraceEvent.Fork(0, 1, 4, ForkFlags.VFork)),
        ("exec pid=2 text_pages=10 data_pages=4 bss_pages=2 arg_pages=1", TraceEvent.Exec(0, 2, 10, 4, 2, 1)),
        ("exec pid=4", TraceEvent.Exec(0, 4, 0, 0, 0, 0)),
        ("exec pid=4 bss_pages=7", TraceEvent.Exec(0, 4, 0, 0, 7, 0)),
        ("exit pid=2 status=1", TraceEvent.Exit(0, 2, 1)),
        ("exit pid=3", TraceEvent.Exit(0, 3)),
        ("exit pid=4 status=-11", TraceEvent.Exit(0, 4, -11)),
        ("wait pid=1 child=2", TraceEvent.Wait(0, 1, 2)),
        ("switch cpu=1 pid=2", TraceEvent.Switch(1, 2)),
        ("switch pid=0", TraceEvent.Switch(0, 0)),
        ("fault pid=1 addr=0x7fff0000 access=r", TraceEvent.PageFault(0, 1, 0x7fff0000, AccessKind.Read)),
        ("fault pid=1 addr=0x400000 access=x kind=file", TraceEvent.PageFault(0, 1, 0x400000, AccessKind.Execute, FaultKind.File)),
        ("fault pid=1 addr=0x601000 access=w kind=anon", TraceEvent.PageFault(0, 1, 0x601000, AccessKind.Write, FaultKind.Anonymous)),
        ("fault pid=2 addr=0x601000 access=w kind=cow", TraceEvent.PageFault(0, 2, 0x601000, AccessKind.Write, FaultKind.CopyOnWrite)),
        ("fault pid=2 addr=0x0 access=r kind=prot", TraceEvent.PageFault(0, 2, 0, AccessKind.Read, FaultKind.Protection)),
        ("mmap pid=1 addr=0x10000 len=8192 prot=none", TraceEvent.Mmap(0, 1, 0x10000, 8192, Protection.None, MapFlags.Anonymous)),
        ("mmap pid=1 addr=0x20000 len=4096 prot=r map=file", TraceEvent.Mmap(0, 1, 0x20000, 4096, Protection.Read, MapFlags.File)),
        ("mmap pid=1 addr=0x30000 len=4096 prot=w map=anon,shared", TraceEvent.Mmap(0, 1, 0x30000, 4096, Protection.Write, MapFlags.Shared)),
        ("mmap pid=1 addr=0x40000 len=4096 prot=x map=file,shared", TraceEvent.Mmap(0, 1, 0x40000, 4096, Protection.Execute, MapFlags.File | MapFlags.Shared)),
        ("mmap pid=1 addr=0x50000 len=4096 prot=rw", TraceEvent.Mmap(0, 1, 0x50000, 4096, Protection.Read | Protection.Write, MapFlags.Anonymous)),
        ("mmap pid=1 addr=0x60000 len=4096 prot=rx", TraceEvent.Mmap(0, 1, 0x60000, 4096, Protection.Read | Protection.Execute, MapFlags.Anonymous)),
        ("mmap pid=1 addr=0x70000 len=4096 prot=wx", TraceEvent.Mmap(0, 1, 0x70000, 4096, Protection.Write | Protection.Execute, MapFlags.Anonymous)),
        ("mmap pid=1 addr=0x80000 len=4096 prot=rwx", TraceEvent.Mmap(0, 1, 0x80000, 4096, Protection.Read | Protection.Write | Protection.Execute, MapFlags.Anonymous)),
        ("munmap pid=1 addr=0x10000 len=4096", TraceEvent.Munmap(0, 1, 0x10000, 4096)),
        ("mprotect pid=1 addr=0x50000 len=4096 prot=r", TraceEvent.Mprotect(0, 1, 0x50000, 4096, Protection.Read)),
        ("mprotect pid=1 addr=0x50000 len=4096 prot=none", TraceEvent.Mprotect(0, 1, 0x50000, 4096, Protection.None)),
        ("sigaction pid=1 sig=10", TraceEvent.SigInstall(0, 1, 10)),
        ("signal pid=1 sig=10", TraceEvent.SigDeliver(0, 1, 10)),
        ("touch pid=1 addr=0x7fffffffe000 len=4096 access=w", TraceEvent.Touch(0, 1, 0x7fffffffe000, 4096, AccessKind.Write)),
        ("touch pid=1 addr=0x50000 len=64 access=r", TraceEvent.Touch(0, 1, 0x50000, 64, AccessKind.Read)),
        ("touch pid=1 addr=0x400000 len=4096 access=x", TraceEvent.Touch(0, 1, 0x400000, 4096, AccessKind.Execute)),
        ("compute pid=1 cycles=1000", TraceEvent.Compute(0, 1, 1000)),
        ("compute cpu=1 pid=2 cycles=0", TraceEvent.Compute(1, 2, 0)),
        ("mark pid=1 what=measure", TraceEvent.Mark(0, 1, MarkKind.MeasureStart)),
        ("mark pid=1 what=iter", TraceEvent.Mark(0, 1, MarkKind.IterationEnd)),
    ];

    public static string EveryKindText => string.Concat(EveryKind.Select(s => s.Line + "\n"));

    public static TraceEvent[] EveryKindEvents => EveryKind.Select(s => s.Event).ToArray();

    /// <summary>A random event the text format can express: a random kind, each key random or at its default.</summary>
    public static TraceEvent RandomSchemaEvent(Random random)
    {
        var kinds = TraceSchema.Kinds;
        var spec = kinds[random.Next(kinds.Count)];
        Span<long> fields = stackalloc long[6];
        foreach (var key in spec.Keys)
        {
            fields[(int)key.Field] = !key.Required && random.Next(3) == 0 ? key.Default : RandomValue(random, key.Type);
        }

        return new TraceEvent(spec.Kind, (int)fields[0], (int)fields[1], fields[2], fields[3], fields[4], fields[5]);
    }

    /// <summary>A random event of a defined kind with arbitrary 64-bit arguments, as the binary format allows.</summary>
    public static TraceEvent RandomRawEvent(Random random)
    {
        var kind = (TraceEventKind)random.Next(1, 16);
        return new TraceEvent(kind, (int)RandomLong(random), (int)RandomLong(random),
            RandomLong(random), RandomLong(random), RandomLong(random), RandomLong(random));
    }

    public static IEnumerable<TraceEvent> Generate(int count, int seed, Func<Random, TraceEvent> next)
    {
        var random = new Random(seed);
        for (var i = 0; i < count; i++)
        {
            yield return next(random);
        }
    }

    public static List<TraceEvent> ReadAll(ITraceSource source)
    {
        var events = new List<TraceEvent>();
        while (source.TryRead(out var traceEvent))
        {
            events.Add(traceEvent);
        }

        return events;
    }

    private static long RandomValue(Random random, TraceValueType type) => type switch
    {
        TraceValueType.Id => random.Next(4) == 0 ? random.Next() : random.Next(64),
        TraceValueType.Cpu => random.Next(8) == 0 ? -1 : random.Next(4) == 0 ? random.Next() : random.Next(64),
        TraceValueType.Int32 => random.Next(int.MinValue, int.MaxValue),
        TraceValueType.Count => random.Next(4) == 0 ? random.NextInt64(long.MaxValue) : random.Next(1 << 20),
        TraceValueType.Address => random.Next(4) == 0 ? random.NextInt64(long.MaxValue) : random.NextInt64(1L << 47) & ~0xFFFL,
        TraceValueType.Protection => random.Next(8),
        _ => random.Next(TraceValues.Names(type)!.Count),
    };

    /// <summary>Small, large, negative and extreme values, roughly evenly.</summary>
    private static long RandomLong(Random random) => random.Next(5) switch
    {
        0 => 0,
        1 => random.Next(-200, 200),
        2 => random.NextInt64(long.MinValue, long.MaxValue),
        3 => random.Next(2) == 0 ? long.MinValue : long.MaxValue,
        _ => random.NextInt64(1L << 47),
    };
}
