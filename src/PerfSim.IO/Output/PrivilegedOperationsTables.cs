using System.Globalization;
using System.Text;
using PerfSim.Core.Designs.Hooks;
using PerfSim.Core.Simulation;

namespace PerfSim.IO.Output;

/// <summary>
/// The generated part of docs/privileged-operations.md: for each workload, the hook sites each design executed
/// per iteration and the cycles spent in them (<c>calls / cycles</c>, as in hooks.csv), and each design's total.
/// A documentation test re-renders it from the model so the document cannot drift from the code.
/// </summary>
public static class PrivilegedOperationsTables
{
    public const string BeginMarker = "<!-- BEGIN GENERATED TABLES (PrivilegedOperationsTables; do not edit by hand) -->";
    public const string EndMarker = GeneratedSection.EndMarker;

    /// <summary>The tables, in the order of <paramref name="workloads"/> and <paramref name="designs"/>; every (workload, design) must be in <paramref name="results"/>.</summary>
    public static string Render(IReadOnlyList<ScenarioResult> results, IReadOnlyList<string> workloads, IReadOnlyList<string> designs)
    {
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.Append(BeginMarker).Append('\n');
        foreach (var w in workloads)
        {
            var row = designs.Select(d => results.Single(r => r.Workload == w && r.Design == d)).ToArray();
            sb.Append("\n### ").Append(w).Append("\n\nCalls per iteration and cycles spent in them (reaching the operation and running it), `calls / cycles`:\n\n");
            sb.Append("| operation | ").Append(string.Join(" | ", designs)).Append(" |\n|---|").Append(string.Concat(designs.Select(_ => "---:|"))).Append('\n');
            for (var op = 0; op < HookSites.Count; op++)
            {
                if (row.All(r => r.HookCallsPerIter[op] == 0))
                {
                    continue;
                }
                sb.Append("| ").Append(HookSites.All[op].Name);
                foreach (var r in row)
                {
                    sb.Append(" | ").Append(Calls(r.HookCallsPerIter[op])).Append(" / ").Append(Math.Round(r.HookCyclesPerIter[op]).ToString("N0", inv));
                }
                sb.Append(" |\n");
            }
            sb.Append("| **total cycles per iteration** | ").Append(string.Join(" | ", row.Select(r => "**" + Math.Round(r.CyclesPerIter).ToString("N0", inv) + "**"))).Append(" |\n");
        }
        sb.Append('\n').Append(EndMarker).Append('\n');
        return sb.ToString();
    }

    /// <summary>Replaces the generated section of <paramref name="document"/> with <paramref name="generated"/>.</summary>
    public static string Splice(string document, string generated) => GeneratedSection.Splice(document, BeginMarker, generated);

    private static string Calls(double calls) =>
        calls == Math.Floor(calls) ? calls.ToString("N0", CultureInfo.InvariantCulture) : calls.ToString("0.####", CultureInfo.InvariantCulture);
}
