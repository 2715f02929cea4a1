using PerfSim.Core.Trace;

namespace PerfSim.IO.Trace;

/// <summary>
/// The one table of trace keys: for every event kind, its text name and each key with its
/// slot, value type and default. The text reader, the text writer and docs/trace-format.md
/// all follow this table (a test checks the document against it).
/// </summary>
public static class TraceSchema
{
    private static readonly TraceKeySpec CpuKey =
        new("cpu", TraceField.Cpu, TraceValueType.Cpu, Required: false, Default: 0, "CPU the event happens on, or any: the kernel's scheduler places it (every event of a trace, or none, may say any).");

    private static readonly TraceKeySpec PidKey =
        new("pid", TraceField.Pid, TraceValueType.Id, Required: true, Default: 0, "Process the event belongs to.");

    private static readonly TraceKeySpec MarkPidKey =
        new("pid", TraceField.Pid, TraceValueType.Id, Required: false, Default: 0, "Ignored by the simulator; markers belong to no process.");

    private static readonly TraceKindSpec[] All =
    [
        Kind(TraceEventKind.Syscall, "syscall", "A system call other than the process and memory calls.",
            Req("name", TraceField.Arg0, TraceValueType.Syscall, "Which system call."),
            Opt("size", TraceField.Arg1, TraceValueType.Count, "Size argument: bytes, or descriptors for select."),
            Opt("pipe", TraceField.Arg2, TraceValueType.Id, "For pipe_read and pipe_write: which pipe (0 = unnamed: the read always finds data). A read of an empty named pipe blocks until a write to it."),
            Opt("dir_entries", TraceField.Arg3, TraceValueType.Count, "For create, create_cached and unlink: entries already in the directory, which a linear (ext2/ext3) directory compares one by one: create's lookup miss and insertion both scan them all, create_cached's insertion alone scans them (its lookup finds the name's negative dentry), unlink scans up to its file's entry. 0 when unknown.")),
        Kind(TraceEventKind.Fork, "fork", "fork, clone or vfork creating a child.",
            Req("child", TraceField.Arg0, TraceValueType.Id, "Pid of the new child."),
            Opt("flags", TraceField.Arg1, TraceValueType.ForkFlags, "Thread (CLONE_VM) or vfork; none for a plain fork.")),
        Kind(TraceEventKind.Exec, "exec", "execve of a new image.",
            Opt("text_pages", TraceField.Arg0, TraceValueType.Count, "Pages of program text."),
            Opt("data_pages", TraceField.Arg1, TraceValueType.Count, "Pages of initialised data."),
            Opt("bss_pages", TraceField.Arg2, TraceValueType.Count, "Pages of zero-initialised data."),
            Opt("arg_pages", TraceField.Arg3, TraceValueType.Count, "Pages of arguments and environment.")),
        Kind(TraceEventKind.Exit, "exit", "The process exits.",
            Opt("status", TraceField.Arg0, TraceValueType.Int32, "Exit status.")),
        Kind(TraceEventKind.Wait, "wait", "waitpid reaping a child.",
            Req("child", TraceField.Arg0, TraceValueType.Id, "Pid of the child reaped.")),
        new(TraceEventKind.Switch, "switch", "Context switch on cpu to process pid; the previous task is whoever ran on that CPU.",
            [CpuKey, PidKey with { Meaning = "Process switched to (the next task)." }]),
        Kind(TraceEventKind.PageFault, "fault", "A page fault recorded as such.",
            Req("addr", TraceField.Arg0, TraceValueType.Address, "Faulting virtual address."),
            Req("access", TraceField.Arg1, TraceValueType.Access, "Access that faulted."),
            Opt("kind", TraceField.Arg2, TraceValueType.FaultKind, "How the fault is resolved; auto classifies from the VMA and PTE.")),
        Kind(TraceEventKind.Mmap, "mmap", "mmap of a new mapping.",
            Req("addr", TraceField.Arg0, TraceValueType.Address, "Start address."),
            Req("len", TraceField.Arg1, TraceValueType.Count, "Length in bytes."),
            Req("prot", TraceField.Arg2, TraceValueType.Protection, "Page protection."),
            Opt("map", TraceField.Arg3, TraceValueType.MapFlags, "Anonymous or file-backed, private or shared.")),
        Kind(TraceEventKind.Munmap, "munmap", "munmap of a range.",
            Req("addr", TraceField.Arg0, TraceValueType.Address, "Start address."),
            Req("len", TraceField.Arg1, TraceValueType.Count, "Length in bytes.")),
        Kind(TraceEventKind.Mprotect, "mprotect", "mprotect changing the protection of a range.",
            Req("addr", TraceField.Arg0, TraceValueType.Address, "Start address."),
            Req("len", TraceField.Arg1, TraceValueType.Count, "Length in bytes."),
            Req("prot", TraceField.Arg2, TraceValueType.Protection, "New page protection.")),
        Kind(TraceEventKind.SigInstall, "sigaction", "sigaction installing a signal handler.",
            Req("sig", TraceField.Arg0, TraceValueType.Id, "Signal number.")),
        Kind(TraceEventKind.SigDeliver, "signal", "A signal delivered to a handler, which returns through sigreturn.",
            Req("sig", TraceField.Arg0, TraceValueType.Id, "Signal number.")),
        Kind(TraceEventKind.Touch, "touch", "User memory references over a range.",
            Req("addr", TraceField.Arg0, TraceValueType.Address, "Start address."),
            Req("len", TraceField.Arg1, TraceValueType.Count, "Length in bytes."),
            Req("access", TraceField.Arg2, TraceValueType.Access, "Kind of reference.")),
        Kind(TraceEventKind.Compute, "compute", "User computation.",
            Req("cycles", TraceField.Arg0, TraceValueType.Count, "Cycles of computation."),
            Opt("fpu", TraceField.Arg1, TraceValueType.Count, "1 if the computation uses the FPU/SSE registers (the first use after a switch traps with #NM and restores the FPU state lazily); 0 otherwise.")),
        Kind(TraceEventKind.Exception, "exception", "A synchronous exception the kernel handles and returns from.",
            Req("vector", TraceField.Arg0, TraceValueType.Count, "Exception vector (0 = divide error; 14 = a page fault fixed up without a page-table change).")),
        Kind(TraceEventKind.PortIo, "io", "The kernel executes an I/O port instruction.",
            Req("port", TraceField.Arg0, TraceValueType.Count, "I/O port."),
            Opt("out", TraceField.Arg1, TraceValueType.Count, "1 for out, 0 for in.")),
        Kind(TraceEventKind.DebugRegs, "debugreg", "A debugger (ptrace) sets or clears the process's hardware breakpoints; every switch to a process with them set loads six debug registers.",
            Req("set", TraceField.Arg0, TraceValueType.Count, "1: breakpoints set (TIF_DEBUG); 0: cleared. fork copies the setting, exec clears it.")),
        new TraceKindSpec(TraceEventKind.Mark, "mark", "A measurement marker.",
            [CpuKey, MarkPidKey, Req("what", TraceField.Arg0, TraceValueType.Mark, "measure: counters are snapshotted here; iter: one iteration ends.")]),
    ];

