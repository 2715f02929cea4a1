using PerfSim.IO.Trace;

namespace PerfSim.Tests.Trace;

/// <summary>Seeded random events through both formats; the oracle is the list of events itself.</summary>
public sealed class TraceRoundTripPropertyTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Random_schema_events_survive_text_and_binary_round_trips(int seed)
    {
        var events = TraceSamples.Generate(5_000, seed, TraceSamples.RandomSchemaEvent).ToList();

        var text = TextTraceTests.WriteText(events);
        var fromText = TraceSamples.ReadAll(TextTraceTests.Reader(text));
        var fromBinary = BinaryTraceTests.ReadBinary(BinaryTraceTests.WriteBinary(fromText));

        Assert.Equal(events, fromText);
        Assert.Equal(events, fromBinary);
        Assert.Equal(text, TextTraceTests.WriteText(fromBinary));
    }

    [Theory]
    [InlineData(11)]
    [InlineData(12)]
    public void Random_raw_events_with_extreme_arguments_survive_a_binary_round_trip(int seed)
    {
        var events = TraceSamples.Generate(20_000, seed, TraceSamples.RandomRawEvent).ToList();

        Assert.Equal(events, BinaryTraceTests.ReadBinary(BinaryTraceTests.WriteBinary(events)));
    }

    [Theory]
    [InlineData(21)]
    public void Binary_reading_does_not_depend_on_how_the_stream_splits_its_reads(int seed)
    {
        var events = TraceSamples.Generate(2_000, seed, TraceSamples.RandomRawEvent).ToList();
        var bytes = BinaryTraceTests.WriteBinary(events);

        using var reader = new BinaryTraceReader(new TrickleStream(bytes, seed), "trickle.bin");

        Assert.Equal(events, TraceSamples.ReadAll(reader));
    }

    /// <summary>A stream that returns a random 1..7 bytes per read.</summary>
    private sealed class TrickleStream(byte[] bytes, int seed) : Stream
    {
        private readonly Random _random = new(seed);
        private int _position;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => bytes.Length;
        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = Math.Min(Math.Min(count, _random.Next(1, 8)), bytes.Length - _position);
            Array.Copy(bytes, _position, buffer, offset, n);
            _position += n;
            return n;
        }

        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
