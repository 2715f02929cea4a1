using System.Globalization;

namespace PerfSim.IO.Output;

/// <summary>Culture-independent number formatting for every writer.</summary>
internal static class NumberText
{
    /// <summary>
    /// Fixed-point with <paramref name="decimals"/> digits in InvariantCulture. A value that rounds to zero is
    /// printed without a sign ("-0.00" becomes "0.00"), so -0.0 and tiny negative noise do not show.
    /// </summary>
    public static string Fixed(double value, int decimals)
    {
        var text = value.ToString("F" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
        return text.Length > 1 && text[0] == '-' && IsZero(text.AsSpan(1)) ? text[1..] : text;
    }

    public static string Integer(long value) => value.ToString(CultureInfo.InvariantCulture);

    public static string Integer(ulong value) => value.ToString(CultureInfo.InvariantCulture);

    private static bool IsZero(ReadOnlySpan<char> digits)
    {
        foreach (var c in digits)
        {
            if (c != '0' && c != '.')
            {
                return false;
            }
        }
        return true;
    }
}
