using System.Globalization;
using System.Text;
using PerfSim.Core.Simulation;
using PerfSim.Core.Stats;

namespace PerfSim.IO.Output;

/// <summary>One scenario of a scaling study: the design, the value of the knob varied, the result and native's cycles at that value.</summary>
public sealed record ScalingRow(string Design, long Knob, ScenarioResult Result, double NativeCycles);

/// <summary>
/// The generated part of docs/memory-virtualization.md: per workload, cycles per iteration, the ratio to native and
/// a chosen set of counters for every design at every value of one knob (a process size).
/// </summary>
public static class ScalingTables
{
    public const string BeginMarker = "<!-- BEGIN GENERATED TABLES (ScalingTables; do not edit by hand) -->";

    public static string Render(IReadOnlyList<(string Workload, IReadOnlyList<ScalingRow> Rows)> tables, string knobName, IReadOnlyList<Counter> counters)
    {
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder(BeginMarker).Append('\n');
        foreach (var (workload, rows) in tables)
        {
            sb.Append("\n### ").Append(workload).Append("\n\n| design | ").Append(knobName).Append(" | cycles/iter | × native | ")
              .Append(string.Join(" | ", counters.Select(c => Metrics.Of(c).Name))).Append(" |\n|---|---:|---:|---:|")
              .Append(string.Concat(counters.Select(_ => "---:|"))).Append('\n');
            foreach (var r in rows)
            {
                sb.Append("| ").Append(r.Design).Append(" | ").Append(r.Knob.ToString(inv)).Append(" | ")
                  .Append(Math.Round(r.Result.CyclesPerIter).ToString("N0", inv)).Append(" | ")
                  .Append((r.Result.CyclesPerIter / r.NativeCycles).ToString("F2", inv)).Append(" |");
                foreach (var c in counters)
                {
                    sb.Append(' ').Append(Math.Round(r.Result.CounterValue(c)).ToString("N0", inv)).Append(" |");
                }
                sb.Append('\n');
            }
        }
        return sb.Append('\n').Append(GeneratedSection.EndMarker).Append('\n').ToString();
    }

    public static string Splice(string document, string generated) => GeneratedSection.Splice(document, BeginMarker, generated);
}
