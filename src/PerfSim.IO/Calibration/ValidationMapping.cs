using System.Text;
using PerfSim.IO.Config;

namespace PerfSim.IO.Calibration;

/// <summary>How one published configuration is simulated: a design on a number of CPUs.</summary>
public sealed record MappedConfig(string Name, string Design, int Cpus);

/// <summary>
/// A published table and how each of its cells maps to a scenario (a mapping file, <c>workloads/validation/NAME.json</c>):
/// the machine and kernel it ran on, the configuration that is native (the ratios' denominator), each configuration's
/// design and CPU count, the benchmarks' workloads (lmbench names map by default), the benchmarks left out (with why),
/// and the configurations whose order in every row the summary checks (<c>order</c>; default all of them).
/// </summary>
public sealed record ValidationMapping(
    string File,
    string Source,
    string TablePath,
    string Machine,
    string? Kernel,
    string Baseline,
    IReadOnlyList<MappedConfig> Configs,
    IReadOnlyDictionary<string, string> Benchmarks,
    IReadOnlyDictionary<string, string> Skip,
    IReadOnlyList<string> Order)
{
    /// <summary>The table's short name: the mapping file's name without .json.</summary>
    public string Name => Path.GetFileNameWithoutExtension(File);

    /// <summary>The workload a benchmark runs as: the mapping's, else the lmbench name's; null when neither knows it.</summary>
    public string? WorkloadOf(string benchmark) => Benchmarks.TryGetValue(benchmark, out var w) ? w : PublishedTable.WorkloadOf(benchmark);

    private static readonly string[] TopKeys = ["source", "table", "machine", "kernel", "baseline", "configs", "benchmarks", "skip", "order"];
    private static readonly string[] TopRequired = ["source", "table", "machine", "baseline", "configs"];
    private static readonly string[] ConfigKeys = ["design", "cpus"];

    /// <summary>Reads a mapping file strictly: every unknown key, missing key or bad value is reported with its line and key path.</summary>
    public static ValidationMapping Load(string path)
    {
        if (!System.IO.File.Exists(path))
        {
            throw new ConfigException(new ConfigError(path, null, null, "file not found"));
        }
        var r = new ConfigReader(path, System.IO.File.ReadAllBytes(path));
        var root = r.Parse();
        r.ThrowIfErrors();
        var top = r.Object(root!, "", TopKeys, TopRequired);
        r.ThrowIfErrors();
        string? Text(string key) => top!.TryGetValue(key, out var p) ? r.String(p.Value, key, allowEmpty: false) : null;
        var source = Text("source");
        var table = Text("table");
        var machine = Text("machine");
        var kernel = Text("kernel");
        var baseline = Text("baseline");
        var configs = new List<MappedConfig>();
        if (top!.TryGetValue("configs", out var cp) && r.Object(cp.Value, "configs", cp.Value.Properties.Select(p => p.Name).ToArray(), []) is { } cs)
        {
            foreach (var (name, prop) in cs)
            {
                var at = ConfigReader.Join("configs", name);
                if (r.Object(prop.Value, at, ConfigKeys, ["design"]) is not { } c)
                {
                    continue;
                }
                var design = c.TryGetValue("design", out var d) ? r.String(d.Value, ConfigReader.Join(at, "design"), allowEmpty: false) : null;
                var cpus = c.TryGetValue("cpus", out var n) ? r.Integer(n.Value, ConfigReader.Join(at, "cpus"), 1, 256) : 1;
                if (design is not null && cpus is not null)
                {
                    configs.Add(new MappedConfig(name, design, (int)cpus));
                }
            }
            if (baseline is not null && !cs.ContainsKey(baseline))
            {
                r.Error(top["baseline"].Value.Offset, "baseline", $"'{baseline}' is not one of the configs ({string.Join(", ", cs.Keys)})");
            }
        }
        Dictionary<string, string> Strings(string key)
        {
            var result = new Dictionary<string, string>(StringComparer.Ordinal);
            if (top.TryGetValue(key, out var p) && r.Object(p.Value, key, p.Value.Properties.Select(q => q.Name).ToArray(), []) is { } o)
            {
                foreach (var (name, prop) in o)
                {
                    if (r.String(prop.Value, ConfigReader.Join(key, name), allowEmpty: false) is { } v)
                    {
                        result[name] = v;
                    }
                }
            }
            return result;
        }
        var benchmarks = Strings("benchmarks");
        var skip = Strings("skip");
        var order = new List<string>();
        if (top.TryGetValue("order", out var op))
        {
            if (op.Value.Kind != JsonNodeKind.Array)
            {
                r.Error(op.Value.Offset, "order", $"expected an array of configuration names, found {op.Value.KindName}");
            }
            else
            {
                for (var i = 0; i < op.Value.Items.Count; i++)
                {
                    var at = $"order[{i}]";
                    if (r.String(op.Value.Items[i], at, allowEmpty: false) is { } name)
                    {
                        if (configs.All(c => c.Name != name))
                        {
                            r.Error(op.Value.Items[i].Offset, at, $"'{name}' is not one of the configs ({string.Join(", ", configs.Select(c => c.Name))})");
                        }
                        order.Add(name);
                    }
                }
            }
        }
        r.ThrowIfErrors();
        var tablePath = Path.IsPathRooted(table!) ? table! : Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, table!);
        return new ValidationMapping(path, source!, tablePath, machine!, kernel, baseline!, configs, benchmarks, skip,
            order.Count > 0 ? order : configs.Select(c => c.Name).ToList());
    }

    /// <summary>
    /// Checks the table against the mapping: every configuration is mapped, every benchmark runs as a workload the
    /// catalog has (or is skipped), and every benchmark has a baseline cell to take its ratios to. All problems at once,
    /// each with the table's file and line.
    /// </summary>
    public void Check(IReadOnlyList<PublishedCell> cells, IReadOnlyCollection<string> workloads)
    {
        var errors = new List<ConfigError>();
        foreach (var c in cells)
        {
            if (Skip.ContainsKey(c.Benchmark))
            {
                continue;
            }
            if (Configs.All(m => m.Name != c.Config))
            {
                errors.Add(new ConfigError(c.File, c.Line, "config", $"'{c.Config}' is not mapped in {File} (configs: {string.Join(", ", Configs.Select(m => m.Name))})"));
            }
            var workload = WorkloadOf(c.Benchmark);
            if (workload is null || !workloads.Contains(workload))
            {
                errors.Add(new ConfigError(c.File, c.Line, "benchmark", workload is null
                    ? $"'{c.Benchmark}' maps to no PerfSim workload: map it under \"benchmarks\" or leave it out under \"skip\" in {File}"
                    : $"'{c.Benchmark}' maps to '{workload}', which is not a workload ('perfsim list workloads')"));
            }
            if (!cells.Any(b => b.Benchmark == c.Benchmark && b.Config == Baseline))
            {
                errors.Add(new ConfigError(c.File, c.Line, "config", $"'{c.Benchmark}' has no {Baseline} cell to take the ratio to: skip it in {File}"));
            }
        }
        if (errors.Count > 0)
        {
            throw new ConfigException(errors.DistinctBy(e => e.ToString()).ToList());
        }
    }

    /// <summary>One line per configuration, for the report: "Xen = xen-1.0 on 1 CPU".</summary>
    public string Describe()
    {
        var sb = new StringBuilder();
        foreach (var c in Configs)
        {
            sb.Append(sb.Length == 0 ? "" : "; ").Append(c.Name).Append(" = ").Append(c.Design).Append(" on ").Append(c.Cpus).Append(c.Cpus == 1 ? " CPU" : " CPUs");
        }
        return sb.ToString();
    }
}
