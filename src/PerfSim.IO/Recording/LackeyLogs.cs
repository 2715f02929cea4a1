namespace PerfSim.IO.Recording;

/// <summary>One process image's memory references, with the images it forked (aligned with its stream's forks; null where no log was found) and the image it exec'd.</summary>
public sealed class LackeyImage(LackeyStream stream)
{
    public LackeyStream Stream { get; } = stream;

    public List<LackeyImage?> Forks { get; } = new();

    public LackeyImage? Exec { get; set; }
}

/// <summary>The valgrind run's process images as a tree, and what could not be placed in it.</summary>
public sealed record LackeyTree(LackeyImage Root, IReadOnlyList<string> Notes, int Logs, long References);

/// <summary>
/// Reads the logs of <c>valgrind --tool=lackey --trace-mem=yes --trace-syscalls=yes --trace-children=yes
/// --log-file=DIR/lk.%p.%n</c>: one file per process image, which valgrind opens when a process starts (a forked child
/// reopens its parent's log under its own pid) and again after each exec. The files must sort in the order the images
/// started (<see cref="Recorder.RecordWithValgrind"/> names them so). The logs are joined into the run's tree from what
/// they say: a fork ("process P created child C") leads to C's first log, which starts from P's address space at that
/// point; an exec that ends a log leads to the same pid's next log, if its command is the exec'd file.
/// </summary>
public static class LackeyLogs
{
    /// <summary>
    /// Builds the tree. <paramref name="rootCommand"/> is the command valgrind ran (its first word is the root log's);
    /// <paramref name="wrapperExecs"/> execs of the root belong to a wrapper (env): the tree starts at the image after them.
    /// </summary>
    public static LackeyTree Read(IReadOnlyList<string> files, string rootCommand, int sample = 1, int wrapperExecs = 0)
    {
        var logs = new List<(string File, int Pid, int Parent, string Command)>();
        foreach (var f in files.Order(StringComparer.Ordinal)) // the order the images started in
        {
            using var r = new StreamReader(f);
            var (pid, parent, command) = LackeyParser.ReadHeader(r);
            if (pid > 0)
            {
                logs.Add((f, pid, parent, command));
            }
        }
        if (logs.Count == 0)
        {
            throw new RecorderException($"valgrind wrote no lackey log ({files.Count} file(s)): see its output above");
        }
        var pids = logs.Select(l => l.Pid).ToHashSet();
        var roots = logs.Where(l => !pids.Contains(l.Parent)).ToList();
        var first = roots.FirstOrDefault(l => l.Command == rootCommand);
        if (first.File is null)
        {
            first = roots.FirstOrDefault(l => FirstWord(l.Command) == FirstWord(rootCommand));
        }
        if (first.File is null)
        {
            throw new RecorderException($"none of valgrind's {logs.Count} log(s) is the recorded command's ('{rootCommand}')");
        }
        var used = new HashSet<string>(StringComparer.Ordinal);
        var notes = new List<string>();
        long references = 0;

        LackeyImage Parse(string file, ValgrindLayout? inherited)
        {
            used.Add(file);
            LackeyStream stream;
            using (var r = new StreamReader(file))
            {
                stream = LackeyParser.Parse(r, file, sample, inherited);
            }
            references += stream.References;
            var image = new LackeyImage(stream);
            foreach (var fork in stream.Forks)
            {
                // The child's first log, which keeps the parent's command line (valgrind copies it at the fork).
                var child = logs.FirstOrDefault(l => l.Pid == fork.Pid && !used.Contains(l.File));
                image.Forks.Add(child.File is null || child.Command != stream.Command ? null : Parse(child.File, fork.Layout));
            }
            if (stream.ExecPath is { } path)
            {
                // The same pid's next log; a script's names its interpreter first, then the script.
                var next = logs.FirstOrDefault(l => l.Pid == stream.Pid && !used.Contains(l.File));
                var ok = next.File is not null && (SameFile(FirstWord(next.Command), path) || next.Command.Split(' ').Any(w => SameFile(w, path)));
                image.Exec = ok ? Parse(next.File!, null) : null;
            }
            return image;
        }

        var root = Parse(first.File, null);
        for (var i = 0; i < wrapperExecs; i++)
        {
            root = root.Exec ?? throw new RecorderException($"valgrind's log of the wrapper ({root.Stream.Source}) has no exec of the recorded command");
        }
        var unused = logs.Count(l => !used.Contains(l.File));
        if (unused > 0)
        {
            notes.Add($"{unused} of valgrind's {logs.Count} logs belong to no fork or exec the others show and were left out");
        }
        return new LackeyTree(root, notes, logs.Count, references);
    }

    /// <summary>Whether two paths name the same program (equal, or the same file name when one was found on PATH).</summary>
    public static bool SameFile(string? a, string? b) =>
        a is not null && b is not null && (a == b || Path.GetFileName(a) == Path.GetFileName(b));

    private static string FirstWord(string command)
    {
        var space = command.IndexOf(' ', StringComparison.Ordinal);
        return space < 0 ? command : command[..space];
    }
}
