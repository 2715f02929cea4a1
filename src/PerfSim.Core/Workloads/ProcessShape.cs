namespace PerfSim.Core.Workloads;

/// <summary>
/// The resident size of a generated process: a small dynamically linked 2003-era program (lmbench's
/// binaries) with ld.so and libc. Pages "touched" are the resident ones; the rest of a mapping stays
/// unfaulted. Defaults are estimates; see docs/workloads.md.
/// </summary>
public sealed record ProcessShape
{
    /// <summary>Program text pages executed (file-backed, private, r-x).</summary>
    public int TextPages { get; init; } = 6;
    /// <summary>Program data pages (file-backed private, written: become anonymous).</summary>
    public int DataPages { get; init; } = 2;
    /// <summary>Program bss pages (anonymous, written).</summary>
    public int BssPages { get; init; } = 2;
    /// <summary>ld.so text pages touched.</summary>
    public int LdsoTextPages { get; init; } = 18;
    /// <summary>libc text pages mapped.</summary>
    public int LibcTextMapped { get; init; } = 300;
    /// <summary>libc text pages touched (resident).</summary>
    public int LibcTextPages { get; init; } = 60;
    /// <summary>ld.so + libc data pages (file-backed private, written: become anonymous).</summary>
    public int LibDataPages { get; init; } = 6;
    /// <summary>libc bss pages (anonymous, written).</summary>
    public int LibBssPages { get; init; } = 2;
    /// <summary>Heap pages (brk, anonymous, written).</summary>
    public int HeapPages { get; init; } = 8;
    /// <summary>Stack pages touched.</summary>
    public int StackPages { get; init; } = 4;
    /// <summary>Distinct code pages a forked child executes between fork and exit (its return path and exit()).</summary>
    public int ChildCodePages { get; init; } = 12;
    /// <summary>Private pages a forked child writes between fork and exit: stack, TLS, libc data and bss (fork and exit handlers, stdio), program data.</summary>
    public int ChildWrittenPages { get; init; } = 6;
    /// <summary>Private pages the parent writes between fork returning and blocking in wait: stack, libc data (atfork handlers), program data.</summary>
    public int ParentWrittenPages { get; init; } = 3;
    /// <summary>1 if a debugger has set hardware breakpoints in the first process (and so in the children it forks until they exec): every switch to it loads six debug registers.</summary>
    public int DebugRegisters { get; init; }

    /// <summary>The default shape.</summary>
    public static readonly ProcessShape Default = new();

    /// <summary>/tmp/hello of lmbench's exec test: a tiny dynamically linked program.</summary>
    public static readonly ProcessShape Hello = new() { TextPages = 1, DataPages = 1, BssPages = 1, HeapPages = 0, StackPages = 2, LibcTextPages = 30 };

    /// <summary>/bin/sh starting up and running one command.</summary>
    /// <summary>A compiler pass (cc1-like) of a parallel build: a larger text and heap than sh (estimate).</summary>
    public static readonly ProcessShape Compiler = new() { TextPages = 400, DataPages = 20, BssPages = 10, HeapPages = 256, StackPages = 4, LibcTextPages = 80 };

    public static readonly ProcessShape Shell = new() { TextPages = 60, DataPages = 5, BssPages = 3, HeapPages = 16, StackPages = 4, LibcTextPages = 80 };
}