    private static readonly TraceKindSpec?[] ByKind = BuildByKind();

    /// <summary>Every event kind, in <see cref="TraceEventKind"/> order.</summary>
    public static IReadOnlyList<TraceKindSpec> Kinds => All;

    /// <summary>The kind names as a comma-separated list, for messages.</summary>
    public static string KindList { get; } = string.Join(", ", All.Select(k => k.Name));

    /// <summary>The spec of <paramref name="kind"/>; throws for a value that is not a defined kind.</summary>
    public static TraceKindSpec For(TraceEventKind kind) =>
        TryFor(kind) ?? throw new ArgumentOutOfRangeException(nameof(kind), kind, "not a defined trace event kind");

    /// <summary>The spec of <paramref name="kind"/>, or null for a value that is not a defined kind.</summary>
    public static TraceKindSpec? TryFor(TraceEventKind kind) => (int)kind < ByKind.Length ? ByKind[(int)kind] : null;

    /// <summary>The spec whose text name is <paramref name="name"/> (exact, lowercase), or null.</summary>
    public static TraceKindSpec? FindByName(ReadOnlySpan<char> name)
    {
        foreach (var spec in All)
        {
            if (name.SequenceEqual(spec.Name))
            {
                return spec;
            }
        }

        return null;
    }

    private static TraceKindSpec?[] BuildByKind()
    {
        var table = new TraceKindSpec?[All.Max(k => (int)k.Kind) + 1];
        foreach (var spec in All)
        {
            table[(int)spec.Kind] = spec;
        }

        return table;
    }

    private static TraceKindSpec Kind(TraceEventKind kind, string name, string meaning, params TraceKeySpec[] args) =>
        new(kind, name, meaning, [CpuKey, PidKey, .. args]);

    private static TraceKeySpec Req(string key, TraceField field, TraceValueType type, string meaning) =>
        new(key, field, type, Required: true, Default: 0, meaning);

    private static TraceKeySpec Opt(string key, TraceField field, TraceValueType type, string meaning) =>
        new(key, field, type, Required: false, Default: 0, meaning);
}
