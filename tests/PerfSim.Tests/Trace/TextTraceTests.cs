using PerfSim.Core.Trace;
using PerfSim.IO.Trace;

namespace PerfSim.Tests.Trace;

public sealed class TextTraceTests
{
    [Fact]
    public void Text_reader_maps_every_kind_and_enum_value_to_the_documented_event_slots()
    {
        foreach (var (line, expected) in TraceSamples.EveryKind)
        {
            Assert.Equal(expected, Single(line));
        }
    }

    [Fact]
    public void Text_round_trip_preserves_every_event_kind()
    {
        var events = TraceSamples.ReadAll(Reader(TraceSamples.EveryKindText));

        Assert.Equal(TraceSamples.EveryKindEvents, events);
        Assert.Equal(TraceSamples.EveryKindText, WriteText(events));
    }

    [Fact]
    public void Text_writer_output_is_canonical_for_every_kind()
    {
        foreach (var (line, traceEvent) in TraceSamples.EveryKind)
        {
            Assert.Equal(line + "\n", WriteText([traceEvent]));
        }
    }

    [Fact]
    public void Comments_blank_lines_and_extra_whitespace_are_ignored()
    {
        const string text = """
            # a whole-line comment

               
            compute pid=1 cycles=5   # trailing comment
            	touch   addr=4096 pid=2	len=0x10 access=w cpu=0#no space before comment
            #
            """;
        using var reader = Reader(text);

        Assert.Equal([TraceEvent.Compute(0, 1, 5), TraceEvent.Touch(0, 2, 4096, 16, AccessKind.Write)], TraceSamples.ReadAll(reader));
        Assert.Equal(6, reader.LineNumber);
    }

    [Fact]
    public void Numbers_may_be_decimal_or_hex_in_either_case()
    {
        Assert.Equal(TraceEvent.Compute(0, 0x10, 0xABCdef), Single("compute pid=0x10 cycles=0XabCDEF"));
    }

    [Fact]
    public void Protection_letters_may_come_in_any_order()
    {
        Assert.Equal(TraceEvent.Mprotect(0, 1, 0, 1, Protection.Read | Protection.Write | Protection.Execute),
            Single("mprotect pid=1 addr=0 len=1 prot=xwr"));
    }

    [Fact]
    public void Reading_non_canonical_text_and_writing_it_gives_canonical_text()
    {
        var events = TraceSamples.ReadAll(Reader("fork  child=0x2 pid=1 cpu=0 flags=none # plain fork\nexit pid=2 status=0\n"));

        Assert.Equal("fork pid=1 child=2\nexit pid=2\n", WriteText(events));
    }

