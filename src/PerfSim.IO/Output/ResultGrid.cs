using PerfSim.Core.Simulation;

namespace PerfSim.IO.Output;

/// <summary>
/// Results of one machine, kernel and CPU count arranged as workload × design, for the human-readable writers.
/// Groups, workloads and designs keep the order of first appearance; the first result for a cell wins.
/// </summary>
internal sealed class ResultGrid
{
    private readonly Dictionary<(string Workload, string Design), (ScenarioResult Result, double? Overhead)> _cells = [];

    private ResultGrid(string machine, string kernel, int cpus)
    {
        Machine = machine;
        Kernel = kernel;
        Cpus = cpus;
    }

    public string Machine { get; }
    public string Kernel { get; }
    public int Cpus { get; }
    public List<string> Workloads { get; } = [];
    public List<string> Designs { get; } = [];

    public string Title => $"{Machine}, {Kernel}, {NumberText.Integer(Cpus)} CPU{(Cpus == 1 ? "" : "s")}";

    public bool TryGet(string workload, string design, out ScenarioResult result, out double? overhead)
    {
        var found = _cells.TryGetValue((workload, design), out var cell);
        (result, overhead) = cell;
        return found;
    }

    public static IReadOnlyList<ResultGrid> Build(IReadOnlyList<ScenarioResult> results)
    {
        var overheads = ResultTables.OverheadVsNative(results);
        var grids = new List<ResultGrid>();
        var byKey = new Dictionary<(string Machine, string Kernel, int Cpus), ResultGrid>();
        for (var i = 0; i < results.Count; i++)
        {
            var r = results[i];
            if (!byKey.TryGetValue((r.Machine, r.Kernel, r.Cpus), out var grid))
            {
                grid = new ResultGrid(r.Machine, r.Kernel, r.Cpus);
                byKey.Add((r.Machine, r.Kernel, r.Cpus), grid);
                grids.Add(grid);
            }
            if (!grid.Workloads.Contains(r.Workload))
            {
                grid.Workloads.Add(r.Workload);
            }
            if (!grid.Designs.Contains(r.Design))
            {
                grid.Designs.Add(r.Design);
            }
            grid._cells.TryAdd((r.Workload, r.Design), (r, overheads[i]));
        }
        return grids;
    }
}
