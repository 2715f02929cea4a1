namespace PerfSim.Core.Time;

/// <summary>A duration or point in simulated time, in integer CPU cycles.</summary>
public readonly record struct Cycles(long Value) : IComparable<Cycles>
{
    public static readonly Cycles Zero = new(0);

    public static Cycles operator +(Cycles a, Cycles b) => new(a.Value + b.Value);
    public static Cycles operator -(Cycles a, Cycles b) => new(a.Value - b.Value);
    public static Cycles operator *(Cycles a, long k) => new(a.Value * k);
    public static bool operator <(Cycles a, Cycles b) => a.Value < b.Value;
    public static bool operator >(Cycles a, Cycles b) => a.Value > b.Value;
    public static bool operator <=(Cycles a, Cycles b) => a.Value <= b.Value;
    public static bool operator >=(Cycles a, Cycles b) => a.Value >= b.Value;

    public int CompareTo(Cycles other) => Value.CompareTo(other.Value);

    /// <summary>Microseconds at the given clock, for reports only.</summary>
    public double ToMicroseconds(long frequencyMhz) => (double)Value / frequencyMhz;

    public override string ToString() => Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
