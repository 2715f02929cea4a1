using PerfSim.Core.Trace;
using PerfSim.IO.Trace;

namespace PerfSim.Tests.Trace;

public sealed class TraceFilesTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("perfsim-trace-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void The_format_is_sniffed_from_the_magic_not_the_extension()
    {
        var binary = Path.Combine(_directory, "looks-like.txt");
        var text = Path.Combine(_directory, "looks-like.bin");
        var empty = Path.Combine(_directory, "empty.bin");
        File.WriteAllBytes(binary, BinaryTraceTests.WriteBinary(TraceSamples.EveryKindEvents));
        File.WriteAllText(text, TraceSamples.EveryKindText);
        File.WriteAllText(empty, "");

        Assert.Equal(TraceFormat.Binary, TraceFiles.DetectFormat(binary));
        Assert.Equal(TraceFormat.Text, TraceFiles.DetectFormat(text));
        Assert.Equal(TraceFormat.Text, TraceFiles.DetectFormat(empty));
        using (var source = TraceFiles.Open(binary))
        {
            Assert.IsType<BinaryTraceReader>(source);
            Assert.Equal(TraceSamples.EveryKindEvents, TraceSamples.ReadAll(source));
        }

        using (var source = TraceFiles.Open(text))
        {
            Assert.IsType<TextTraceReader>(source);
            Assert.Equal(TraceSamples.EveryKindEvents, TraceSamples.ReadAll(source));
        }
    }

    [Fact]
    public void Converting_text_to_binary_and_back_reproduces_the_canonical_text()
    {
        var text = Path.Combine(_directory, "trace.txt");
        var binary = Path.Combine(_directory, "trace.pstr");
        var back = Path.Combine(_directory, "back.txt");
        File.WriteAllText(text, TraceSamples.EveryKindText);

        Assert.Equal(TraceSamples.EveryKind.Length, TraceFiles.Convert(text, binary, toBinary: true));
        Assert.Equal(TraceSamples.EveryKind.Length, TraceFiles.Convert(binary, back, toBinary: false));

        Assert.Equal(TraceFormat.Binary, TraceFiles.DetectFormat(binary));
        Assert.Equal(TraceSamples.EveryKindText, File.ReadAllText(back));
        Assert.Equal(3, Directory.GetFiles(_directory).Length);
    }

    [Fact]
    public void A_failed_conversion_leaves_the_output_untouched_and_no_temporary_file()
    {
        var input = Path.Combine(_directory, "bad.txt");
        var output = Path.Combine(_directory, "out.pstr");
        File.WriteAllText(input, "compute pid=1 cycles=1\ncompute pid=1 cycles=oops\n");
        File.WriteAllText(output, "previous");

        var error = Assert.Throws<TraceException>(() => TraceFiles.Convert(input, output, toBinary: true));

        Assert.Equal(input, error.Source);
        Assert.Equal(2, error.Line);
        Assert.Equal("cycles", error.Field);
        Assert.Equal("previous", File.ReadAllText(output));
        Assert.Equal(2, Directory.GetFiles(_directory).Length);
    }

    [Fact]
    public void Converting_a_binary_event_the_text_format_cannot_express_names_the_record()
    {
        var input = Path.Combine(_directory, "raw.pstr");
        var output = Path.Combine(_directory, "raw.txt");
        File.WriteAllBytes(input, BinaryTraceTests.WriteBinary([TraceEvent.Compute(0, 1, 1), TraceEvent.Compute(0, 1, -5)]));

        var error = Assert.Throws<TraceException>(() => TraceFiles.Convert(input, output, toBinary: false));

        Assert.Equal(input, error.Source);
        Assert.Equal(2, error.Line);
        Assert.Equal("cycles", error.Field);
        Assert.False(File.Exists(output));
    }

    [Fact]
    public void Converting_a_file_onto_itself_replaces_it()
    {
        var path = Path.Combine(_directory, "trace");
        File.WriteAllText(path, TraceSamples.EveryKindText);

        TraceFiles.Convert(path, path, toBinary: true);

        Assert.Equal(TraceFormat.Binary, TraceFiles.DetectFormat(path));
        using var source = TraceFiles.Open(path);
        Assert.Equal(TraceSamples.EveryKindEvents, TraceSamples.ReadAll(source));
    }

    [Fact]
    public void A_truncated_binary_file_names_the_path_and_record()
    {
        var path = Path.Combine(_directory, "cut.pstr");
        var bytes = BinaryTraceTests.WriteBinary(TraceSamples.EveryKindEvents);
        File.WriteAllBytes(path, bytes[..^3]);

        using var source = TraceFiles.Open(path);
        var error = Assert.Throws<TraceException>(() => TraceSamples.ReadAll(source));

        Assert.Equal(path, error.Source);
        Assert.Equal(TraceSamples.EveryKind.Length, error.Line);
        Assert.Contains("byte offset", error.Message);
    }
}
