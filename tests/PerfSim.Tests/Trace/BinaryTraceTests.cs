using PerfSim.Core.Trace;
using PerfSim.IO.Trace;

namespace PerfSim.Tests.Trace;

public sealed class BinaryTraceTests
{
    [Fact]
    public void Binary_round_trip_preserves_every_event_kind()
    {
        var bytes = WriteBinary(TraceSamples.EveryKindEvents);

        Assert.Equal(TraceSamples.EveryKindEvents, ReadBinary(bytes));
    }

    [Fact]
    public void Text_to_binary_to_text_reproduces_the_canonical_text()
    {
        var events = TraceSamples.ReadAll(TextTraceTests.Reader(TraceSamples.EveryKindText));

        var text = TextTraceTests.WriteText(ReadBinary(WriteBinary(events)));

        Assert.Equal(TraceSamples.EveryKindText, text);
    }

    [Fact]
    public void An_empty_trace_is_a_header_and_an_end_record()
    {
        var bytes = WriteBinary([]);

        Assert.Equal("PSTR\u0002\0\0\0\0\0"u8.ToArray(), bytes);
        Assert.Empty(ReadBinary(bytes));
    }

    [Fact]
    public void Records_are_zigzag_varints_with_deltas_and_trailing_zero_arguments_left_out()
    {
        var bytes = WriteBinary(
        [
            TraceEvent.Switch(1, 2),
            TraceEvent.Touch(0, 2, 0x1000, 64, AccessKind.Read),
            TraceEvent.Touch(0, 2, 0x2000, 64, AccessKind.Write),
        ]);

        byte[] expected =
        [
            .. "PSTR"u8, 2, 0, 0, 0,
            0x06, 0x02, 0x04,                         // switch, 0 args; cpu 1; pid +2
            0x2D, 0x00, 0x00, 0x80, 0x40, 0x80, 0x01, // touch, 2 args (access r = 0 left out); cpu 0; pid +0; addr +0x1000; len 64
            0x3D, 0x00, 0x00, 0x80, 0x40, 0x80, 0x01, 0x02, // touch, 3 args; addr +0x1000 from the previous address; access w
            0x00, 0x03,                               // end of trace: 3 records
        ];
        Assert.Equal(expected, bytes);
    }

    [Fact]
    public void An_address_of_zero_after_a_non_zero_address_round_trips()
    {
        TraceEvent[] events =
        [
            TraceEvent.Touch(0, 1, 0x5000, 64, AccessKind.Read),
            new(TraceEventKind.Touch, 0, 1),
            TraceEvent.Munmap(0, 1, 0x5000, 0),
            TraceEvent.Munmap(0, 1, 0x5000, 0),
        ];

        Assert.Equal(events, ReadBinary(WriteBinary(events)));
    }

    [Fact]
    public void A_trace_truncated_mid_record_names_the_record_and_byte_offset()
    {
        var bytes = WriteBinary(TraceSamples.EveryKindEvents);
        var firstRecordEnd = RecordEnds(bytes)[0];

        var error = ReadError(bytes[..(firstRecordEnd + 2)]);

        Assert.Equal("trace.bin", error.Source);
        Assert.Equal(2, error.Line);
        Assert.Contains($"byte offset {firstRecordEnd}", error.Message);
        Assert.Contains("truncated", error.Problem);
    }

    [Fact]
    public void Every_truncation_of_a_trace_is_reported()
    {
        var bytes = WriteBinary(TraceSamples.EveryKindEvents.Take(8));

        for (var length = 0; length < bytes.Length; length++)
        {
            var error = ReadError(bytes[..length]);
            Assert.Equal("trace.bin", error.Source);
        }
    }

    [Fact]
    public void A_trace_cut_between_records_is_reported_as_missing_its_end_record()
    {
        var bytes = WriteBinary(TraceSamples.EveryKindEvents);
        var ends = RecordEnds(bytes);

        var error = ReadError(bytes[..ends[4]]);

        Assert.Equal(6, error.Line);
        Assert.Equal("tag", error.Field);
        Assert.Contains($"byte offset {ends[4]}", error.Problem);
        Assert.Contains("without the end-of-trace record", error.Problem);
    }

    [Fact]
    public void A_writer_disposed_without_complete_leaves_a_trace_reported_as_truncated()
    {
        var stream = new MemoryStream();
        using (var writer = new BinaryTraceWriter(stream, leaveOpen: true))
        {
            writer.Write(TraceEvent.Compute(0, 1, 5));
        }

        var error = ReadError(stream.ToArray());

        Assert.Equal(2, error.Line);
    }

    [Theory]
    [InlineData(new byte[] { (byte)'P', (byte)'S', (byte)'T', (byte)'X', 1, 0, 0, 0, 0, 0 }, "magic", "bad magic")]
    [InlineData(new byte[] { (byte)'c', (byte)'o', (byte)'m', (byte)'p' }, "magic", "not a PerfSim binary trace")]
    [InlineData(new byte[0], "magic", "bad magic")]
    [InlineData(new byte[] { (byte)'P', (byte)'S', (byte)'T', (byte)'R', 1, 0 }, "header", "truncated header")]
    [InlineData(new byte[] { (byte)'P', (byte)'S', (byte)'T', (byte)'R', 3, 0, 0, 0, 0, 0 }, "version", "unsupported format version 3")]
    [InlineData(new byte[] { (byte)'P', (byte)'S', (byte)'T', (byte)'R', 0, 0, 0, 0, 0, 0 }, "version", "unsupported format version 0")]
    [InlineData(new byte[] { (byte)'P', (byte)'S', (byte)'T', (byte)'R', 1, 1, 0, 0, 0, 0 }, "flags", "unsupported flags")]
    public void A_bad_header_is_reported_at_line_zero(byte[] bytes, string field, string problem)
    {
        var error = ReadError(bytes);

        Assert.Equal("trace.bin", error.Source);
        Assert.Equal(0, error.Line);
        Assert.Equal(field, error.Field);
        Assert.Contains(problem, error.Problem);
    }

