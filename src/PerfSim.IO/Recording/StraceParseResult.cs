namespace PerfSim.IO.Recording;

/// <summary>
/// What <see cref="StraceParser.Parse"/> read: the events sorted by time, warnings about lines it skipped or calls that
/// never returned (each naming the source and line), and whether the recording was cut short (a task without a
/// <c>+++ exited</c> or <c>+++ killed</c> line).
/// </summary>
public sealed record StraceParseResult(IReadOnlyList<RecordedEvent> Events, IReadOnlyList<string> Warnings, bool Truncated);
