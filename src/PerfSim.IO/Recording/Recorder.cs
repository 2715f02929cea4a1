using System.Diagnostics;
using System.Globalization;

namespace PerfSim.IO.Recording;

/// <summary>A tracer is missing, cannot run, or failed: the message says what to install or what went wrong.</summary>
public sealed class RecorderException(string message) : Exception(message);

/// <summary>
/// Runs a real program under a tracer and parses what the tracer wrote. perf (the default) records the kernel's own
/// tracepoints: every system call with its raw arguments, every user page fault with its address and access, the
/// scheduler's switches and the task events, the kernel's mapping records; strace records system calls (decoded) only.
/// </summary>
public static class Recorder
{
    /// <summary>The perf events a recording asks for.</summary>
    public static readonly string[] PerfEvents =
    [
        "raw_syscalls:sys_enter", "raw_syscalls:sys_exit", "exceptions:page_fault_user", "exceptions:page_fault_kernel",
        "sched:sched_switch", "sched:sched_process_fork", "sched:sched_process_exec", "sched:sched_process_exit",
        "signal:signal_deliver",
    ];

    /// <summary>The Debian package that provides each tool.</summary>
    public static string PackageOf(string tool) => tool switch
    {
        "perf" => "linux-perf",
        "strace" => "strace",
        "valgrind" => "valgrind",
        _ => tool,
    };

