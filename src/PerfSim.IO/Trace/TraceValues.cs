using System.Globalization;

namespace PerfSim.IO.Trace;

/// <summary>
/// Parses and formats the value of a trace key for each <see cref="TraceValueType"/>:
/// the names of enum values and the ranges of numbers. Parsing allocates only on error.
/// </summary>
public static class TraceValues
{
    private static readonly string[] SyscallNames =
    [
        "null", "read", "write", "stat", "open", "close", "kill", "select",
        "create", "unlink", "pipe_read", "pipe_write", "msync", "brk", "other", "create_cached",
    ];

    private static readonly string[] ForkNames = ["none", "thread", "vfork"];
    private static readonly string[] AccessNames = ["r", "w", "x"];
    private static readonly string[] FaultNames = ["auto", "anon", "cow", "file", "prot"];
    private static readonly string[] MapNames = ["anon", "file", "anon,shared", "file,shared"];
    private static readonly string[] MarkNames = ["measure", "iter"];

    /// <summary>
    /// The names of the values of a named type, indexed by numeric value; null for numbers and
    /// for <see cref="TraceValueType.Protection"/> (a set of letters).
    /// </summary>
    public static IReadOnlyList<string>? Names(TraceValueType type) => NameTable(type);

    /// <summary>Which text is allowed for <paramref name="type"/>, for messages and documentation.</summary>
    public static string Describe(TraceValueType type) => type switch
    {
        TraceValueType.Id => "a non-negative 32-bit integer (decimal or 0x-hex)",
        TraceValueType.Cpu => "a non-negative 32-bit integer (decimal or 0x-hex), or any (the scheduler places it)",
        TraceValueType.Int32 => "a signed 32-bit integer (decimal or 0x-hex, optional leading -)",
        TraceValueType.Count => "a non-negative 64-bit integer (decimal or 0x-hex)",
        TraceValueType.Address => "a non-negative 64-bit address (0x-hex or decimal)",
        TraceValueType.Protection => "letters from r, w, x (each at most once) or none",
        _ => "one of " + string.Join(", ", NameTable(type)!),
    };

    /// <summary>Whether <paramref name="value"/> can be written as <paramref name="type"/>.</summary>
    public static bool IsValid(TraceValueType type, long value) => type switch
    {
        TraceValueType.Id => value is >= 0 and <= int.MaxValue,
        TraceValueType.Cpu => value is >= PerfSim.Core.Trace.TraceEvent.AnyCpu and <= int.MaxValue,
        TraceValueType.Int32 => value is >= int.MinValue and <= int.MaxValue,
        TraceValueType.Count or TraceValueType.Address => value >= 0,
        TraceValueType.Protection => value is >= 0 and <= 7,
        _ => value >= 0 && value < NameTable(type)!.Length,
    };

    /// <summary>Parses <paramref name="text"/>; on failure returns false with a problem naming the allowed values.</summary>
    public static bool TryParse(TraceValueType type, ReadOnlySpan<char> text, out long value, out string? problem)
    {
        problem = null;
        switch (type)
        {
            case TraceValueType.Cpu when text.SequenceEqual("any"):
                value = PerfSim.Core.Trace.TraceEvent.AnyCpu;
                return true;
            case TraceValueType.Cpu:
                if (!TryParseInteger(text, false, out value, out problem))
                {
                    return false;
                }
                if (value is < 0 or > int.MaxValue)
                {
                    problem = $"'{text}' is out of range: expected {Describe(type)}";
                    return false;
                }
                return true;
            case TraceValueType.Id:
            case TraceValueType.Int32:
            case TraceValueType.Count:
            case TraceValueType.Address:
                if (!TryParseInteger(text, type == TraceValueType.Int32, out value, out problem))
                {
                    return false;
                }

                if (!IsValid(type, value))
                {
                    problem = $"'{text}' is out of range: expected {Describe(type)}";
                    return false;
                }

                return true;
            case TraceValueType.Protection:
                if (TryParseProtection(text, out value))
                {
                    return true;
                }

                problem = $"'{text}' is not a protection: expected {Describe(type)}";
                return false;
            default:
                var names = NameTable(type)!;
                for (var i = 0; i < names.Length; i++)
                {
                    if (text.SequenceEqual(names[i]))
                    {
                        value = i;
                        return true;
                    }
                }

                value = 0;
                problem = $"unknown value '{text}': expected {Describe(type)}";
                return false;
        }
    }