    [Theory]
    [InlineData("frobnicate pid=1", 1, "kind", "syscall, fork, exec")]
    [InlineData("Syscall pid=1 name=read", 1, "kind", "unknown event kind 'Syscall'")]
    [InlineData("syscall pid=1 name=read colour=red", 1, "colour", "expected one of cpu, pid, name, size")]
    [InlineData("syscall pid=1 name=read pid=2", 1, "pid", "duplicate key")]
    [InlineData("syscall name=read", 1, "pid", "missing required key 'pid'")]
    [InlineData("switch cpu=1", 1, "pid", "missing required key 'pid'")]
    [InlineData("syscall pid=1", 1, "name", "missing required key 'name'")]
    [InlineData("fault pid=1 access=r", 1, "addr", "missing required key 'addr'")]
    [InlineData("fault pid=1 addr=0x12g4 access=r", 1, "addr", "'0x12g4' is not a number")]
    [InlineData("fault pid=1 addr=0x access=r", 1, "addr", "is not a number")]
    [InlineData("compute pid=1 cycles=12abc", 1, "cycles", "is not a number")]
    [InlineData("compute pid=1 cycles=", 1, "cycles", "is not a number")]
    [InlineData("compute pid=1 cycles=-5", 1, "cycles", "is negative")]
    [InlineData("compute pid=-1 cycles=5", 1, "pid", "is negative")]
    [InlineData("compute cpu=-1 pid=1 cycles=5", 1, "cpu", "is negative")]
    [InlineData("compute cpu=anywhere pid=1 cycles=5", 1, "cpu", "is not a number")]
    [InlineData("compute pid=1 cycles=0x10000000000000000", 1, "cycles", "out of range")]
    [InlineData("compute pid=1 cycles=0x8000000000000000", 1, "cycles", "out of range")]
    [InlineData("wait pid=1 child=4294967296", 1, "child", "out of range")]
    [InlineData("exit pid=1 status=2147483648", 1, "status", "out of range")]
    [InlineData("syscall pid=1 name=pipe-read", 1, "name", "expected one of null, read, write, stat, open, close, kill, select, create, unlink, pipe_read, pipe_write, msync, brk, other")]
    [InlineData("fork pid=1 child=2 flags=clone", 1, "flags", "expected one of none, thread, vfork")]
    [InlineData("fault pid=1 addr=0 access=rw", 1, "access", "expected one of r, w, x")]
    [InlineData("fault pid=1 addr=0 access=r kind=minor", 1, "kind", "expected one of auto, anon, cow, file, prot")]
    [InlineData("mmap pid=1 addr=0 len=1 prot=rr", 1, "prot", "letters from r, w, x")]
    [InlineData("mmap pid=1 addr=0 len=1 prot=", 1, "prot", "letters from r, w, x")]
    [InlineData("mmap pid=1 addr=0 len=1 prot=r map=shared", 1, "map", "expected one of anon, file, anon,shared, file,shared")]
    [InlineData("mark pid=1 what=start", 1, "what", "expected one of measure, iter")]
    [InlineData("compute pid=1 cycles", 1, "cycles", "expected key=value")]
    [InlineData("compute pid=1 =5", 1, "=5", "expected key=value")]
    [InlineData("# header\n\ncompute pid=1 cycles=1\nbogus", 4, "kind", "unknown event kind 'bogus'")]
    public void Malformed_text_names_the_file_line_and_field(string text, long line, string field, string problem)
    {
        using var reader = Reader(text);

        var error = Assert.Throws<TraceException>(() => TraceSamples.ReadAll(reader));

        Assert.Equal("bad.trace", error.Source);
        Assert.Equal(line, error.Line);
        Assert.Equal(field, error.Field);
        Assert.Contains(problem, error.Problem);
        Assert.StartsWith($"bad.trace:{line}: field '{field}': ", error.Message);
    }

    [Fact]
    public void Text_writer_rejects_an_argument_its_kind_has_no_key_for()
    {
        var error = Assert.Throws<TraceException>(() => WriteText([new TraceEvent(TraceEventKind.Compute, 0, 1, 5, Arg2: 7)]));

        Assert.Equal("Arg2", error.Field);
        Assert.Equal(1, error.Line);
    }

    [Fact]
    public void Text_writer_rejects_values_the_text_format_cannot_express()
    {
        Assert.Equal("flags", Assert.Throws<TraceException>(() => WriteText([TraceEvent.Fork(0, 1, 2, ForkFlags.Thread | ForkFlags.VFork)])).Field);
        Assert.Equal("pid", Assert.Throws<TraceException>(() => WriteText([TraceEvent.Compute(0, -1, 5)])).Field);
        Assert.Equal("kind", Assert.Throws<TraceException>(() => WriteText([new TraceEvent((TraceEventKind)99, 0, 1)])).Field);
    }

    [Fact]
    public void Cpu_any_means_the_scheduler_places_the_event_and_writes_back_as_any()
    {
        var e = Single("compute cpu=any pid=1 cycles=5");
        Assert.Equal(TraceEvent.AnyCpu, e.Cpu);
        Assert.Equal("compute cpu=any pid=1 cycles=5\n", WriteText([e]));
        Assert.Equal("cpu", Assert.Throws<TraceException>(() => WriteText([TraceEvent.Compute(-2, 1, 5)])).Field);
    }

    [Fact]
    public void Text_writer_writes_a_comment_the_reader_skips()
    {
        var output = new StringWriter();
        using (var writer = new TextTraceWriter(output, "out.trace", leaveOpen: true))
        {
            writer.WriteComment("generated by a test");
            writer.Write(TraceEvent.Compute(0, 1, 2));
        }

        Assert.Equal("# generated by a test\ncompute pid=1 cycles=2\n", output.ToString());
        Assert.Equal([TraceEvent.Compute(0, 1, 2)], TraceSamples.ReadAll(Reader(output.ToString())));
    }

    internal static TextTraceReader Reader(string text) => new(new StringReader(text), "bad.trace");

    internal static string WriteText(IEnumerable<TraceEvent> events)
    {
        var output = new StringWriter();
        using (var writer = new TextTraceWriter(output, "out.trace", leaveOpen: true))
        {
            foreach (var traceEvent in events)
            {
                writer.Write(traceEvent);
            }
        }

        return output.ToString();
    }

    private static TraceEvent Single(string line) => Assert.Single(TraceSamples.ReadAll(Reader(line)));
}
