using System.Text;
using PerfSim.Core.Simulation;

namespace PerfSim.IO.Output;

/// <summary>
/// Formats results as plain-text aligned columns for the terminal: for each machine, kernel and CPU count, one
/// line per workload with, per design, cycles per iteration and the ratio to native ("-" where unknown).
/// </summary>
public static class ConsoleTable
{
    private const string Gap = "  ";
    private const string Missing = "-";

    /// <summary>Designs beyond which the table switches to the compact overhead form.</summary>
    public const int WideLimit = 4;

    public static string Format(IReadOnlyList<ScenarioResult> results)
    {
        if (ResultGrid.Build(results).Any(g => g.Designs.Count > WideLimit))
        {
            return FormatOverhead(results);
        }
        var text = new StringBuilder();
        foreach (var grid in ResultGrid.Build(results))
        {
            if (text.Length > 0)
            {
                text.Append('\n');
            }
            text.Append(grid.Title).Append('\n');
            AppendGrid(text, grid);
        }
        return text.ToString();
    }

    /// <summary>
    /// The compact form for many designs: per workload, native cycles per iteration and each design's ratio to
    /// native under a numbered column, with the numbers' designs listed below.
    /// </summary>
    public static string FormatOverhead(IReadOnlyList<ScenarioResult> results)
    {
        var text = new StringBuilder();
        foreach (var grid in ResultGrid.Build(results))
        {
            if (text.Length > 0)
            {
                text.Append('\n');
            }
            text.Append(grid.Title).Append(" - overhead vs native (x)").Append('\n');
            var designs = grid.Designs.Where(d => d != ResultTables.NativeDesign).ToList();
            var columns = 2 + designs.Count;
            var header = new string[columns];
            header[0] = "workload";
            header[1] = "native cycles";
            for (var d = 0; d < designs.Count; d++)
            {
                header[2 + d] = $"[{d + 1}]";
            }
            var body = new List<string[]>();
            foreach (var workload in grid.Workloads)
            {
                var row = new string[columns];
                row[0] = workload;
                row[1] = grid.TryGet(workload, ResultTables.NativeDesign, out var native, out _) ? NumberText.Fixed(native.CyclesPerIter, 0) : Missing;
                for (var d = 0; d < designs.Count; d++)
                {
                    grid.TryGet(workload, designs[d], out _, out var overhead);
                    row[2 + d] = overhead is { } o ? NumberText.Fixed(o, 2) : Missing;
                }
                body.Add(row);
            }
            var widths = new int[columns];
            foreach (var row in body.Prepend(header))
            {
                for (var c = 0; c < columns; c++)
                {
                    widths[c] = Math.Max(widths[c], row[c].Length);
                }
            }
            var line = new StringBuilder();
            foreach (var row in body.Prepend(header))
            {
                line.Append(Pad(row[0], widths[0], right: false));
                for (var c = 1; c < columns; c++)
                {
                    line.Append(Gap).Append(Pad(row[c], widths[c], right: true));
                }
                AppendLine(text, line);
            }
            for (var d = 0; d < designs.Count; d++)
            {
                text.Append($"[{d + 1}] {designs[d]}").Append('\n');
            }
        }
        return text.ToString();
    }

    private static void AppendGrid(StringBuilder text, ResultGrid grid)
    {
        // Column 0 is the workload; design d owns columns 1 + 2d (cycles) and 2 + 2d (x native).
        var columns = 1 + 2 * grid.Designs.Count;
        var header = new string[columns];
        header[0] = "workload";
        var body = new List<string[]>();
        for (var d = 0; d < grid.Designs.Count; d++)
        {
            header[1 + 2 * d] = "cycles";
            header[2 + 2 * d] = "x native";
        }
        foreach (var workload in grid.Workloads)
        {
            var row = new string[columns];
            row[0] = workload;
            for (var d = 0; d < grid.Designs.Count; d++)
            {
                var found = grid.TryGet(workload, grid.Designs[d], out var result, out var overhead);
                row[1 + 2 * d] = found ? NumberText.Fixed(result.CyclesPerIter, 2) : Missing;
                row[2 + 2 * d] = overhead is { } o ? NumberText.Fixed(o, 2) : Missing;
            }
            body.Add(row);
        }

        var widths = new int[columns];
        foreach (var row in body.Append(header))
        {
            for (var c = 0; c < columns; c++)
            {
                widths[c] = Math.Max(widths[c], row[c].Length);
            }
        }
        // The design name spans its two columns; widen the cycles column if the name is longer.
        for (var d = 0; d < grid.Designs.Count; d++)
        {
            var span = widths[1 + 2 * d] + Gap.Length + widths[2 + 2 * d];
            widths[1 + 2 * d] += Math.Max(0, grid.Designs[d].Length - span);
        }

        var line = new StringBuilder();
        line.Append(Pad("", widths[0], right: false));
        for (var d = 0; d < grid.Designs.Count; d++)
        {
            var span = widths[1 + 2 * d] + Gap.Length + widths[2 + 2 * d];
            line.Append(Gap).Append(Pad(grid.Designs[d], span, right: true));
        }
        AppendLine(text, line);
        foreach (var row in body.Prepend(header))
        {
            line.Append(Pad(row[0], widths[0], right: false));
            for (var c = 1; c < columns; c++)
            {
                line.Append(Gap).Append(Pad(row[c], widths[c], right: true));
            }
            AppendLine(text, line);
        }
    }

    private static string Pad(string s, int width, bool right) => right ? s.PadLeft(width) : s.PadRight(width);

    private static void AppendLine(StringBuilder text, StringBuilder line)
    {
        text.Append(line.ToString().TrimEnd()).Append('\n');
        line.Clear();
    }
}
