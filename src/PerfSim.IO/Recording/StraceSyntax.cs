using System.Globalization;
using System.Text;

namespace PerfSim.IO.Recording;

/// <summary>
/// Reads the parts of strace's text: <c>SECONDS.MICROSECONDS</c> times, a call <c>name(args) = result &lt;duration&gt;</c>,
/// its top-level arguments (respecting (), [], {}, quoted strings with backslash escapes and <c>/* comments */</c>) and
/// their numeric values. Pure functions over text; the state of a recording lives in <see cref="StraceEventBuilder"/>.
/// </summary>
internal static class StraceSyntax
{
    private const long NanosecondsPerSecond = 1_000_000_000;
    private const int NanosecondDigits = 9;
    private const long SaResetHand = 0x80000000;
    private const long SigIgn = 1;
    private const int MaxShownText = 80;

    /// <summary>clone's keyword arguments, at their places in the x86_64 system call clone(flags, stack, parent_tid, child_tid, tls).</summary>
    private static readonly string[] CloneArgumentNames = ["flags", "child_stack", "parent_tid", "child_tidptr", "tls"];

    /// <summary>Parses <c>SECONDS[.FRACTION]</c> (strace -ttt and -T print microseconds) into nanoseconds; a dot is required.</summary>
    public static bool TryParseSeconds(ReadOnlySpan<char> text, out long nanoseconds)
    {
        nanoseconds = 0;
        var dot = text.IndexOf('.');
        if (dot <= 0 || dot == text.Length - 1 || text.Length - dot - 1 > NanosecondDigits
            || !long.TryParse(text[..dot], NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            || seconds > long.MaxValue / NanosecondsPerSecond - 1)
        {
            return false;
        }

        long fraction = 0;
        var digits = text[(dot + 1)..];
        foreach (var c in digits)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }

            fraction = fraction * 10 + (c - '0');
        }

        for (var i = digits.Length; i < NanosecondDigits; i++)
        {
            fraction *= 10;
        }

