namespace PerfSim.Core.Workloads;

/// <summary>One settable size or setting of a generated process (<c>--set process.KEY=N</c>).</summary>
public sealed record ProcessShapeParam(string Key, int Min, int Max, string Description, Func<ProcessShape, int> Get, Func<ProcessShape, int, ProcessShape> Set)
{
    /// <summary>What the number counts ("pages", or "flag" for a 0/1 setting).</summary>
    public string Unit { get; init; } = "pages";
}

/// <summary>The documented, settable sizes of <see cref="ProcessShape"/> (in pages) and its settings.</summary>
public static class ProcessShapeParams
{
    public static readonly IReadOnlyList<ProcessShapeParam> All =
    [
        new("text_pages", 2, 10_000, "Program text pages executed.", s => s.TextPages, (s, v) => s with { TextPages = v }),
        new("data_pages", 1, 10_000, "Program data pages (private file mapping, written).", s => s.DataPages, (s, v) => s with { DataPages = v }),
        new("bss_pages", 0, 10_000, "Program bss pages (anonymous, written).", s => s.BssPages, (s, v) => s with { BssPages = v }),
        new("ldso_text_pages", 1, 10_000, "ld.so text pages touched.", s => s.LdsoTextPages, (s, v) => s with { LdsoTextPages = v }),
        new("libc_text_mapped", 1, 100_000, "libc text pages mapped.", s => s.LibcTextMapped, (s, v) => s with { LibcTextMapped = v }),
        new("libc_text_pages", 1, 100_000, "libc text pages touched (resident); at most libc_text_mapped.", s => s.LibcTextPages, (s, v) => s with { LibcTextPages = v }),
        new("lib_data_pages", 2, 10_000, "ld.so + libc data pages (private file mapping, written).", s => s.LibDataPages, (s, v) => s with { LibDataPages = v }),
        new("libc_bss_pages", 1, 10_000, "libc bss pages (anonymous, written).", s => s.LibBssPages, (s, v) => s with { LibBssPages = v }),
        new("heap_pages", 0, 1_000_000, "Heap pages (brk, anonymous, written): the knob for process size.", s => s.HeapPages, (s, v) => s with { HeapPages = v }),
        new("stack_pages", 1, 32, "Stack pages touched.", s => s.StackPages, (s, v) => s with { StackPages = v }),
        new("child_code_pages", 1, 10_000, "Code pages a forked child executes before exit.", s => s.ChildCodePages, (s, v) => s with { ChildCodePages = v }),
        new("child_written_pages", 1, 1_000_000, "Private pages a forked child writes before exit.", s => s.ChildWrittenPages, (s, v) => s with { ChildWrittenPages = v }),
        new("parent_written_pages", 1, 1_000_000, "Private pages the parent writes between fork and wait.", s => s.ParentWrittenPages, (s, v) => s with { ParentWrittenPages = v }),
        new("debug_registers", 0, 1, "1: a debugger set hardware breakpoints in the first process, so it and the children it forks (until they exec) load dr0-dr3, dr6, dr7 at every switch to them.",
            s => s.DebugRegisters, (s, v) => s with { DebugRegisters = v }) { Unit = "flag" },
    ];

    public static ProcessShapeParam? Find(string key) => All.FirstOrDefault(p => p.Key == key);

    /// <summary>Problems with a shape's combination of sizes (empty when it is usable).</summary>
    public static IReadOnlyList<string> Problems(ProcessShape s)
    {
        var p = new List<string>();
        if (s.LibcTextPages > s.LibcTextMapped)
        {
            p.Add($"process.libc_text_pages {s.LibcTextPages} exceeds process.libc_text_mapped {s.LibcTextMapped}");
        }
        if (s.ChildCodePages <= s.TextPages / 2)
        {
            p.Add($"process.child_code_pages {s.ChildCodePages} must exceed half of process.text_pages ({s.TextPages / 2})");
        }
        return p;
    }
}