    [Theory]
    [InlineData(new byte[] { 0x50 }, "tag", "tag 0x50")]
    [InlineData(new byte[] { 0x8E, 0, 0 }, "tag", "tag 0x8e")]
    [InlineData(new byte[] { 0x1E, 0, 2, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01, 0x00, 0x01 }, "arg0", "more than 64 bits")]
    [InlineData(new byte[] { 0x0E, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01, 0, 0x00, 0x01 }, "cpu", "does not fit 32 bits")]
    [InlineData(new byte[] { 0x0E, 0, 0, 0x00, 0x02 }, "count", "declares 2 records but 1 were read")]
    [InlineData(new byte[] { 0x0E, 0, 0, 0x00, 0x01, 0x0E }, "tag", "after the end-of-trace record")]
    public void A_corrupt_record_names_the_field(byte[] records, string field, string problem)
    {
        byte[] bytes = [.. "PSTR"u8, 1, 0, 0, 0, .. records];

        var error = ReadError(bytes);

        Assert.Equal(field, error.Field);
        Assert.Contains(problem, error.Problem);
    }

    [Fact]
    public void Streaming_a_million_event_trace_reads_every_event_without_allocating_per_event()
    {
        const int count = 1_000_000;
        var stream = new MemoryStream();
        long expectedSum = 0;
        using (var writer = new BinaryTraceWriter(stream, leaveOpen: true))
        {
            for (var i = 0; i < count; i++)
            {
                var traceEvent = (i % 4) switch
                {
                    0 => TraceEvent.Touch(i % 2, 1 + (i % 7), 0x7f0000000000 + (i * 4096L), 4096, AccessKind.Write),
                    1 => TraceEvent.Compute(i % 2, 1 + (i % 7), i),
                    2 => TraceEvent.Syscall(i % 2, 1 + (i % 7), SyscallKind.Read, i % 5000),
                    _ => TraceEvent.PageFault(i % 2, 1 + (i % 7), 0x400000 + i, AccessKind.Read),
                };
                expectedSum += traceEvent.Arg0 + traceEvent.Pid;
                writer.Write(traceEvent);
            }

            writer.Complete();
        }

        stream.Position = 0;
        long read = 0;
        long sum = 0;
        using var reader = new BinaryTraceReader(stream, "million.bin");
        var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        while (reader.TryRead(out var traceEvent))
        {
            read++;
            sum += traceEvent.Arg0 + traceEvent.Pid;
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;

        Assert.Equal(count, read);
        Assert.Equal(expectedSum, sum);
        Assert.True(allocated < 64 * 1024, $"reading allocated {allocated} bytes");
    }

    internal static byte[] WriteBinary(IEnumerable<TraceEvent> events)
    {
        var stream = new MemoryStream();
        using (var writer = new BinaryTraceWriter(stream, leaveOpen: true))
        {
            foreach (var traceEvent in events)
            {
                writer.Write(traceEvent);
            }

            writer.Complete();
        }

        return stream.ToArray();
    }

    internal static List<TraceEvent> ReadBinary(byte[] bytes)
    {
        using var reader = new BinaryTraceReader(new MemoryStream(bytes), "trace.bin");
        return TraceSamples.ReadAll(reader);
    }

    private static TraceException ReadError(byte[] bytes) => Assert.Throws<TraceException>(() => ReadBinary(bytes));

    /// <summary>The byte offset just after each event record, found by writing prefixes.</summary>
    private static int[] RecordEnds(byte[] bytes)
    {
        var events = ReadBinary(bytes);
        Assert.True(events.Count < 128, "the end record is then 2 bytes");
        var ends = new int[events.Count];
        for (var i = 0; i < events.Count; i++)
        {
            ends[i] = WriteBinary(events.Take(i + 1)).Length - 2;
        }

        return ends;
    }

    [Fact]
    public void A_version_1_file_reads_the_same_and_rejects_tag_bit_7()
    {
        byte[] v1 = [.. "PSTR"u8, 1, 0, 0, 0, 0x1E, 0x00, 0x02, 0x0A, 0x00, 0x01];
        var events = ReadBinary(v1);
        Assert.Equal([TraceEvent.Compute(0, 1, 5)], events);
        byte[] bad = [.. "PSTR"u8, 1, 0, 0, 0, 0x9E, 0x00, 0x02, 0x0A, 0x00, 0x01];
        Assert.Equal("tag", Assert.Throws<TraceException>(() => ReadBinary(bad)).Field);
    }

    [Fact]
    public void Kinds_above_15_use_tag_bit_7()
    {
        Assert.Equal(0x80 | 0x10, PerfSim.IO.Trace.BinaryTraceFormat.TagOf(16, 1));
        Assert.Equal(16, PerfSim.IO.Trace.BinaryTraceFormat.KindOf(0x90));
        Assert.Equal(31, PerfSim.IO.Trace.BinaryTraceFormat.KindOf(0x8F));
    }
}
