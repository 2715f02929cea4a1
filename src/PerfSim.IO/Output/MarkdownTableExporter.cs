using System.Text;
using PerfSim.Core.Simulation;

namespace PerfSim.IO.Output;

/// <summary>
/// Writes results.md: for each machine, kernel and CPU count, a workload × design table of cycles per iteration
/// with the overhead versus native in parentheses.
/// </summary>
public sealed class MarkdownTableExporter : IResultExporter
{
    public const string FileName = "results.md";

    public string Name => "markdown";

    public void Export(string outDir, IReadOnlyList<ScenarioResult> results, RunInfo info)
    {
        ArgumentException.ThrowIfNullOrEmpty(outDir);
        var text = Render(results, info);
        Directory.CreateDirectory(outDir);
        AtomicFile.WriteAllText(Path.Combine(outDir, FileName), text);
    }

    /// <summary>The content of results.md.</summary>
    public static string Render(IReadOnlyList<ScenarioResult> results, RunInfo info)
    {
        ArgumentNullException.ThrowIfNull(info);
        var md = new StringBuilder();
        md.Append("# PerfSim results\n\n");
        md.Append("PerfSim ").Append(Escape(info.ToolVersion))
          .Append(", seed ").Append(NumberText.Integer(info.Seed))
          .Append(", configuration ").Append(Code(info.ConfigHash)).Append(".\n\n");
        md.Append("Command: ").Append(Code(info.CommandLine)).Append("\n\n");
        md.Append("Cells are cycles per iteration, with the overhead versus native in parentheses.\n");

        foreach (var grid in ResultGrid.Build(results))
        {
            md.Append("\n## ").Append(Escape(grid.Title)).Append("\n\n");
            md.Append("| workload |");
            foreach (var design in grid.Designs)
            {
                md.Append(' ').Append(Escape(design)).Append(" |");
            }
            md.Append("\n| :--- |");
            foreach (var _ in grid.Designs)
            {
                md.Append(" ---: |");
            }
            md.Append('\n');
            foreach (var workload in grid.Workloads)
            {
                md.Append("| ").Append(Escape(workload)).Append(" |");
                foreach (var design in grid.Designs)
                {
                    md.Append(' ').Append(Cell(grid, workload, design)).Append(" |");
                }
                md.Append('\n');
            }
        }
        return md.ToString();
    }

    private static string Cell(ResultGrid grid, string workload, string design)
    {
        if (!grid.TryGet(workload, design, out var result, out var overhead))
        {
            return "-";
        }
        var cycles = NumberText.Fixed(result.CyclesPerIter, 2);
        return overhead is { } o ? $"{cycles} ({NumberText.Fixed(o, 2)}x)" : cycles;
    }

    private static string Escape(string text) =>
        text.Replace("\\", "\\\\", StringComparison.Ordinal)
            .Replace("|", "\\|", StringComparison.Ordinal)
            .Replace("\n", " ", StringComparison.Ordinal)
            .Replace("\r", " ", StringComparison.Ordinal);

    private static string Code(string text)
    {
        text = text.Replace("\n", " ", StringComparison.Ordinal).Replace("\r", " ", StringComparison.Ordinal);
        return text.Contains('`', StringComparison.Ordinal) ? $"`` {text} ``" : $"`{text}`";
    }
}
