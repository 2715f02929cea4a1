using System.CommandLine;
using System.Globalization;
using PerfSim.Core.Trace;
using PerfSim.IO.Recording;
using PerfSim.IO.Trace;

namespace PerfSim.Cli;

/// <summary><c>perfsim record --out FILE [--tracer perf|strace] [--keep-cpus] [--host-mhz N] -- CMD ARGS...</c></summary>
internal static class RecordCommand
{
    public static Command Build(TextWriter stdout, TextWriter stderr)
    {
        var outFile = new Option<string?>("--out") { Description = "Trace file to write (binary; text if it ends in .trace or .txt), atomically (default: PROGRAM.bin here, PROGRAM the command's file name)." };
        var tracer = new Option<string>("--tracer") { Description = "perf (system calls, page faults with addresses, switches and mappings from the kernel's tracepoints) or strace (system calls only).", DefaultValueFactory = _ => "perf" };
        tracer.AcceptOnlyFromAmong("perf", "strace");
        var keepCpus = new Option<bool>("--keep-cpus") { Description = "Keep the CPU each event ran on (perf); by default events say cpu=any and the simulated scheduler places them." };
        var hostMhz = new Option<double?>("--host-mhz") { Description = "This machine's clock, to turn user time into cycles (default: /proc/cpuinfo's cpu MHz)." };
        var raw = new Option<string?>("--raw") { Description = "Also keep the tracer's own output (perf script's or strace's text) in this file." };
        var command = new Argument<string[]>("command") { Description = "The program to record and its arguments (after --).", Arity = ArgumentArity.OneOrMore };
        var record = new Command("record", "Run a real program under a tracer and write a PerfSim trace of it.")
        {
            outFile, tracer, keepCpus, hostMhz, raw, command,
        };
        record.SetAction(p => Record(p.GetValue(outFile) ?? Path.GetFileName(p.GetValue(command)![0]) + ".bin", p.GetValue(tracer)!, p.GetValue(keepCpus), p.GetValue(hostMhz), p.GetValue(raw), p.GetValue(command)!, stdout, stderr));
        return record;
    }

    /// <summary>An executable's image sizes from its ELF file (a script's: its interpreter's); null when it cannot be read.</summary>
    private static (long Text, long Data, long Bss)? ReadImage(string path)
    {
        try
        {
            var target = ElfReader.ReadShebang(path) is { } script ? script.Interpreter : path;
            var image = ElfReader.Read(target);
            return (image.TextPages, image.DataPages, image.BssPages);
        }
        catch (Exception ex) when (ex is ElfException or IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static int Record(string outFile, string tracer, bool keepCpus, double? hostMhz, string? raw, string[] command, TextWriter stdout, TextWriter stderr)
    {
        var mhz = hostMhz ?? Recorder.HostMhz() ?? 1000;
        if (mhz is <= 0 or > 100_000)
        {
            throw new UsageException($"--host-mhz {mhz.ToString(CultureInfo.InvariantCulture)}: must be between 0 and 100,000");
        }
        var scratch = Directory.CreateTempSubdirectory("perfsim-record-");
        try
        {
            (ParsedRecording Recording, int ExitCode) run;
            try
            {
                run = tracer == "strace" ? Recorder.RecordWithStrace(command, scratch.FullName) : Recorder.RecordWithPerf(command, scratch.FullName, stderr);
            }
            catch (RecorderException ex)
            {
                throw new UsageException(ex.Message);
            }
            if (raw is not null)
            {
                File.Copy(Path.Combine(scratch.FullName, tracer == "strace" ? "strace.txt" : "perf.script"), raw, overwrite: true);
            }
            var result = RecordingConverter.Convert(run.Recording,
                new ConvertOptions(mhz, keepCpus, ReadImage, tracer == "perf" ? Recorder.PerfWrapperExecs : 0), outFile);
            var text = outFile.EndsWith(".trace", StringComparison.Ordinal) || outFile.EndsWith(".txt", StringComparison.Ordinal);
            TraceFiles.Write(outFile, new ListTraceSource(Path.GetFileNameWithoutExtension(outFile), result.Events), text ? TraceFormat.Text : TraceFormat.Binary);
            var c = result.Counts;
            stdout.WriteLine($"recorded '{string.Join(' ', command)}' (exit code {run.ExitCode}) with {tracer} at {mhz.ToString("F0", CultureInfo.InvariantCulture)} MHz: " +
                $"{c.Processes} process(es), {c.Threads} thread(s), {c.Execs} exec(s), {c.Syscalls} system calls, {c.PageFaults} page faults, " +
                $"{c.ComputeCycles.ToString("N0", CultureInfo.InvariantCulture)} user cycles; {c.Events} events written to {outFile}");
            stdout.WriteLine($"replay it with: perfsim replay {outFile}");
            foreach (var w in run.Recording.Warnings.Take(10))
            {
                stderr.WriteLine($"warning: {w}");
            }
            foreach (var n in result.Notes)
            {
                stderr.WriteLine($"note: {n}");
            }
            return run.Recording.Truncated ? CliApp.InvalidInput : CliApp.Ok;
        }
        finally
        {
            scratch.Delete(recursive: true);
        }
    }
}
