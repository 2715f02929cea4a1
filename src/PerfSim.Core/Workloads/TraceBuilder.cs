using PerfSim.Core.Trace;

namespace PerfSim.Core.Workloads;

/// <summary>Builds a generated trace: helpers for the steps lmbench's programs take.</summary>
public sealed class TraceBuilder
{
    public const long PageSize = 4096;
    public const long TextBase = 0x08048000;
    public const long LdsoBase = 0x40000000;
    public const long LibcBase = 0x40100000;
    public const long MmapBase = 0x50000000;
    public const long StackTop = 0xBFFFF000;

    private readonly List<TraceEvent> _events = new();

    public IReadOnlyList<TraceEvent> Events => _events;

    public int Cpu { get; set; }

    public void Add(TraceEvent e) => _events.Add(e);

    public void Syscall(int pid, SyscallKind kind, long size = 0, long dirEntries = 0) => Add(TraceEvent.Syscall(Cpu, pid, kind, size, dirEntries: dirEntries));

    public void Touch(int pid, long address, long pages, AccessKind access) =>
        Add(TraceEvent.Touch(Cpu, pid, address, pages * PageSize, access));

    /// <summary>Touches pages one at a time, every <paramref name="stridePages"/>-th page.</summary>
    public void TouchStrided(int pid, long address, long pages, long stridePages, AccessKind access)
    {
        for (long i = 0; i < pages; i += stridePages)
        {
            Add(TraceEvent.Touch(Cpu, pid, address + i * PageSize, 1, access));
        }
    }

    public void Iteration() => Add(TraceEvent.Mark(Cpu, 0, MarkKind.IterationEnd));

    public void MeasureStart() => Add(TraceEvent.Mark(Cpu, 0, MarkKind.MeasureStart));

    /// <summary>exec of a program of the given shape, then its start-up: ld.so and libc mapped, resident pages faulted in.</summary>
    public void ExecAndStart(int pid, ProcessShape s)
    {
        Add(TraceEvent.Exec(Cpu, pid, s.TextPages, s.DataPages, s.BssPages, 1));
        // ld.so: brk, look for preloads, read ld.so.cache, open and read libc's header.
        Syscall(pid, SyscallKind.Brk);
        Syscall(pid, SyscallKind.Other); // access("/etc/ld.so.preload")
        Syscall(pid, SyscallKind.Open);
        Syscall(pid, SyscallKind.Other); // fstat
        Syscall(pid, SyscallKind.Close);
        Syscall(pid, SyscallKind.Open);
        Syscall(pid, SyscallKind.Read, 512);
        Syscall(pid, SyscallKind.Other); // fstat
        var ldsoPages = s.LdsoTextPages + 2L;
        Add(TraceEvent.Mmap(Cpu, pid, LdsoBase, ldsoPages * PageSize, Protection.Read | Protection.Execute, MapFlags.File));
        Add(TraceEvent.Mmap(Cpu, pid, LdsoBase + ldsoPages * PageSize, PageSize, Protection.Read | Protection.Write, MapFlags.File));
        Touch(pid, LdsoBase, s.LdsoTextPages, AccessKind.Execute);
        Touch(pid, LdsoBase + ldsoPages * PageSize, 1, AccessKind.Write);
        Add(TraceEvent.Mmap(Cpu, pid, LibcBase, s.LibcTextMapped * PageSize, Protection.Read | Protection.Execute, MapFlags.File));
        var libcData = LibcBase + s.LibcTextMapped * PageSize;
        Add(TraceEvent.Mmap(Cpu, pid, libcData, (s.LibDataPages - 1) * PageSize, Protection.Read | Protection.Write, MapFlags.File));
        var libcBss = libcData + (s.LibDataPages - 1) * PageSize;
        Add(TraceEvent.Mmap(Cpu, pid, libcBss, s.LibBssPages * PageSize, Protection.Read | Protection.Write, MapFlags.Anonymous));
        Syscall(pid, SyscallKind.Close);
        Syscall(pid, SyscallKind.Other); // set_thread_area
        Touch(pid, LibcBase, s.LibcTextPages, AccessKind.Execute);
        Touch(pid, libcData, s.LibDataPages - 1, AccessKind.Write);
        Touch(pid, libcBss, s.LibBssPages, AccessKind.Write);
        Touch(pid, TextBase, s.TextPages, AccessKind.Execute);
        var data = TextBase + s.TextPages * PageSize;
        Touch(pid, data, s.DataPages, AccessKind.Write);
        Touch(pid, data + s.DataPages * PageSize, s.BssPages, AccessKind.Write);
        if (s.HeapPages > 0)
        {
            var heap = HeapBase(s);
            Syscall(pid, SyscallKind.Brk);
            Add(TraceEvent.Mmap(Cpu, pid, heap, s.HeapPages * PageSize, Protection.Read | Protection.Write, MapFlags.Anonymous));
            Touch(pid, heap, s.HeapPages, AccessKind.Write);
        }
        Touch(pid, StackTop - (s.StackPages - 1) * PageSize, s.StackPages, AccessKind.Write);
    }

    /// <summary>Start of the heap: the page-aligned end of bss, rounded up to a 64 KB boundary.</summary>
    public static long HeapBase(ProcessShape s) =>
        (TextBase + (s.TextPages + s.DataPages + s.BssPages) * PageSize + 0xFFFF) & ~0xFFFFL;

    /// <summary>Address of the first libc data page.</summary>
    public static long LibcData(ProcessShape s) => LibcBase + s.LibcTextMapped * PageSize;

    /// <summary>
    /// Private writable pages of a started process in the order a forked child dirties them: stack, the TLS
    /// block at the heap start, libc data, libc bss, program data, then the rest of libc data and heap.
    /// </summary>
    public static IReadOnlyList<long> ChildWriteOrder(ProcessShape s)
    {
        var libcData = LibcData(s);
        var list = new List<long> { StackTop };
        if (s.HeapPages > 0)
        {
            list.Add(HeapBase(s));
        }
        list.Add(libcData);
        if (s.LibDataPages > 2)
        {
            list.Add(libcData + PageSize);
        }
        list.Add(libcData + (s.LibDataPages - 1) * PageSize); // libc bss
        list.Add(TextBase + s.TextPages * PageSize);          // program data
        for (var i = 2; i < s.LibDataPages - 1; i++)
        {
            list.Add(libcData + i * PageSize);
        }
        for (var i = 1; i < s.HeapPages; i++)
        {
            list.Add(HeapBase(s) + i * PageSize);
        }
        return list;
    }

    /// <summary>The pages a parent dirties after fork: stack, libc data (atfork handlers), program data (its loop state), more heap.</summary>
    public static IReadOnlyList<long> ParentWriteOrder(ProcessShape s)
    {
        var list = new List<long> { StackTop, LibcData(s), TextBase + s.TextPages * PageSize };
        for (var i = 1; i < s.HeapPages; i++)
        {
            list.Add(HeapBase(s) + i * PageSize);
        }
        return list;
    }
}
