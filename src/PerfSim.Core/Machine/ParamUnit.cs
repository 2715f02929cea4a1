namespace PerfSim.Core.Machine;

/// <summary>The unit a parameter is given in. Data files name it as the key holding the value.</summary>
public enum ParamUnit
{
    /// <summary>CPU cycles.</summary>
    Cycles,
    /// <summary>Megahertz.</summary>
    Mhz,
    /// <summary>A count of TLB entries.</summary>
    Entries,
    /// <summary>Ways of associativity.</summary>
    Ways,
    /// <summary>A count of page-table levels walked in memory.</summary>
    Levels,
    /// <summary>Cycles per 1,000 instructions (fixed-point CPI).</summary>
    CyclesPer1000Instructions,
    /// <summary>0 or 1.</summary>
    Flag,
    /// <summary>Instructions of kernel code.</summary>
    Instructions,
    /// <summary>A plain count.</summary>
    Count,
    /// <summary>Parts per thousand.</summary>
    Permille,
    /// <summary>Thousandths of a cycle.</summary>
    Millicycles,
    /// <summary>Lock-prefixed (or otherwise serializing) operations.</summary>
    LockedOps,
    /// <summary>64-byte cache lines.</summary>
    Lines,
    /// <summary>Events per 1,000 runs of a kernel path (fixed point: a path may average half an event per run).</summary>
    Per1000Runs,
}

public static class ParamUnitNames
{
    /// <summary>The key that holds a value of this unit in a data file, e.g. <c>{"cycles": 700, "source": "..."}</c>.</summary>
    public static string Key(this ParamUnit unit) => unit switch
    {
        ParamUnit.Cycles => "cycles",
        ParamUnit.Mhz => "mhz",
        ParamUnit.Entries => "entries",
        ParamUnit.Ways => "ways",
        ParamUnit.Levels => "levels",
        ParamUnit.CyclesPer1000Instructions => "cycles_per_1000_instructions",
        ParamUnit.Flag => "flag",
        ParamUnit.Instructions => "instructions",
        ParamUnit.Count => "count",
        ParamUnit.Permille => "permille",
        ParamUnit.Millicycles => "millicycles",
        ParamUnit.LockedOps => "locked_ops",
        ParamUnit.Lines => "lines",
        ParamUnit.Per1000Runs => "per_1000_runs",
        _ => throw new ArgumentOutOfRangeException(nameof(unit)),
    };
}
