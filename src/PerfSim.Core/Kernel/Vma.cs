using PerfSim.Core.Trace;

namespace PerfSim.Core.Kernel;

/// <summary>A virtual memory area: pages [Start, End) with one protection and backing.</summary>
public sealed class Vma
{
    public Vma(long start, long end, Protection prot, MapFlags flags, long fileKey, long filePageOffset)
    {
        Start = start;
        End = end;
        Prot = prot;
        Flags = flags;
        FileKey = fileKey;
        FilePageOffset = filePageOffset;
        HasAnonVma = !IsFile;
    }

    /// <summary>First page number.</summary>
    public long Start { get; set; }

    /// <summary>One past the last page number.</summary>
    public long End { get; set; }

    public Protection Prot { get; set; }
    public MapFlags Flags { get; }

    /// <summary>Identifies the backing file's pages in the page cache.</summary>
    public long FileKey { get; }

    /// <summary>File page mapped at <see cref="Start"/>.</summary>
    public long FilePageOffset { get; set; }

    /// <summary>Has private anonymous pages (anonymous memory, or a private file mapping written to): fork copies it.</summary>
    public bool HasAnonVma { get; set; }

    public bool IsFile => (Flags & MapFlags.File) != 0;
    public bool IsShared => (Flags & MapFlags.Shared) != 0;

    /// <summary>Private and writable-capable: fork shares its pages copy-on-write.</summary>
    public bool IsCow => !IsShared;

    public long Pages => End - Start;

    public bool Permits(AccessKind access) => access switch
    {
        AccessKind.Read => (Prot & (Protection.Read | Protection.Write | Protection.Execute)) != 0,
        AccessKind.Write => (Prot & Protection.Write) != 0,
        AccessKind.Execute => (Prot & (Protection.Execute | Protection.Read)) != 0,
        _ => false,
    };

    /// <summary>Whether a PTE installed for this VMA is writable at once: only for shared writable mappings, or a private page already owned.</summary>
    public bool PtesWritable => IsShared && (Prot & Protection.Write) != 0;

    public Vma CloneRange(long start, long end) =>
        new(start, end, Prot, Flags, FileKey, FilePageOffset + (start - Start)) { HasAnonVma = HasAnonVma, GrowsDown = GrowsDown };

    /// <summary>VM_GROWSDOWN: the stack; a fault just below it extends it (expand_stack) instead of failing.</summary>
    public bool GrowsDown { get; init; }
}
