namespace PerfSim.IO.Output;

/// <summary>A table of already formatted cells: column names and rows in output order.</summary>
public sealed record ResultTable(IReadOnlyList<string> Columns, IReadOnlyList<IReadOnlyList<string>> Rows);
