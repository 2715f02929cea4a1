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

    /// <summary>Version 2 uses tag bit 7 as bit 4 of the kind (kinds 16-31); version 1 files, where it is 0, read the same.</summary>
    public const byte Version = 2;

    public const byte OldestVersion = 1;

    public const int HeaderBytes = 8;

    /// <summary>The tag of the end-of-trace record.</summary>
    public const byte EndTag = 0x00;

    public const int KindMask = 0x0F;

    public const int ArgCountShift = 4;

    public const int ArgCountMask = 0x07;

    /// <summary>Tag bit 7: bit 4 of the kind.</summary>
    public const int KindHighBit = 0x80;

    public const int MaxKind = 31;

    public static int KindOf(int tag) => (tag & KindMask) | ((tag & KindHighBit) >> 3);

    public static int TagOf(int kind, int argCount) => (kind & KindMask) | ((kind & 0x10) << 3) | (argCount << ArgCountShift);

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