        nanoseconds = seconds * NanosecondsPerSecond + fraction;
        return true;
    }

    /// <summary>The length of the system call name before <c>(</c> at the start of <paramref name="text"/>, or 0 when it does not start with one.</summary>
    public static int CallNameLength(ReadOnlySpan<char> text)
    {
        var length = 0;
        while (length < text.Length && (char.IsAsciiLetterOrDigit(text[length]) || text[length] == '_'))
        {
            length++;
        }

        return length > 0 && length < text.Length && text[length] == '(' ? length : 0;
    }

    /// <summary>Reads a whole call, <c>name(args) = result [text] [&lt;duration&gt;]</c>.</summary>
    public static bool TryParseCall(string text, List<Range> scratch, out StraceCall call, out string problem)
    {
        call = default;
        var nameLength = CallNameLength(text);
        if (nameLength == 0)
        {
            problem = "expected NAME(ARGUMENTS) = RESULT";
            return false;
        }

        var arguments = text.AsSpan(nameLength + 1);
        var close = SplitTopLevel(arguments, scratch);
        if (close < 0)
        {
            problem = "the arguments have no closing ')'";
            return false;
        }

        call = Arguments(text[..nameLength], arguments, scratch);
        var result = arguments[(close + 1)..].Trim();
        if (!result.StartsWith('='))
        {
            problem = "expected '= RESULT' after the arguments";
            return false;
        }

        result = result[1..].Trim();
        call = call with { DurationNs = CutDuration(ref result) };
        return TryReturn(result, ref call, out problem);
    }

    /// <summary>Reads the first half of a call that never returned, <c>name(some args</c>: the arguments printed so far.</summary>
    public static StraceCall ParseOpenCall(string head, List<Range> scratch)
    {
        var nameLength = CallNameLength(head);
        if (nameLength == 0)
        {
            return new StraceCall(head, [], null);
        }

        var arguments = head.AsSpan(nameLength + 1);
        SplitTopLevel(arguments, scratch);
        return Arguments(head[..nameLength], arguments, scratch);
    }

    /// <summary>
    /// Splits <paramref name="text"/> at its top-level commas into <paramref name="parts"/> (trimmed, empty parts left out) up
    /// to the bracket that closes the list. Returns that bracket's index, or -1 when the text ends first.
    /// </summary>
    public static int SplitTopLevel(ReadOnlySpan<char> text, List<Range> parts)
    {
        parts.Clear();
        var depth = 0;
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            switch (text[i])
            {
                case '"':
                    i = EndOfString(text, i);
                    break;
                case '/' when i + 1 < text.Length && text[i + 1] == '*':
                    var end = text[(i + 2)..].IndexOf("*/", StringComparison.Ordinal);
                    i = end < 0 ? text.Length : i + 2 + end + 1;
                    break;
                case '(' or '[' or '{':
                    depth++;
                    break;
                case ')' or ']' or '}' when depth > 0:
                    depth--;
                    break;
                case ')' or ']' or '}':
                    AddPart(text, start, i, parts);
                    return i;
                case ',' when depth == 0:
                    AddPart(text, start, i, parts);
                    start = i + 1;
                    break;
            }
        }

        AddPart(text, start, text.Length, parts);
        return -1;
    }

    /// <summary>
    /// The number an argument stands for: an integer (decimal, 0x hex, 0 octal, negative), NULL = 0, an OR of such parts
    /// (<c>0x1200000|17</c>); a <c>name=</c> prefix and a trailing comment are skipped. Strings, structs, arrays and
    /// anything else are 0.
    /// </summary>
    public static long Value(ReadOnlySpan<char> argument)
    {
        var text = argument.Trim();
        if (text.IsEmpty || text[0] == '"')
        {
            return 0;
        }

        var comment = text.IndexOf("/*", StringComparison.Ordinal);
        if (comment >= 0)
        {
            text = text[..comment].TrimEnd();
        }

        var keyword = KeywordLength(text);
        if (keyword > 0)
        {
            text = text[(keyword + 1)..].TrimStart();
        }

        long value = 0;
        foreach (var range in text.Split('|'))
        {
            var part = text[range].Trim();
            if (part.IsEmpty || part.SequenceEqual("NULL"))
            {
                continue;
            }

            if (!TryParseInteger(part, out var partValue))
            {
                return 0;
            }

            value |= partValue;
        }

        return value;
    }

    /// <summary>A C integer literal: optional '-', then 0x hex, 0 octal or decimal (values above long.MaxValue wrap, as in C).</summary>
    public static bool TryParseInteger(ReadOnlySpan<char> text, out long value)
    {
        value = 0;
        var negative = text.StartsWith('-');
        var digits = negative ? text[1..] : text;
        ulong magnitude;
        bool parsed;
        if (digits.Length > 2 && digits[0] == '0' && digits[1] is 'x' or 'X')
        {
            parsed = ulong.TryParse(digits[2..], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out magnitude);
        }
        else if (digits.Length > 1 && digits[0] == '0')
        {
            parsed = TryParseOctal(digits[1..], out magnitude);
        }
        else
        {
            parsed = ulong.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out magnitude);
        }

        value = negative ? -unchecked((long)magnitude) : unchecked((long)magnitude);
        return parsed;
    }

    /// <summary>The text after <c>field=</c> among the top-level members of a <c>{...}</c> struct, or empty.</summary>
    public static ReadOnlySpan<char> FieldText(ReadOnlySpan<char> structText, string field)
    {
        var text = structText.TrimStart();
        if (!text.StartsWith('{'))
        {
            return default;
        }

        var inner = text[1..];
        var members = new List<Range>();
        SplitTopLevel(inner, members);
        foreach (var range in members)
        {
            var member = inner[range];
            var keyword = KeywordLength(member);
            if (keyword > 0 && member[..keyword].SequenceEqual(field))
            {
                return member[(keyword + 1)..].Trim();
            }
        }

        return default;
    }

    /// <summary>The contents of a quoted string (<c>"..."</c>, maybe followed by strace's <c>...</c>), its C escapes decoded as UTF-8 bytes.</summary>
    public static string Unquote(ReadOnlySpan<char> quoted)
    {
        var body = quoted.Trim();
        body = body[1..EndOfString(body, 0)];
        if (!body.Contains('\\'))
        {
            return body.ToString();
        }

        var bytes = new byte[Encoding.UTF8.GetMaxByteCount(body.Length)];
        var count = 0;
        for (var i = 0; i < body.Length; i++)
        {
            if (body[i] != '\\' || i + 1 == body.Length)
            {
                var run = 1 + (char.IsHighSurrogate(body[i]) && i + 1 < body.Length ? 1 : 0);
                count += Encoding.UTF8.GetBytes(body.Slice(i, run), bytes.AsSpan(count));
                i += run - 1;
                continue;
            }

            i++;
            bytes[count++] = Escape(body, ref i);
        }

        return Encoding.UTF8.GetString(bytes, 0, count);
    }

    private static StraceCall Arguments(string name, ReadOnlySpan<char> arguments, List<Range> parts)
    {
        var args = name == "clone" ? CloneArguments(arguments, parts) : new long[parts.Count];
        string? path = null;
        for (var i = 0; i < parts.Count; i++)
        {
            var argument = arguments[parts[i]];
            if (path is null && argument.StartsWith('"'))
            {
                path = Unquote(argument);
            }

            if (name != "clone")
            {
                args[i] = Value(argument);
            }
        }

        var call = new StraceCall(name, args, path);
        if (name == "clone3" && parts.Count > 0)
        {
            args[0] = Value(FieldText(arguments[parts[0]], "flags"));
        }
        else if (name == "rt_sigaction" && parts.Count > 0)
        {
            call = SignalAction(call, arguments, parts);
        }

        return call;
    }

    /// <summary>clone prints name=value pairs; each goes to its place in the system call (flags first).</summary>
    private static long[] CloneArguments(ReadOnlySpan<char> arguments, List<Range> parts)
    {
        var args = new long[CloneArgumentNames.Length];
        for (var i = 0; i < parts.Count; i++)
        {
            var argument = arguments[parts[i]];
            var keyword = KeywordLength(argument);
            var index = keyword > 0 ? Array.IndexOf(CloneArgumentNames, argument[..keyword].ToString()) : i;
            if (index >= 0 && index < args.Length)
            {
                args[index] = Value(argument);
            }
        }

        return args;
    }

    /// <summary>rt_sigaction(signal, new action, old action, size): the signal as a number, and the new action's sa_handler in Args[1].</summary>
    private static StraceCall SignalAction(StraceCall call, ReadOnlySpan<char> arguments, List<Range> parts)
    {
        var signalText = arguments[parts[0]];
        if (StraceNames.TrySignal(signalText, out var signal))
        {
            call.Args[0] = signal;
        }

        if (parts.Count < 2 || !arguments[parts[1]].StartsWith('{'))
        {
            return call;
        }

        var action = arguments[parts[1]];
        var handler = FieldText(action, "sa_handler");
        call.Args[1] = handler.SequenceEqual("SIG_IGN") ? SigIgn : Value(handler);
        var resets = (Value(FieldText(action, "sa_flags")) & SaResetHand) != 0;
        return call with { SetsAction = true, ResetsOnDelivery = resets };
    }

    /// <summary>Cuts a trailing <c>&lt;seconds&gt;</c> off the result; null when there is none (or it says &lt;unavailable&gt;).</summary>
    private static long? CutDuration(ref ReadOnlySpan<char> result)
    {
        if (!result.EndsWith('>'))
        {
            return null;
        }

        var open = result.LastIndexOf('<');
        if (open < 0)
        {
            return null;
        }

        var inside = result[(open + 1)..^1];
        result = result[..open].TrimEnd();
        return TryParseSeconds(inside, out var duration) ? duration : null;
    }

    /// <summary>Reads <c>N</c>, <c>0xN</c>, <c>-1 ENAME (text)</c>, <c>?</c> or <c>? ERESTARTSYS (text)</c>; other text after the value is ignored.</summary>
    private static bool TryReturn(ReadOnlySpan<char> result, ref StraceCall call, out string problem)
    {
        problem = "";
        var token = FirstWord(result, out var rest);
        var errnoName = rest.StartsWith('E') ? FirstWord(rest, out _) : default;
        if (token.SequenceEqual("?"))
        {
            call = StraceNames.TryErrno(errnoName, out var restart)
                ? call with { Return = -restart }
                : call with { Unfinished = true };
            return true;
        }

        if (!TryParseInteger(token, out var value))
        {
            problem = $"unreadable result '{token}'";
            return false;
        }

        call = call with { Return = value };
        if (value == -1 && !errnoName.IsEmpty)
        {
            call = StraceNames.TryErrno(errnoName, out var errno)
                ? call with { Return = -errno }
                : call with { UnknownErrno = errnoName.ToString() };
        }

        return true;
    }

    /// <summary>A line cut to a length fit for a message.</summary>
    public static string Shorten(string text) => text.Length <= MaxShownText ? text : text[..MaxShownText] + "...";

    /// <summary>The text up to the first space (all of it when there is none); <paramref name="rest"/> is what follows, trimmed.</summary>
    public static ReadOnlySpan<char> FirstWord(ReadOnlySpan<char> text, out ReadOnlySpan<char> rest)
    {
        var space = text.IndexOf(' ');
        rest = space < 0 ? default : text[(space + 1)..].TrimStart();
        return space < 0 ? text : text[..space];
    }

    /// <summary>The length of <c>name</c> when <paramref name="text"/> starts with <c>name=</c> (not <c>==</c>), else 0.</summary>
    private static int KeywordLength(ReadOnlySpan<char> text)
    {
        var length = 0;
        while (length < text.Length && (char.IsAsciiLetterOrDigit(text[length]) || text[length] == '_'))
        {
            length++;
        }

        var isKeyword = length > 0 && !char.IsAsciiDigit(text[0]) && length < text.Length && text[length] == '='
            && (length + 1 == text.Length || text[length + 1] != '=');
        return isKeyword ? length : 0;
    }

    /// <summary>The index of the quote that closes the string opening at <paramref name="open"/> (or the end of the text).</summary>
    private static int EndOfString(ReadOnlySpan<char> text, int open)
    {
        for (var i = open + 1; i < text.Length; i++)
        {
            if (text[i] == '\\')
            {
                i++;
            }
            else if (text[i] == '"')
            {
                return i;
            }
        }

        return text.Length;
    }

    private static void AddPart(ReadOnlySpan<char> text, int start, int end, List<Range> parts)
    {
        while (start < end && char.IsWhiteSpace(text[start]))
        {
            start++;
        }

        while (end > start && char.IsWhiteSpace(text[end - 1]))
        {
            end--;
        }

        if (end > start)
        {
            parts.Add(start..end);
        }
    }

    /// <summary>Decodes the escape after a backslash at <paramref name="i"/> (leaving <paramref name="i"/> on its last character).</summary>
    private static byte Escape(ReadOnlySpan<char> body, ref int i)
    {
        var c = body[i];
        switch (c)
        {
            case 'n': return (byte)'\n';
            case 't': return (byte)'\t';
            case 'r': return (byte)'\r';
            case 'v': return 0x0b;
            case 'f': return 0x0c;
            case 'a': return 0x07;
            case 'b': return 0x08;
            case 'x':
                return (byte)DigitsAfter(body, ref i, 16, 2);
            case >= '0' and <= '7':
                i--;
                return (byte)DigitsAfter(body, ref i, 8, 3);
            default:
                return c < 0x80 ? (byte)c : (byte)'?';
        }
    }

    /// <summary>Reads up to <paramref name="maxDigits"/> digits in <paramref name="radix"/> after position <paramref name="i"/>.</summary>
    private static int DigitsAfter(ReadOnlySpan<char> body, ref int i, int radix, int maxDigits)
    {
        var value = 0;
        for (var n = 0; n < maxDigits && i + 1 < body.Length; n++)
        {
            var digit = HexDigit(body[i + 1]);
            if (digit < 0 || digit >= radix)
            {
                break;
            }

            value = value * radix + digit;
            i++;
        }

        return value;
    }

    private static int HexDigit(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'a' and <= 'f' => c - 'a' + 10,
        >= 'A' and <= 'F' => c - 'A' + 10,
        _ => -1,
    };

    private static bool TryParseOctal(ReadOnlySpan<char> digits, out ulong value)
    {
        value = 0;
        foreach (var c in digits)
        {
            if (c is < '0' or > '7' || value > ulong.MaxValue >> 3)
            {
                return false;
            }

            value = (value << 3) | (uint)(c - '0');
        }

        return true;
    }
}