    /// <summary>The tool's full path on PATH, or null.</summary>
    public static string? Find(string tool)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var p = Path.Combine(dir, tool);
            if (File.Exists(p))
            {
                return p;
            }
        }
        return null;
    }

    public static string Require(string tool) =>
        Find(tool) ?? throw new RecorderException($"{tool} is not installed: install the Debian package {PackageOf(tool)} (apt-get install {PackageOf(tool)})");

    /// <summary>The recording machine's clock in MHz (/proc/cpuinfo's first "cpu MHz"), or null.</summary>
    public static double? HostMhz()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/cpuinfo"))
            {
                if (line.StartsWith("cpu MHz", StringComparison.Ordinal) && line.IndexOf(':', StringComparison.Ordinal) is var c and > 0
                    && double.TryParse(line[(c + 1)..].Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var mhz) && mhz > 0)
                {
                    return mhz;
                }
            }
        }
        catch (IOException)
        {
        }
        return null;
    }

    /// <summary>Execs of the recorded command's first task that belong to the recorder, not the command (env, under perf).</summary>
    public const int PerfWrapperExecs = 1;

    /// <summary>Records <paramref name="command"/> under perf; its output goes to this process's. Returns the parsed recording and the command's exit code.</summary>
    public static (ParsedRecording Recording, int ExitCode) RecordWithPerf(IReadOnlyList<string> command, string scratch, TextWriter log)
    {
        var perf = Require("perf");
        var data = Path.Combine(scratch, "perf.data");
        // perf puts its own directories in front of PATH for the command it runs (Debian's: /usr/lib/perf-core:/usr/bin),
        // which can change which programs the command finds: env restores the caller's PATH first. Its exec is the
        // recording's first; the converter skips it (PerfWrapperExecs).
        var record = new List<string> { "record", "-q", "-o", data, "-d", "-e", string.Join(',', PerfEvents), "--", Require("env"),
            "PATH=" + (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin") };
        record.AddRange(command);
        var (code, _, err) = Run(perf, record, captureOut: false);
        if (!File.Exists(data))
        {
            throw new RecorderException($"perf record wrote nothing (exit code {code}): {err.Trim()} (perf needs the tracepoints above: run as root or lower /proc/sys/kernel/perf_event_paranoid)");
        }
        var script = Path.Combine(scratch, "perf.script");
        var (scode, text, serr) = Run(perf, ["script", "-i", data, "--ns", "--show-mmap-events", "--show-lost-events", "-F", "comm,pid,tid,cpu,time,event,trace"], captureOut: true);
        if (scode != 0)
        {
            throw new RecorderException($"perf script failed (exit code {scode}): {serr.Trim()}");
        }
        File.WriteAllText(script, text);
        foreach (var line in serr.Split('\n').Where(l => l.Contains("lost", StringComparison.OrdinalIgnoreCase)))
        {
            log.WriteLine($"perf: {line.Trim()}");
        }
        using var reader = new StringReader(text);
        return (PerfScriptParser.Parse(reader, script), code);
    }

    /// <summary>
    /// Runs <paramref name="command"/> a second time, under <c>valgrind --tool=lackey --trace-mem=yes</c> following every
    /// child, and reads its memory references (one log per process image in <paramref name="scratch"/>; they can be large:
    /// about 14 bytes per reference, so a few hundred MB for a compiler run). The command goes through env with the
    /// caller's PATH, as under perf, so the two runs' trees start alike; the tree returned starts after env's exec.
    /// The command's own output is discarded (it already went out under perf).
    /// </summary>
    /// <remarks>
    /// valgrind names a log <c>lk.PID.N</c> with N counting the logs of one valgrind instance, so the image an exec starts
    /// (a new instance, N from 1 again) would truncate its predecessor's log. A watcher renames each log as soon as it
    /// appears, with a sequence number in front: no log is lost (a new instance takes far longer to start than the
    /// watcher's 2 ms poll, on a thread of its own), and the names sort in the order the images started.
    /// </remarks>
    public static LackeyTree RecordWithValgrind(IReadOnlyList<string> command, string scratch, int sample)
    {
        var valgrind = Require("valgrind");
        var dir = Path.Combine(scratch, "lackey");
        Directory.CreateDirectory(dir);
        var env = Require("env");
        var run = new List<string> { env, "PATH=" + (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin") };
        run.AddRange(command);
        var args = new List<string> { "--tool=lackey", "--trace-mem=yes", "--trace-children=yes", "--trace-syscalls=yes",
            "--log-file=" + Path.Combine(dir, "lk.%p.%n"), "--" };
        args.AddRange(run);
        var seq = 0;
        void Sweep()
        {
            foreach (var f in Directory.GetFiles(dir, "lk.*").Order(StringComparer.Ordinal))
            {
                File.Move(f, Path.Combine(dir, $"{seq++:D6}-{Path.GetFileName(f)}.log"));
            }
        }
        // A thread of its own, not the thread pool's: a busy pool (a test run, a sweep) must not delay the renames.
        var stop = false;
        var watcher = new Thread(() =>
        {
            while (!Volatile.Read(ref stop))
            {
                Sweep();
                Thread.Sleep(2);
            }
        }) { IsBackground = true, Name = "lackey-log-watcher", Priority = ThreadPriority.AboveNormal };
        watcher.Start();
        int code;
        string err;
        try
        {
            (code, _, err) = Run(valgrind, args, captureOut: false, discardOut: true);
        }
        finally
        {
            Volatile.Write(ref stop, true);
            watcher.Join();
        }
        Sweep();
        var logs = Directory.GetFiles(dir, "*.log");
        if (logs.Length == 0)
        {
            throw new RecorderException($"valgrind wrote no log (exit code {code}): {err.Trim()}");
        }
        return LackeyLogs.Read(logs, string.Join(' ', run), sample, PerfWrapperExecs);
    }

    /// <summary>Records <paramref name="command"/> under strace -f (system calls, task and signal lines; no faults or switches).</summary>
    public static (ParsedRecording Recording, int ExitCode) RecordWithStrace(IReadOnlyList<string> command, string scratch)
    {
        var strace = Require("strace");
        var output = Path.Combine(scratch, "strace.txt");
        var args = new List<string> { "-f", "-ttt", "-T", "-X", "raw", "-s", "256", "-o", output, "--" };
        args.AddRange(command);
        var (code, _, err) = Run(strace, args, captureOut: false);
        if (!File.Exists(output))
        {
            throw new RecorderException($"strace wrote nothing (exit code {code}): {err.Trim()}");
        }
        using var reader = new StreamReader(output);
        var parsed = StraceParser.Parse(reader, output);
        return (new ParsedRecording(parsed.Events, parsed.Warnings, parsed.Truncated), code);
    }

    private static (int Code, string Out, string Err) Run(string file, IEnumerable<string> args, bool captureOut, bool discardOut = false)
    {
        var psi = new ProcessStartInfo(file) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = captureOut || discardOut };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        using var p = Process.Start(psi) ?? throw new RecorderException($"could not start {file}");
        var err = p.StandardError.ReadToEndAsync();
        if (discardOut)
        {
            p.StandardOutput.BaseStream.CopyTo(Stream.Null);
        }
        var output = captureOut ? p.StandardOutput.ReadToEnd() : "";
        p.WaitForExit();
        return (p.ExitCode, output, err.Result);
    }
}
