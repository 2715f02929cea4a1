namespace PerfSim.Core.Machine;

/// <summary>Metadata of one numeric parameter: its data-file key, unit, bounds and a one-line description.</summary>
public sealed record ParamDef(string Key, ParamUnit Unit, long Min, long Max, string Description);
