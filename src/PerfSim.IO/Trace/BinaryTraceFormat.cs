using PerfSim.Core.Trace;

namespace PerfSim.IO.Trace;

/// <summary>
/// Constants of the binary trace format (docs/trace-format.md, "Binary format"), shared by
/// <see cref="BinaryTraceReader"/>, <see cref="BinaryTraceWriter"/> and format sniffing.
/// </summary>
internal static class BinaryTraceFormat
{
    /// <summary>"PSTR".</summary>
    public static ReadOnlySpan<byte> Magic => "PSTR"u8;

    public const byte Version = 1;

    public const int HeaderBytes = 8;

    /// <summary>The tag of the end-of-trace record.</summary>
    public const byte EndTag = 0x00;

    public const int KindMask = 0x0F;

    public const int ArgCountShift = 4;

    public const int ReservedTagBit = 0x80;

    /// <summary>A varint of a 64-bit value takes at most this many bytes.</summary>
    public const int MaxVarintBytes = 10;

    /// <summary>Tag, cpu, pid delta and four args.</summary>
    public const int MaxRecordBytes = 1 + (6 * MaxVarintBytes);

    /// <summary>Kinds whose Arg0 is an address, delta-encoded against the previous such address.</summary>
    public static bool IsAddressKind(int kind) => kind is
        (int)TraceEventKind.PageFault or (int)TraceEventKind.Mmap or (int)TraceEventKind.Munmap
        or (int)TraceEventKind.Mprotect or (int)TraceEventKind.Touch;

    public static ulong ZigZag(long value) => (ulong)((value << 1) ^ (value >> 63));

    public static long UnZigZag(ulong value) => (long)(value >> 1) ^ -(long)(value & 1);
}
