using PerfSim.Core.Trace;

namespace PerfSim.IO.Trace;

/// <summary>
/// Writes the binary trace format: header, one variable-length record per event, and an
/// end-of-trace record written by <see cref="Complete"/>. A writer disposed without
/// <see cref="Complete"/> leaves a trace that readers report as truncated.
/// </summary>
public sealed class BinaryTraceWriter : IDisposable
{
    private const int BufferSize = 1 << 16;

    private readonly Stream _stream;
    private readonly bool _leaveOpen;
    private readonly byte[] _buffer = new byte[BufferSize];
    private int _used;
    private long _previousPid;
    private long _previousAddress;
    private bool _completed;
    private bool _disposed;

    public BinaryTraceWriter(Stream stream, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(stream);
        _stream = stream;
        _leaveOpen = leaveOpen;
        BinaryTraceFormat.Magic.CopyTo(_buffer);
        _buffer[4] = BinaryTraceFormat.Version;
        _buffer[5] = 0; // flags
        _buffer[6] = 0; // reserved
        _buffer[7] = 0;
        _used = BinaryTraceFormat.HeaderBytes;
    }

    /// <summary>Creates (or overwrites) the binary trace at <paramref name="path"/>.</summary>
    public BinaryTraceWriter(string path)
        : this(new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 1))
    {
    }

    /// <summary>Events written so far.</summary>
    public long Count { get; private set; }

    /// <summary>Writes one event; any defined kind and any argument values are accepted.</summary>
    public void Write(in TraceEvent traceEvent)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_completed)
        {
            throw new InvalidOperationException("the trace is complete; no event can follow the end-of-trace record");
        }

        var kind = (int)traceEvent.Kind;
        if (kind is < 1 or > BinaryTraceFormat.MaxKind)
        {
            throw new ArgumentOutOfRangeException(nameof(traceEvent), traceEvent.Kind, "not a defined trace event kind");
        }

        if (BufferSize - _used < BinaryTraceFormat.MaxRecordBytes)
        {
            FlushBuffer();
        }

        // Arg0 of an address kind is stored as the difference from the previous such address.
        // Trailing zero values are left out after this encoding, so a missing Arg0 means "delta 0".
        var arg0 = traceEvent.Arg0;
        if (BinaryTraceFormat.IsAddressKind(kind))
        {
            arg0 = unchecked(traceEvent.Arg0 - _previousAddress);
            _previousAddress = traceEvent.Arg0;
        }

        var argCount = traceEvent.Arg3 != 0 ? 4 : traceEvent.Arg2 != 0 ? 3 : traceEvent.Arg1 != 0 ? 2 : arg0 != 0 ? 1 : 0;
        _buffer[_used++] = (byte)BinaryTraceFormat.TagOf(kind, argCount);
        WriteSigned(traceEvent.Cpu);
        WriteSigned(traceEvent.Pid - _previousPid);
        _previousPid = traceEvent.Pid;

        if (argCount > 0)
        {
            WriteSigned(arg0);
        }

        if (argCount > 1)
        {
            WriteSigned(traceEvent.Arg1);
        }

        if (argCount > 2)
        {
            WriteSigned(traceEvent.Arg2);
        }

        if (argCount > 3)
        {
            WriteSigned(traceEvent.Arg3);
        }

        Count++;
    }

    /// <summary>Writes the end-of-trace record (with the event count) and flushes the stream.</summary>
    public void Complete()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_completed)
        {
            return;
        }

        if (BufferSize - _used < BinaryTraceFormat.MaxRecordBytes)
        {
            FlushBuffer();
        }

        _buffer[_used++] = BinaryTraceFormat.EndTag;
        WriteUnsigned((ulong)Count);
        _completed = true;
        FlushBuffer();
        _stream.Flush();
    }

    /// <summary>Flushes what is buffered; completes nothing.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        try
        {
            FlushBuffer();
            _stream.Flush();
        }
        finally
        {
            _disposed = true;
            if (!_leaveOpen)
            {
                _stream.Dispose();
            }
        }
    }

    private void FlushBuffer()
    {
        if (_used > 0)
        {
            _stream.Write(_buffer, 0, _used);
            _used = 0;
        }
    }

    private void WriteSigned(long value) => WriteUnsigned(BinaryTraceFormat.ZigZag(value));

    private void WriteUnsigned(ulong value)
    {
        var buffer = _buffer;
        var i = _used;
        while (value >= 0x80)
        {
            buffer[i++] = (byte)(value | 0x80);
            value >>= 7;
        }

        buffer[i++] = (byte)value;
        _used = i;
    }
}