    /// <summary>
    /// Writes the canonical text of <paramref name="value"/> into <paramref name="destination"/>
    /// (at least 24 chars). The value must be <see cref="IsValid">valid</see>.
    /// </summary>
    public static int Format(TraceValueType type, long value, Span<char> destination)
    {
        if (!IsValid(type, value))
        {
            throw new ArgumentOutOfRangeException(nameof(value), value, $"not {Describe(type)}");
        }

        int written;
        switch (type)
        {
            case TraceValueType.Cpu when value == PerfSim.Core.Trace.TraceEvent.AnyCpu:
                "any".CopyTo(destination);
                return 3;
            case TraceValueType.Cpu:
            case TraceValueType.Id:
            case TraceValueType.Int32:
            case TraceValueType.Count:
                value.TryFormat(destination, out written, default, CultureInfo.InvariantCulture);
                return written;
            case TraceValueType.Address:
                destination[0] = '0';
                destination[1] = 'x';
                value.TryFormat(destination[2..], out written, "x", CultureInfo.InvariantCulture);
                return written + 2;
            case TraceValueType.Protection:
                return FormatProtection(value, destination);
            default:
                var name = NameTable(type)![value];
                name.CopyTo(destination);
                return name.Length;
        }
    }

    /// <summary>The canonical text of <paramref name="value"/> as a string.</summary>
    public static string Format(TraceValueType type, long value)
    {
        Span<char> buffer = stackalloc char[32];
        return new string(buffer[..Format(type, value, buffer)]);
    }

    private static string[]? NameTable(TraceValueType type) => type switch
    {
        TraceValueType.Syscall => SyscallNames,
        TraceValueType.ForkFlags => ForkNames,
        TraceValueType.Access => AccessNames,
        TraceValueType.FaultKind => FaultNames,
        TraceValueType.MapFlags => MapNames,
        TraceValueType.Mark => MarkNames,
        _ => null,
    };

    private static bool TryParseInteger(ReadOnlySpan<char> text, bool allowNegative, out long value, out string? problem)
    {
        value = 0;
        problem = null;
        var digits = text;
        var negative = digits.Length > 0 && digits[0] == '-';
        if (negative)
        {
            digits = digits[1..];
        }

        ulong magnitude;
        bool parsed;
        if (digits.Length > 2 && digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X'))
        {
            parsed = ulong.TryParse(digits[2..], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out magnitude);
        }
        else
        {
            parsed = ulong.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out magnitude);
        }

        if (!parsed)
        {
            problem = IsAllHexLike(digits)
                ? $"'{text}' is out of range: expected at most 64 bits"
                : $"'{text}' is not a number: expected decimal digits, or 0x followed by hex digits";
            return false;
        }

        if (negative && !allowNegative && magnitude != 0)
        {
            problem = $"'{text}' is negative: expected a value >= 0";
            return false;
        }

        if ((!negative && magnitude > long.MaxValue) || (negative && magnitude > 1UL << 63))
        {
            problem = $"'{text}' is out of range: expected at most 63 bits";
            return false;
        }

        value = negative ? unchecked(-(long)magnitude) : (long)magnitude;
        return true;
    }

    private static bool IsAllHexLike(ReadOnlySpan<char> digits)
    {
        if (digits.Length > 2 && digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X'))
        {
            return !digits[2..].ContainsAnyExcept("0123456789abcdefABCDEF");
        }

        return digits.Length > 0 && !digits.ContainsAnyExcept("0123456789");
    }

    private static bool TryParseProtection(ReadOnlySpan<char> text, out long value)
    {
        value = 0;
        if (text.SequenceEqual("none"))
        {
            return true;
        }

        if (text.IsEmpty)
        {
            return false;
        }

        foreach (var c in text)
        {
            long bit = c switch
            {
                'r' => 1,
                'w' => 2,
                'x' => 4,
                _ => 0,
            };
            if (bit == 0 || (value & bit) != 0)
            {
                value = 0;
                return false;
            }

            value |= bit;
        }

        return true;
    }

    private static int FormatProtection(long value, Span<char> destination)
    {
        if (value == 0)
        {
            "none".CopyTo(destination);
            return 4;
        }

        var n = 0;
        if ((value & 1) != 0)
        {
            destination[n++] = 'r';
        }

        if ((value & 2) != 0)
        {
            destination[n++] = 'w';
        }

        if ((value & 4) != 0)
        {
            destination[n++] = 'x';
        }

        return n;
    }
}
