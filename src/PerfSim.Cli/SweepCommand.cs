using System.CommandLine;
using System.Globalization;
using System.Text;
using PerfSim.Core.Machine;
using PerfSim.Core.Simulation;
using PerfSim.Core.Workloads;
using PerfSim.IO.Config;
using PerfSim.IO.Output;

namespace PerfSim.Cli;

/// <summary>One swept parameter: a <c>--set</c> key (machine parameter, kernel path, process.*), <c>cpus</c> or <c>pcpus</c>, and its values.</summary>
public sealed record SweepParam(string Key, IReadOnlyList<long> Values)
{
    /// <summary>Parses <c>KEY=V1,V2,...</c> or <c>KEY=FROM:TO:STEP</c> (integers, TO included).</summary>
    public static SweepParam Parse(string text)
    {
        var eq = text.IndexOf('=');
        if (eq <= 0)
        {
            throw new UsageException($"--param '{text}': expected KEY=V1,V2,... or KEY=FROM:TO:STEP");
        }
        var key = text[..eq].Trim();
        var spec = text[(eq + 1)..].Trim();
        long Num(string s) => long.TryParse(s.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v)
            ? v : throw new UsageException($"--param {key}: '{s.Trim()}' is not an integer");
        List<long> values;
        var range = spec.Split(':');
        if (range.Length == 3)
        {
            var (from, to, step) = (Num(range[0]), Num(range[1]), Num(range[2]));
            if (step <= 0 || to < from || (to - from) / step > 10_000)
            {
                throw new UsageException($"--param {key}={spec}: FROM:TO:STEP needs FROM <= TO, STEP > 0 and at most 10,000 values");
            }
            values = [];
            for (var v = from; v <= to; v += step)
            {
                values.Add(v);
            }
        }
        else if (range.Length == 1)
        {
            values = spec.Split(',').Select(Num).ToList();
        }
        else
        {
            throw new UsageException($"--param {key}={spec}: expected V1,V2,... or FROM:TO:STEP");
        }
        if (values.Count == 0 || values.Distinct().Count() != values.Count)
        {
            throw new UsageException($"--param {key}: give each value once");
        }
        return new SweepParam(key, values);
    }
}

/// <summary>
/// <c>perfsim sweep</c>: the cross product of the swept values × workloads × designs, run on all cores, in a fixed
/// scenario order; every finished scenario is appended to <c>sweep.rows.csv</c> at once (a rerun skips what is there,
/// so an interrupted sweep resumes without lost or repeated rows); <c>--shard K/N</c> runs the scenarios whose index is
/// K-1 modulo N. <c>sweep.csv</c> (the swept values as columns, then the results) is written from the rows, atomically.
/// <c>perfsim merge</c> joins shards' folders into the same files.
/// </summary>
internal static class SweepCommand
{
    public const string SpecFile = "sweep.json";
    public const string RowsFile = "sweep.rows.csv";
    public const string SweepFile = "sweep.csv";

