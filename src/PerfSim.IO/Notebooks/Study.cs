using System.Globalization;
using System.Text;
using PerfSim.Core.Simulation;
using PerfSim.Core.Workloads;
using PerfSim.IO.Charts;
using PerfSim.IO.Config;
using PerfSim.IO.Output;

namespace PerfSim.IO.Notebooks;

/// <summary>
/// What the notebooks (notebooks/*.cs, .NET file-based apps) share: run a scenario from the shipped profiles, and build
/// a markdown page with charts in its output folder (the first argument, else notebooks/output/NAME/).
/// </summary>
public sealed class Study
{
    private readonly StringBuilder _page = new();
    private readonly string _name;
    private readonly SvgChartRenderer _renderer = new();

    public Study(string name, string title, string[] args)
    {
        _name = name;
        Catalog = ConfigCatalog.Locate();
        OutDir = args.Length > 0 ? args[0] : Path.Combine(Catalog.WorkloadsDirectory, "..", "notebooks", "output", name);
        Directory.CreateDirectory(OutDir);
        _page.Append("# ").Append(title).Append("\n\n");
    }

    public ConfigCatalog Catalog { get; }

    public string OutDir { get; }

    /// <summary>Runs one generated workload through one design: cycles per iteration and everything else a result holds.</summary>
    public ScenarioResult Run(string machine, string design, string workload, ProcessShape? shape = null, string? kernel = null, int cpus = 1)
    {
        var m = Catalog.LoadMachine(machine);
        var k = Catalog.LoadKernel(kernel ?? m.DefaultKernel);
        var w = Lmbench.Find(workload) ?? throw new ArgumentException($"no workload '{workload}'");
        return ScenarioRunner.Run(new ResolvedConfig(m, k, Catalog.LoadDesign(design), cpus, 1), w, new WorkloadOptions { Shape = shape ?? ProcessShape.Default });
    }

    /// <summary>A design's time over native's for the same workload, machine and shape.</summary>
    public double Overhead(string machine, string design, string workload, ProcessShape? shape = null) =>
        Run(machine, design, workload, shape).CyclesPerIter / Run(machine, "native", workload, shape).CyclesPerIter;

    public void Text(string markdown) => _page.Append(markdown.Trim()).Append("\n\n");

    public void Table(IReadOnlyList<string> header, IEnumerable<IReadOnlyList<string>> rows)
    {
        _page.Append("| ").Append(string.Join(" | ", header)).Append(" |\n|").Append(string.Concat(header.Select(_ => "---|"))).Append('\n');
        foreach (var r in rows)
        {
            _page.Append("| ").Append(string.Join(" | ", r)).Append(" |\n");
        }
        _page.Append('\n');
    }

    /// <summary>Writes a chart beside the page and shows it there.</summary>
    public void Chart(string file, object chart, string caption)
    {
        var svg = chart switch
        {
            BarChart b => _renderer.Render(b),
            StackedBarChart s => _renderer.Render(s),
            LineChart l => _renderer.Render(l),
            _ => throw new ArgumentException("not a chart model", nameof(chart)),
        };
        AtomicFile.WriteAllText(Path.Combine(OutDir, file + ".svg"), svg);
        _page.Append("![").Append(caption).Append("](").Append(file).Append(".svg)\n\n");
    }

    public static string F(double v, string format = "F2") => v.ToString(format, CultureInfo.InvariantCulture);

    /// <summary>Writes the page (NAME.md) and says where.</summary>
    public string Save()
    {
        var path = Path.Combine(OutDir, _name + ".md");
        AtomicFile.WriteAllText(path, _page.ToString());
        Console.WriteLine($"wrote {path}");
        return path;
    }
}
