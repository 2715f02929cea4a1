namespace PerfSim.Core.Trace;

/// <summary>A trace that cannot be used: names the source, the line (or record) and the field.</summary>
public sealed class TraceException : Exception
{
    public TraceException(string source, long line, string field, string problem)
        : base($"{source}:{line}: {(string.IsNullOrEmpty(field) ? "" : $"field '{field}': ")}{problem}")
    {
        Source = source;
        Line = line;
        Field = field;
        Problem = problem;
    }

    public new string Source { get; }
    public long Line { get; }
    public string Field { get; }
    public string Problem { get; }
}