    public static IEnumerable<Command> Build(TextWriter stdout, TextWriter stderr)
    {
        var param = new Option<string[]>("--param") { Description = "A swept parameter: KEY=V1,V2,... or KEY=FROM:TO:STEP (KEY: any --set key, cpus, or pcpus: the physical CPUs a hypervisor runs the vCPUs on); repeatable, the cross product is run.", Required = true, AllowMultipleArgumentsPerToken = false };
        var workloads = new Option<string>("--workloads") { Description = "Comma-separated workloads, or 'all'.", DefaultValueFactory = _ => "all" };
        var designs = new Option<string>("--designs") { Description = "Comma-separated designs, or 'all'. native is always included.", DefaultValueFactory = _ => "all" };
        var machine = new Option<string?>("--machine") { Description = $"Machine profile (default {RunPlan.DefaultMachine})." };
        var kernel = new Option<string?>("--kernel") { Description = "Kernel profile (default: the machine's default_kernel)." };
        var cpus = new Option<int>("--cpus") { Description = "Number of CPUs, unless swept.", DefaultValueFactory = _ => 1 };
        var seed = new Option<ulong>("--seed") { Description = "Root seed of the run.", DefaultValueFactory = _ => 1UL };
        var sets = new Option<string[]>("--set") { Description = "A fixed override for every scenario: key=value (repeatable).", AllowMultipleArgumentsPerToken = false, DefaultValueFactory = _ => [] };
        var outDir = new Option<string>("--out") { Description = "Output folder (a rerun into the same folder resumes).", Required = true };
        var shard = new Option<string?>("--shard") { Description = "K/N: run only the K-th of N deterministic slices of the scenarios (a job array's index)." };
        var sweep = new Command("sweep", "Run the cross product of swept parameter values × workloads × designs on all cores; resumable; sweep.csv with the swept values as columns.")
        {
            param, workloads, designs, machine, kernel, cpus, seed, sets, outDir, shard,
        };
        sweep.SetAction(p => Sweep(new SweepSpec(
            p.GetValue(param)!.Select(SweepParam.Parse).ToList(), p.GetValue(workloads)!, p.GetValue(designs)!, p.GetValue(machine),
            p.GetValue(kernel), p.GetValue(cpus), p.GetValue(seed), p.GetValue(sets)!), p.GetValue(outDir)!, p.GetValue(shard), stdout, stderr));

        var dirs = new Argument<string[]>("dirs") { Description = "Output folders of the shards of one sweep.", Arity = ArgumentArity.OneOrMore };
        var mergeOut = new Option<string>("--out") { Description = "Folder to write the merged sweep into.", Required = true };
        var merge = new Command("merge", "Combine the output folders of a sharded sweep into the files an unsharded sweep writes.") { dirs, mergeOut };
        merge.SetAction(p => Merge(p.GetValue(dirs)!, p.GetValue(mergeOut)!, stdout));
        return [sweep, merge];
    }

    /// <summary>What a sweep is, written to sweep.json so a rerun and a merge can check they continue the same one.</summary>
    private sealed record SweepSpec(IReadOnlyList<SweepParam> Params, string Workloads, string Designs, string? Machine, string? Kernel, int Cpus, ulong Seed, IReadOnlyList<string> Sets)
    {
        public string Render()
        {
            // The layout is fixed (a rerun compares the file as text); every string value is JSON-escaped.
            var sb = new StringBuilder("{\n  \"params\": [");
            sb.Append(string.Join(", ", Params.Select(p => $"{{\"key\": \"{Esc(p.Key)}\", \"values\": [{string.Join(", ", p.Values.Select(v => v.ToString(CultureInfo.InvariantCulture)))}]}}")));
            sb.Append("],\n  \"workloads\": \"").Append(Esc(Workloads)).Append("\",\n  \"designs\": \"").Append(Esc(Designs))
              .Append("\",\n  \"machine\": \"").Append(Esc(Machine ?? RunPlan.DefaultMachine)).Append("\",\n  \"kernel\": \"").Append(Esc(Kernel ?? ""))
              .Append("\",\n  \"cpus\": ").Append(Cpus).Append(",\n  \"seed\": ").Append(Seed)
              .Append(",\n  \"set\": [").Append(string.Join(", ", Sets.Select(s => $"\"{Esc(s)}\""))).Append("]\n}\n");
            return sb.ToString();
        }

        private static string Esc(string s) =>
            System.Text.Json.JsonEncodedText.Encode(s, System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping).ToString();
    }

    /// <summary>One scenario of the sweep: its index, the values of the swept parameters, its plan, workload and design.</summary>
    private sealed record Scenario(int Index, long[] Point, RunPlan Plan, Workload Workload, PerfSim.Core.Designs.DesignSpec Design);

