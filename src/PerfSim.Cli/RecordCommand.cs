using System.CommandLine;
using System.Globalization;
using PerfSim.Core.Trace;
using PerfSim.IO.Recording;
using PerfSim.IO.Trace;

namespace PerfSim.Cli;

/// <summary><c>perfsim record --out FILE [--tracer perf|strace] [--mem [--mem-sample N]] [--keep-cpus] [--host-mhz N] -- CMD ARGS...</c></summary>
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
        var mem = new Option<bool>("--mem") { Description = "Also run the command under valgrind lackey and add its user memory references as page touches (perf only; the touches replace the recorded page faults)." };
        var memSample = new Option<int>("--mem-sample") { Description = "With --mem, keep every N-th page touch (a page's first touch and first write are always kept).", DefaultValueFactory = _ => 1 };
        var command = new Argument<string[]>("command") { Description = "The program to record and its arguments (after --).", Arity = ArgumentArity.OneOrMore };
        var record = new Command("record", "Run a real program under a tracer and write a PerfSim trace of it.")
        {
            outFile, tracer, keepCpus, hostMhz, raw, mem, memSample, command,
        };
        record.SetAction(p => Record(p.GetValue(outFile) ?? Path.GetFileName(p.GetValue(command)![0]) + ".bin", p.GetValue(tracer)!, p.GetValue(keepCpus), p.GetValue(hostMhz), p.GetValue(raw),
            p.GetValue(mem) ? p.GetValue(memSample) : 0, p.GetValue(command)!, stdout, stderr));
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

    /// <param name="memSample">0: no memory references; N: --mem with every N-th touch kept.</param>
    private static int Record(string outFile, string tracer, bool keepCpus, double? hostMhz, string? raw, int memSample, string[] command, TextWriter stdout, TextWriter stderr)
    {
        var mhz = hostMhz ?? Recorder.HostMhz() ?? 1000;
        if (mhz is <= 0 or > 100_000)
        {
            throw new UsageException($"--host-mhz {mhz.ToString(CultureInfo.InvariantCulture)}: must be between 0 and 100,000");
        }
        if (memSample < 0)
        {
            throw new UsageException($"--mem-sample {memSample}: must be 1 or more");
        }
        if (memSample > 0 && tracer != "perf")
        {
            throw new UsageException("--mem needs --tracer perf: the touches are placed by the kernel's mapping records, which strace does not give");
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
            LackeyTree? memory = null;
            if (memSample > 0)
            {
                try
                {
                    memory = Recorder.RecordWithValgrind(command, scratch.FullName, memSample);
                }
                catch (RecorderException ex)
                {
                    throw new UsageException(ex.Message);
                }
                stdout.WriteLine($"valgrind lackey: {memory.Logs} process image log(s), {memory.References.ToString("N0", CultureInfo.InvariantCulture)} memory references");
            }
            var result = RecordingConverter.Convert(run.Recording,
                new ConvertOptions(mhz, keepCpus, ReadImage, tracer == "perf" ? Recorder.PerfWrapperExecs : 0, memory?.Root), outFile);
            var text = outFile.EndsWith(".trace", StringComparison.Ordinal) || outFile.EndsWith(".txt", StringComparison.Ordinal);
            TraceFiles.Write(outFile, new ListTraceSource(Path.GetFileNameWithoutExtension(outFile), result.Events), text ? TraceFormat.Text : TraceFormat.Binary);
            var c = result.Counts;
            stdout.WriteLine($"recorded '{string.Join(' ', command)}' (exit code {run.ExitCode}) with {tracer} at {mhz.ToString("F0", CultureInfo.InvariantCulture)} MHz: " +
                $"{c.Processes} process(es), {c.Threads} thread(s), {c.Execs} exec(s), {c.Syscalls} system calls, {(memory is null ? $"{c.PageFaults} page faults" : $"{c.FaultsReplaced} page faults left to the touches")}, " +
                $"{c.ComputeCycles.ToString("N0", CultureInfo.InvariantCulture)} user cycles" +
                (memory is null ? "" : $", {c.Touches.ToString("N0", CultureInfo.InvariantCulture)} page touches") + $"; {c.Events} events written to {outFile}");
            stdout.WriteLine($"replay it with: perfsim replay {outFile}");
            foreach (var w in run.Recording.Warnings.Take(10))
            {
                stderr.WriteLine($"warning: {w}");
            }
            foreach (var n in (memory?.Notes ?? []).Concat(result.Notes))
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
