using System.Text;
using PerfSim.Core.Simulation;

namespace PerfSim.IO.Output;

/// <summary>
/// Markdown tables for the documentation: per machine, kernel and CPU count, each workload's native time and every
/// other design's overhead versus native, between generated-section markers.
/// </summary>
public static class OverheadTables
{
    public const string BeginMarker = "<!-- BEGIN GENERATED TABLES (OverheadTables; do not edit by hand) -->";

    /// <param name="byDesign">One row per design and a column per workload (for many designs), instead of a row per workload.</param>
    public static string Render(IReadOnlyList<ScenarioResult> results, bool byDesign = false)
    {
        var md = new StringBuilder(BeginMarker).Append('\n');
        foreach (var grid in ResultGrid.Build(results))
        {
            if (byDesign)
            {
                md.Append("\n").Append(grid.Title).Append(": each design's time as a multiple of native's (native's own in ms)\n\n");
                md.Append("| design |").Append(string.Concat(grid.Workloads.Select(w => $" {w} |"))).Append('\n');
                md.Append("|---|").Append(string.Concat(grid.Workloads.Select(_ => "---:|"))).Append('\n');
                foreach (var d in grid.Designs)
                {
                    md.Append("| ").Append(d).Append(" |");
                    foreach (var w in grid.Workloads)
                    {
                        md.Append(' ').Append(!grid.TryGet(w, d, out var r, out var o) ? "-"
                            : d == "native" ? NumberText.Fixed(r.CyclesPerIter / r.FrequencyMhz / 1000, 2) + " ms"
                            : o is { } x ? NumberText.Fixed(x, 2) : "-").Append(" |");
                    }
                    md.Append('\n');
                }
                continue;
            }
            var designs = grid.Designs.Where(d => d != "native").ToList();
            md.Append("\n").Append(grid.Title).Append(": native time per run, and each design's time as a multiple of it\n\n");
            md.Append("| workload | native (ms) |").Append(string.Concat(designs.Select(d => $" {d} |"))).Append('\n');
            md.Append("|---|---:|").Append(string.Concat(designs.Select(_ => "---:|"))).Append('\n');
            foreach (var w in grid.Workloads)
            {
                md.Append("| ").Append(w).Append(" | ");
                md.Append(grid.TryGet(w, "native", out var n, out _) ? NumberText.Fixed(n.CyclesPerIter / n.FrequencyMhz / 1000, 2) : "-").Append(" |");
                foreach (var d in designs)
                {
                    md.Append(' ').Append(grid.TryGet(w, d, out _, out var o) && o is { } x ? NumberText.Fixed(x, 2) : "-").Append(" |");
                }
                md.Append('\n');
            }
        }
        return md.Append('\n').Append(GeneratedSection.EndMarker).Append('\n').ToString();
    }

    public static string Splice(string document, string generated) => GeneratedSection.Splice(document, BeginMarker, generated);
}