    private static List<Scenario> Scenarios(SweepSpec spec, TextWriter stderr)
    {
        var catalog = ConfigCatalog.Locate();
        var points = new List<long[]> { Array.Empty<long>() };
        foreach (var p in spec.Params)
        {
            points = points.SelectMany(pt => p.Values.Select(v => pt.Append(v).ToArray())).ToList();
        }
        var scenarios = new List<Scenario>();
        foreach (var point in points)
        {
            var sets = spec.Sets.ToList();
            var cpus = spec.Cpus;
            int? pcpus = null;
            for (var i = 0; i < spec.Params.Count; i++)
            {
                switch (spec.Params[i].Key)
                {
                    case "cpus":
                        cpus = checked((int)point[i]);
                        break;
                    case "pcpus":
                        pcpus = checked((int)point[i]);
                        break;
                    default:
                        sets.Add($"{spec.Params[i].Key}={point[i].ToString(CultureInfo.InvariantCulture)}");
                        break;
                }
            }
            var plan = RunPlan.Resolve(catalog, spec.Workloads, spec.Designs, spec.Machine, spec.Kernel, cpus, spec.Seed, sets)
                .WithVcpus(pcpus, RunPlan.DefaultTimesliceUs);
            if (scenarios.Count == 0)
            {
                foreach (var s in plan.Skipped)
                {
                    stderr.WriteLine($"  skipping {s}");
                }
            }
            foreach (var w in plan.Workloads)
            {
                foreach (var d in plan.Designs)
                {
                    scenarios.Add(new Scenario(scenarios.Count, point, plan, w, d));
                }
            }
        }
        return scenarios;
    }

    private static readonly string[] ResultColumns = ["workload", "design", "machine", "cpus", "cycles_per_iter", "us_per_iter", "kernel", "seed"];

