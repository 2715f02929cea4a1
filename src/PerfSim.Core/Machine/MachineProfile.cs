namespace PerfSim.Core.Machine;

/// <summary>
/// A frozen machine profile: a value per <see cref="MachineParam"/>, with the source each came from.
/// </summary>
public sealed class MachineProfile
{
    private readonly long[] _values;
    private readonly string[] _sources;

    public MachineProfile(string name, string description, string defaultKernel, IReadOnlyList<long> values, IReadOnlyList<string> sources)
    {
        if (values.Count != MachineParams.Count || sources.Count != MachineParams.Count)
        {
            throw new ArgumentException($"A machine profile needs exactly {MachineParams.Count} values and sources.");
        }
        Name = name;
        Description = description;
        DefaultKernel = defaultKernel;
        _values = values.ToArray();
        _sources = sources.ToArray();
    }

    public string Name { get; }
    public string Description { get; }

    /// <summary>The kernel profile used on this machine unless another is named (the kernel its reference measurements ran).</summary>
    public string DefaultKernel { get; }

    public long this[MachineParam p] => _values[(int)p];

    public string SourceOf(MachineParam p) => _sources[(int)p];

    public long FrequencyMhz => this[MachineParam.FrequencyMhz];

    /// <summary>A copy with one value replaced (for --set and calibration).</summary>
    public MachineProfile With(MachineParam p, long value, string source)
    {
        var values = (long[])_values.Clone();
        var sources = (string[])_sources.Clone();
        values[(int)p] = value;
        sources[(int)p] = source;
        return new MachineProfile(Name, Description, DefaultKernel, values, sources);
    }

    /// <summary>A copy with every cycle cost (cycles and millicycles) multiplied by <paramref name="factor"/> (geometry, rates, flags and CPIs unchanged).</summary>
    public MachineProfile ScaleCycleCosts(long factor)
    {
        var values = (long[])_values.Clone();
        for (var i = 0; i < values.Length; i++)
        {
            if (MachineParams.Defs[i].Unit is ParamUnit.Cycles or ParamUnit.Millicycles)
            {
                values[i] *= factor;
            }
        }
        return new MachineProfile(Name, Description, DefaultKernel, values, _sources);
    }
}
