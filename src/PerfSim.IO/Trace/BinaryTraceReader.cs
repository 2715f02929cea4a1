using PerfSim.Core.Trace;

namespace PerfSim.IO.Trace;

/// <summary>
/// Reads the binary trace format from a stream through its own reusable buffer: no allocation
/// per event. Problems are <see cref="TraceException"/>s whose line is the 1-based record
/// number (0 for the header) and whose message gives the byte offset. A trace that ends
/// without its end-of-trace record, mid-record or between records, is reported as truncated.
/// </summary>
public sealed class BinaryTraceReader : ITraceSource
{
    private int _version = BinaryTraceFormat.Version;
    private const int BufferSize = 1 << 16;

    private readonly Stream _stream;
    private readonly bool _leaveOpen;
    private readonly byte[] _buffer = new byte[BufferSize];
    private int _position;
    private int _end;
    private long _bufferOffset;
    private bool _endOfStream;
    private bool _finished;
    private long _previousPid;
    private long _previousAddress;

    /// <summary>Reads and checks the header; throws <see cref="TraceException"/> if it is not a binary trace.</summary>
    public BinaryTraceReader(Stream stream, string name, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(name);
        _stream = stream;
        _leaveOpen = leaveOpen;
        Name = name;
        try
        {
            ReadHeader();
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>Opens the binary trace at <paramref name="path"/>; the path is the <see cref="Name"/>.</summary>
    public BinaryTraceReader(string path)
        : this(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.SequentialScan), path)
    {
    }

    public string Name { get; }

    /// <summary>Events read so far.</summary>
    public long Count { get; private set; }

    public bool TryRead(out TraceEvent traceEvent)
    {
        traceEvent = default;
        if (_finished)
        {
            return false;
        }

        if (_end - _position < BinaryTraceFormat.MaxRecordBytes)
        {
            Fill();
        }

        var record = Count + 1;
        var start = _bufferOffset + _position;
        if (_position == _end)
        {
            throw new TraceException(Name, record, "tag",
                $"truncated trace: it ends at byte offset {start} after {Count} records without the end-of-trace record");
        }

        int tag = _buffer[_position++];
        if (tag == BinaryTraceFormat.EndTag)
        {
            ReadTrailer(record, start);
            return false;
        }

        var kind = _version == 1 ? tag & BinaryTraceFormat.KindMask : BinaryTraceFormat.KindOf(tag);
        var argCount = (tag >> BinaryTraceFormat.ArgCountShift) & BinaryTraceFormat.ArgCountMask;
        if (kind == 0 || argCount > 4 || (_version == 1 && (tag & BinaryTraceFormat.KindHighBit) != 0))
        {
            throw new TraceException(Name, record, "tag",
                $"record at byte offset {start} has tag 0x{tag:x2}: expected an event kind 1..{(_version == 1 ? 15 : BinaryTraceFormat.MaxKind)} in bits 0-3{(_version == 1 ? "" : " and 7")} and 0..4 arguments in bits 4-6");
        }

        var cpu = ReadSigned(record, start, "cpu");
        var pid = _previousPid + ReadSigned(record, start, "pid");
        if (cpu is < int.MinValue or > int.MaxValue)
        {
            throw new TraceException(Name, record, "cpu", $"record at byte offset {start}: cpu {cpu} does not fit 32 bits");
        }

        if (pid is < int.MinValue or > int.MaxValue)
        {
            throw new TraceException(Name, record, "pid", $"record at byte offset {start}: pid {pid} does not fit 32 bits");
        }

        long arg0 = 0, arg1 = 0, arg2 = 0, arg3 = 0;
        if (argCount > 0)
        {
            arg0 = ReadSigned(record, start, "arg0");
            if (argCount > 1)
            {
                arg1 = ReadSigned(record, start, "arg1");
                if (argCount > 2)
                {
                    arg2 = ReadSigned(record, start, "arg2");
                    if (argCount > 3)
                    {
                        arg3 = ReadSigned(record, start, "arg3");
                    }
                }
            }
        }

        if (BinaryTraceFormat.IsAddressKind(kind))
        {
            arg0 = unchecked(_previousAddress + arg0);
            _previousAddress = arg0;
        }

        _previousPid = pid;
        Count = record;
        traceEvent = new TraceEvent((TraceEventKind)kind, (int)cpu, (int)pid, arg0, arg1, arg2, arg3);
        return true;
    }

    public void Dispose()
    {
        if (!_leaveOpen)
        {
            _stream.Dispose();
        }
    }

    private void ReadHeader()
    {
        Fill();
        var available = _end - _position;
        var header = _buffer.AsSpan(0, Math.Min(available, BinaryTraceFormat.HeaderBytes));
        if (!header.StartsWith(BinaryTraceFormat.Magic))
        {
            throw new TraceException(Name, 0, "magic",
                $"bad magic at byte offset 0: expected 'PSTR' (50 53 54 52), found {Convert.ToHexString(header[..Math.Min(4, header.Length)])}; not a PerfSim binary trace");
        }

        if (available < BinaryTraceFormat.HeaderBytes)
        {
            throw new TraceException(Name, 0, "header",
                $"truncated header: the file ends at byte offset {available}, inside the {BinaryTraceFormat.HeaderBytes}-byte header");
        }

        if (header[4] < BinaryTraceFormat.OldestVersion || header[4] > BinaryTraceFormat.Version)
        {
            throw new TraceException(Name, 0, "version",
                $"unsupported format version {header[4]} at byte offset 4: this reader understands versions {BinaryTraceFormat.OldestVersion} to {BinaryTraceFormat.Version}");
        }
        _version = header[4];

        if (header[5] != 0 || header[6] != 0 || header[7] != 0)
        {
            throw new TraceException(Name, 0, "flags",
                $"unsupported flags or reserved bytes at byte offset 5: {Convert.ToHexString(header[5..])}, expected 000000");
        }

        _position = BinaryTraceFormat.HeaderBytes;
    }

    private void ReadTrailer(long record, long start)
    {
        var declared = ReadUnsigned(record, start, "count");
        if (declared != (ulong)Count)
        {
            throw new TraceException(Name, record, "count",
                $"end-of-trace record at byte offset {start} declares {declared} records but {Count} were read");
        }

        Fill();
        if (_position != _end)
        {
            throw new TraceException(Name, record, "tag",
                $"unexpected data at byte offset {_bufferOffset + _position}, after the end-of-trace record");
        }

        _finished = true;
    }

    /// <summary>Moves the unread bytes to the front and reads until a whole record fits or the stream ends.</summary>
    private void Fill()
    {
        var remaining = _end - _position;
        if (_position > 0)
        {
            Buffer.BlockCopy(_buffer, _position, _buffer, 0, remaining);
            _bufferOffset += _position;
            _position = 0;
            _end = remaining;
        }

        while (!_endOfStream && _end < BinaryTraceFormat.MaxRecordBytes)
        {
            var read = _stream.Read(_buffer, _end, _buffer.Length - _end);
            if (read == 0)
            {
                _endOfStream = true;
            }

            _end += read;
        }
    }

    private long ReadSigned(long record, long start, string field) =>
        BinaryTraceFormat.UnZigZag(ReadUnsigned(record, start, field));

    private ulong ReadUnsigned(long record, long start, string field)
    {
        var buffer = _buffer;
        ulong value = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            if (_position >= _end)
            {
                throw new TraceException(Name, record, field,
                    $"truncated record: the record starting at byte offset {start} breaks off at byte offset {_bufferOffset + _end}");
            }

            var b = buffer[_position++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                if (shift == 63 && b > 1)
                {
                    break;
                }

                return value;
            }
        }

        throw new TraceException(Name, record, field,
            $"malformed varint in the record starting at byte offset {start}: more than 64 bits");
    }
}