    private static int Sweep(SweepSpec spec, string outDir, string? shardText, TextWriter stdout, TextWriter stderr)
    {
        var (k, n) = (1, 1);
        if (shardText is not null)
        {
            var parts = shardText.Split('/');
            if (parts.Length != 2 || !int.TryParse(parts[0], out k) || !int.TryParse(parts[1], out n) || n < 1 || k < 1 || k > n)
            {
                throw new UsageException($"--shard '{shardText}': expected K/N with 1 <= K <= N");
            }
        }
        var all = Scenarios(spec, stderr);
        Directory.CreateDirectory(outDir);
        var specText = spec.Render();
        var specPath = Path.Combine(outDir, SpecFile);
        if (File.Exists(specPath) && File.ReadAllText(specPath) != specText)
        {
            throw new UsageException($"{specPath}: the folder holds another sweep; give a new --out to start this one");
        }
        AtomicFile.WriteAllText(specPath, specText);
        var rowsPath = Path.Combine(outDir, RowsFile);
        var header = "scenario," + string.Join(',', spec.Params.Select(p => p.Key).Concat(ResultColumns));
        if (File.Exists(rowsPath) && File.ReadAllText(rowsPath) is { Length: > 0 } journalText && !journalText.EndsWith('\n'))
        {
            // Interrupted while a row was written: the row is dropped (its scenario runs again), the rest kept.
            AtomicFile.WriteAllText(rowsPath, journalText[..(journalText.LastIndexOf('\n') + 1)]);
        }
        var done = ReadRows(rowsPath, header).Select(r => r.Index).ToHashSet();
        var pending = all.Where(s => s.Index % n == k - 1 && !done.Contains(s.Index)).ToList();
        stderr.WriteLine($"perfsim {CliApp.Version}: sweep of {all.Count} scenario(s){(n > 1 ? $", shard {k}/{n}" : "")}: {pending.Count} to run, {done.Count} already in {rowsPath}");
        var gate = new object();
        using (var journal = new StreamWriter(rowsPath, append: true, new UTF8Encoding(false)))
        {
            if (new FileInfo(rowsPath).Length == 0)
            {
                journal.Write(header + "\n");
                journal.Flush();
            }
            var count = 0;
            try
            {
                Parallel.ForEach(pending, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, s =>
                {
                    var options = new WorkloadOptions { Seed = s.Plan.Seed, Shape = s.Plan.Overrides.Apply(ProcessShape.Default) };
                    var r = ScenarioRunner.Run(s.Plan.ConfigFor(s.Design), s.Workload, options);
                    var line = string.Join(',', new[] { s.Index.ToString(CultureInfo.InvariantCulture) }
                        .Concat(s.Point.Select(v => v.ToString(CultureInfo.InvariantCulture)))
                        .Concat([r.Workload, r.Design, r.Machine, r.Cpus.ToString(CultureInfo.InvariantCulture),
                        r.CyclesPerIter.ToString("F2", CultureInfo.InvariantCulture), r.MicrosecondsPerIter.ToString("F4", CultureInfo.InvariantCulture),
                        s.Plan.Kernel.Name, s.Plan.Seed.ToString(CultureInfo.InvariantCulture)])) + "\n";
                    lock (gate)
                    {
                        journal.Write(line); // one whole line per scenario, flushed: an interruption loses at most the line being written
                        journal.Flush();
                        count++;
                        stderr.WriteLine($"[{count,4}/{pending.Count}] {string.Join(' ', spec.Params.Select((p, i) => $"{p.Key}={s.Point[i]}"))} {r.Workload} on {r.Design}: {r.MicrosecondsPerIter:F2} us/iter");
                    }
                });
            }
            catch (AggregateException ex) when (ex.InnerExceptions.Count > 0)
            {
                // The first scenario's own error (a simulation or configuration error), as run reports it; the rows so far stay.
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(ex.InnerExceptions[0]).Throw();
            }
        }
        var rows = ReadRows(rowsPath, header);
        // The journal in scenario order (it was in the order scenarios finished): the same file a merge of shards writes.
        AtomicFile.WriteAllText(rowsPath, header + "\n" + string.Concat(rows.Select(r => string.Join(',', r.Fields) + "\n")));
        AtomicFile.WriteAllText(Path.Combine(outDir, SweepFile), SweepCsv(spec.Params.Select(p => p.Key).ToList(), rows));
        var complete = rows.Count == all.Count;
        var charts = complete ? SweepCharts.Write(outDir, spec.Params.Select(p => p.Key).ToList(), new PerfSim.IO.Charts.SvgChartRenderer(), AxisTitle(spec.Params[0].Key)) : 0;
        stdout.WriteLine($"{rows.Count} of {all.Count} scenario(s) in {Path.Combine(outDir, SweepFile)}{(complete ? $", {charts} chart(s) in {Path.Combine(outDir, RunReport.ChartsFolder)}" : " (the rest are other shards': perfsim merge joins them)")}");
        return CliApp.Ok;
    }

    /// <summary>The journal's complete rows (a last line without its newline was cut short by an interruption: dropped), by scenario index, one per index.</summary>
    private static List<(int Index, string[] Fields)> ReadRows(string path, string header)
    {
        var rows = new SortedDictionary<int, string[]>();
        if (!File.Exists(path))
        {
            return [];
        }
        var text = File.ReadAllText(path);
        var lines = text.Split('\n');
        if (lines.Length > 0 && lines[0] != header && lines[0].Length > 0)
        {
            throw new UsageException($"{path}: its header is '{lines[0]}', not this sweep's '{header}'");
        }
        for (var i = 1; i < lines.Length - 1; i++) // the last element follows the final newline: empty, or a cut-short line
        {
            var fields = lines[i].Split(',');
            if (fields.Length != header.Split(',').Length || !int.TryParse(fields[0], NumberStyles.None, CultureInfo.InvariantCulture, out var index))
            {
                throw new UsageException($"{path}:{i + 1}: not a row of this sweep: '{lines[i]}'");
            }
            if (rows.TryGetValue(index, out var existing) && !existing.SequenceEqual(fields))
            {
                throw new UsageException($"{path}:{i + 1}: scenario {index} appears twice with different results");
            }
            rows[index] = fields;
        }
        return rows.Select(kv => (kv.Key, kv.Value)).ToList();
    }

    /// <summary>sweep.csv: the swept values, the results, and the time relative to native of the same point and workload.</summary>
    private static string SweepCsv(IReadOnlyList<string> keys, List<(int Index, string[] Fields)> rows)
    {
        var p = keys.Count;
        var native = new Dictionary<string, double>();
        foreach (var (_, f) in rows.Where(r => r.Fields[p + 2] == "native"))
        {
            native[string.Join(',', f[1..(p + 1)]) + "|" + f[p + 1]] = double.Parse(f[p + 5], CultureInfo.InvariantCulture);
        }
        var table = new List<IReadOnlyList<string>>();
        foreach (var (_, f) in rows)
        {
            var key = string.Join(',', f[1..(p + 1)]) + "|" + f[p + 1];
            var overhead = native.TryGetValue(key, out var n) && n > 0 ? (double.Parse(f[p + 5], CultureInfo.InvariantCulture) / n).ToString("F4", CultureInfo.InvariantCulture) : "";
            table.Add([.. f[1..], overhead]);
        }
        return CsvText.Write(new ResultTable([.. keys, .. ResultColumns, "overhead_vs_native"], table));
    }

    /// <summary>A swept key with its unit, for a chart's axis: "hypercall (cycles)", "kernel.schedule (instructions)".</summary>
    private static string AxisTitle(string key)
    {
        var bare = key.StartsWith("machine.", StringComparison.Ordinal) ? key["machine.".Length..] : key.StartsWith("kernel.", StringComparison.Ordinal) ? key["kernel.".Length..] : key;
        if (key is "cpus" or "pcpus")
        {
            return key == "cpus" ? "CPUs (vCPUs under a hypervisor)" : "physical CPUs under the vCPUs";
        }
        if (!key.StartsWith("kernel.", StringComparison.Ordinal) && PerfSim.Core.Machine.MachineParams.TryFind(bare, out var mp))
        {
            return $"{key} ({PerfSim.Core.Machine.MachineParams.Defs[(int)mp].Unit.Key().Replace('_', ' ')})";
        }
        return PerfSim.Core.Kernel.KernelPaths.TryFind(bare, out _) ? $"{key} (instructions)" : key;
    }

    private static int Merge(string[] dirs, string outDir, TextWriter stdout)
    {
        var specs = dirs.Select(d => Path.Combine(d, SpecFile)).ToList();
        foreach (var s in specs.Where(s => !File.Exists(s)))
        {
            throw new UsageException($"{s}: not found: every folder must be a sweep's output");
        }
        var spec = File.ReadAllText(specs[0]);
        foreach (var s in specs.Skip(1).Where(s => File.ReadAllText(s) != spec))
        {
            throw new UsageException($"{s}: another sweep than {specs[0]}'s: only shards of one sweep merge");
        }
        var header = File.ReadLines(Path.Combine(dirs[0], RowsFile)).First();
        var rows = new SortedDictionary<int, string[]>();
        foreach (var d in dirs)
        {
            foreach (var (index, fields) in ReadRows(Path.Combine(d, RowsFile), header))
            {
                if (rows.TryGetValue(index, out var existing) && !existing.SequenceEqual(fields))
                {
                    throw new UsageException($"{Path.Combine(d, RowsFile)}: scenario {index} differs from another shard's");
                }
                rows[index] = fields;
            }
        }
        Directory.CreateDirectory(outDir);
        AtomicFile.WriteAllText(Path.Combine(outDir, SpecFile), spec);
        AtomicFile.WriteAllText(Path.Combine(outDir, RowsFile), header + "\n" + string.Concat(rows.Values.Select(f => string.Join(',', f) + "\n")));
        var keys = header.Split(',')[1..^ResultColumns.Length].ToList();
        AtomicFile.WriteAllText(Path.Combine(outDir, SweepFile), SweepCsv(keys, rows.Select(kv => (kv.Key, kv.Value)).ToList()));
        var charts = SweepCharts.Write(outDir, keys, new PerfSim.IO.Charts.SvgChartRenderer(), AxisTitle(keys[0]));
        stdout.WriteLine($"merged {rows.Count} scenario(s) from {dirs.Length} folder(s) into {Path.Combine(outDir, SweepFile)}, {charts} chart(s)");
        return CliApp.Ok;
    }
}
