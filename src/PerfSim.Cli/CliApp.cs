using System.CommandLine;
using System.Globalization;
using System.Reflection;
using PerfSim.Core.Kernel;
using PerfSim.Core.Machine;
using PerfSim.Core.Simulation;
using PerfSim.Core.Trace;
using PerfSim.Core.Workloads;
using PerfSim.IO.Config;
using PerfSim.IO.Output;
using PerfSim.IO.Trace;

namespace PerfSim.Cli;

/// <summary>The <c>perfsim</c> command tree. Exit codes: 0 success, 1 runtime failure, 2 invalid input.</summary>
public static class CliApp
{
    public const int Ok = 0;
    public const int Failure = 1;
    public const int InvalidInput = 2;

    public static string Version =>
        typeof(CliApp).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var root = Build(stdout, stderr, args);
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var e in parse.Errors)
            {
                stderr.WriteLine($"perfsim: {e.Message}");
            }
            stderr.WriteLine("Run 'perfsim --help' for usage.");
            return InvalidInput;
        }
        try
        {
            return parse.Invoke(new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false });
        }
        catch (Exception ex) when (IsInputError(ex))
        {
            stderr.WriteLine($"perfsim: {ex.Message}");
            return InvalidInput;
        }
        catch (Exception ex)
        {
            stderr.WriteLine($"perfsim: internal error: {ex}");
            return Failure;
        }
    }

    private static bool IsInputError(Exception ex) =>
        ex is UsageException or ConfigException or TraceException or SimulationException or IOException or UnauthorizedAccessException;

    private static RootCommand Build(TextWriter stdout, TextWriter stderr, string[] args)
    {
        var root = new RootCommand("PerfSim: a discrete-event simulator of guest-kernel / hypervisor interface designs (native, VMI, Xen PV, ...).");

        var workloads = new Option<string>("--workloads") { Description = "Comma-separated workloads, or 'all'.", DefaultValueFactory = _ => "all" };
        var designs = new Option<string>("--designs") { Description = "Comma-separated designs, or 'all'. native is always included.", DefaultValueFactory = _ => "all" };
        var machine = new Option<string?>("--machine") { Description = $"Machine profile (default {RunPlan.DefaultMachine})." };
        var kernel = new Option<string?>("--kernel") { Description = "Kernel profile (default: the machine's default_kernel)." };
        var cpus = new Option<int>("--cpus") { Description = "Number of CPUs (vCPUs under a hypervisor).", DefaultValueFactory = _ => 1 };
        var pcpus = new Option<int?>("--pcpus") { Description = "Physical CPUs a hypervisor runs the vCPUs on, round-robin by time slice (default: as many as --cpus; designs without a hypervisor always get --cpus real CPUs)." };
        var timeslice = new Option<long>("--timeslice-us") { Description = "The hypervisor scheduler's time slice in microseconds (Xen's credit scheduler: 30,000).", DefaultValueFactory = _ => RunPlan.DefaultTimesliceUs };
        var placement = new Option<string>("--placement") { Description = "With several CPUs, who places each event: trace (its cpu fields), scheduler (the kernel's scheduler; cpu fields ignored), or auto (the scheduler when every event says cpu any).", DefaultValueFactory = _ => "auto" };
        placement.AcceptOnlyFromAmong("auto", "trace", "scheduler");
        var seed = new Option<ulong>("--seed") { Description = "Root seed of the run.", DefaultValueFactory = _ => 1UL };
        var outDir = new Option<string?>("--out") { Description = "Output folder (default results/<UTC timestamp>/)." };
        var sets = new Option<string[]>("--set") { Description = "Override a machine parameter or kernel path length: key=value (repeatable; see 'perfsim list params').", AllowMultipleArgumentsPerToken = false, DefaultValueFactory = _ => [] };
        var chartScale = new Option<string>("--chart-scale") { Description = "The overhead charts' axis: auto (log when the values spread over more than 10x), linear or log.", DefaultValueFactory = _ => "auto" };
        chartScale.AcceptOnlyFromAmong("auto", "linear", "log");

        var run = new Command("run", "Run workloads × designs and write results.csv, breakdown.csv, counters.csv, hazards.csv, hooks.csv, latency.csv, processes.csv, results.md and resolved-config.json.")
        {
            workloads, designs, machine, kernel, cpus, pcpus, timeslice, placement, seed, outDir, sets, chartScale,
        };
        run.SetAction(p =>
        {
            var catalog = ConfigCatalog.Locate();
            var plan = RunPlan.Resolve(catalog, p.GetValue(workloads)!, p.GetValue(designs)!, p.GetValue(machine), p.GetValue(kernel),
                p.GetValue(cpus), p.GetValue(seed), p.GetValue(sets)!).WithVcpus(p.GetValue(pcpus), p.GetValue(timeslice))
                .WithPlacement(p.GetValue(placement)!);
            stderr.WriteLine($"perfsim {Version}: {plan.Workloads.Count} workload(s) x {plan.Designs.Count} design(s) on {plan.Machine.Name}, kernel {plan.Kernel.Name}, {plan.Cpus} CPU(s), seed {plan.Seed}");
            foreach (var s in plan.Skipped)
            {
                stderr.WriteLine($"  skipping {s}");
            }
            var results = ScenarioExecutor.RunWorkloads(plan, stderr);
            return Finish(plan, results, p.GetValue(outDir), args, stdout, stderr, p.GetValue(chartScale)!);
        });
        root.Subcommands.Add(run);

        var trace = new Argument<string>("trace") { Description = "Trace file (text or binary, detected from its content)." };
        var replay = new Command("replay", "Replay a trace file through each design and write the same outputs as run.")
        {
            trace, designs, machine, kernel, cpus, pcpus, timeslice, placement, seed, outDir, sets, chartScale,
        };
        replay.SetAction(p =>
        {
            var path = p.GetValue(trace)!;
            if (!File.Exists(path))
            {
                throw new UsageException($"trace file '{path}' does not exist");
            }
            var catalog = ConfigCatalog.Locate();
            var plan = RunPlan.Resolve(catalog, null, p.GetValue(designs)!, p.GetValue(machine), p.GetValue(kernel),
                p.GetValue(cpus), p.GetValue(seed), p.GetValue(sets)!).WithVcpus(p.GetValue(pcpus), p.GetValue(timeslice))
                .WithPlacement(p.GetValue(placement)!);
            var name = Path.GetFileNameWithoutExtension(path);
            stderr.WriteLine($"perfsim {Version}: replaying {path} through {plan.Designs.Count} design(s) on {plan.Machine.Name}");
            var results = ScenarioExecutor.RunTrace(plan, name, () => TraceFiles.Open(path), stderr);
            var code = Finish(plan, results, p.GetValue(outDir), args, stdout, stderr, p.GetValue(chartScale)!);
            stderr.WriteLine(ProcessMemory.PeakLine()); // one CPU streams the trace: this stays flat however long it is
            return code;
        });
        root.Subcommands.Add(replay);

        var what = new Argument<string>("what") { Description = "workloads, designs, machines, kernels or params." };
        what.AcceptOnlyFromAmong("workloads", "designs", "machines", "kernels", "params");
        var list = new Command("list", "List what can be named on the command line.") { what };
        list.SetAction(p => List(p.GetValue(what)!, stdout));
        root.Subcommands.Add(list);

        var input = new Argument<string>("input") { Description = "Trace to convert." };
        var output = new Argument<string>("output") { Description = "File to write (atomically)." };
        var to = new Option<string>("--to") { Description = "Output format: text or binary.", DefaultValueFactory = _ => "binary" };
        to.AcceptOnlyFromAmong("text", "binary");
        var convert = new Command("convert", "Convert a trace between the text and binary formats.") { input, output, to };
        convert.SetAction(p =>
        {
            var n = TraceFiles.Convert(p.GetValue(input)!, p.GetValue(output)!, p.GetValue(to) == "binary");
            stdout.WriteLine($"wrote {n} events to {p.GetValue(output)}");
            return Ok;
        });
        root.Subcommands.Add(convert);

        var table = new Option<string>("--table") { Description = "Published table (CSV: table,benchmark,config,value_us).", Required = true };
        var config = new Option<string>("--config") { Description = "The table's configuration to fit (native, or the design's column with --design).", DefaultValueFactory = _ => "L-UP" };
        var nativeConfig = new Option<string>("--native-config") { Description = "With --design: the table's native configuration the ratios are taken to.", DefaultValueFactory = _ => "L-UP" };
        var fitDesign = new Option<string?>("--design") { Description = "Fit machine cost parameters of this design to the --config column's ratios to native, instead of kernel path lengths." };
        var fitParams = new Option<string?>("--fit") { Description = "With --design: comma-separated machine parameters to fit (see 'perfsim list params')." };
        var free = new Option<string?>("--free") { Description = "Without --design: the kernel path-length groups to fit, comma-separated (" + string.Join(", ", Enum.GetNames<KernelPathGroup>()) + "; default all)." };
        var tie = new Option<string?>("--tie") { Description = "Without --design: machine cost parameters to fit as one more factor alongside the path groups, their ratios kept (e.g. trap_entry,trap_exit); writes the calibrated machine profile too." };
        var calibrate = new Command("calibrate", "Fit kernel path-length groups to a published native table, or (--design, --fit) a design's machine cost parameters to a published column of ratios to native, by least squares; write the calibrated profile and calibration.csv.")
        {
            machine, kernel, table, config, nativeConfig, fitDesign, fitParams, free, tie, cpus, seed, outDir,
        };
        calibrate.SetAction(p => p.GetValue(fitDesign) is { } design
            ? p.GetValue(tie) is not null
                ? throw new UsageException("--tie fits machine costs alongside kernel path groups; with --design, name the design's parameters with --fit")
                : CalibrateDesign(p.GetValue(machine), p.GetValue(kernel), p.GetValue(table)!, p.GetValue(config)!, p.GetValue(nativeConfig)!, design,
                p.GetValue(fitParams), p.GetValue(cpus), p.GetValue(seed), p.GetValue(outDir), stdout, stderr)
            : p.GetValue(fitParams) is not null
                ? throw new UsageException("--fit names machine parameters of a design: give the design with --design (or --free for kernel path groups)")
                : p.GetValue(cpus) != 1
                ? throw new UsageException("--cpus applies to a design fit (--design, --fit); kernel path lengths are fitted on one CPU")
                : Calibrate(p.GetValue(machine), p.GetValue(kernel), p.GetValue(table)!, p.GetValue(config)!, FreeGroups(p.GetValue(free)),
                    p.GetValue(tie) is { } t ? CostParams("--tie", t) : [], p.GetValue(seed), p.GetValue(outDir), stdout, stderr));
        root.Subcommands.Add(calibrate);
        root.Subcommands.Add(ValidateCommand.Build(stdout, stderr));
        root.Subcommands.Add(BenchCommand.Build(stdout, stderr));
        foreach (var c in SweepCommand.Build(stdout, stderr))
        {
            root.Subcommands.Add(c);
        }
        root.Subcommands.Add(RecordCommand.Build(stdout, stderr));
        return root;
    }

    private static int Finish(RunPlan plan, IReadOnlyList<ScenarioResult> results, string? outDir, string[] args, TextWriter stdout, TextWriter stderr, string chartScale)
    {
        var dir = outDir ?? Path.Combine("results", DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture));
        Directory.CreateDirectory(dir);
        var config = ResolvedConfigJson.Render(plan.Machine, plan.Kernel, plan.Designs, plan.Cpus, plan.Seed, plan.Overrides.Raw,
            plan.PhysicalCpus, plan.TimesliceUs, plan.Placement);
        var info = new RunInfo("perfsim " + string.Join(' ', args), Version, plan.Seed, ResolvedConfigJson.Hash(config));
        AtomicFile.WriteAllText(Path.Combine(dir, "resolved-config.json"), config);
        IResultExporter[] exporters = [new CsvExporter(), new MarkdownTableExporter()];
        foreach (var e in exporters)
        {
            e.Export(dir, results, info);
        }
        var notice = RunReport.Write(dir, new PerfSim.IO.Charts.SvgChartRenderer(), RunReport.FindPngConverter(), info.CommandLine, Version, chartScale);
        stdout.Write(ConsoleTable.Format(results));
        if (notice is not null)
        {
            stderr.WriteLine(notice);
        }
        stdout.WriteLine($"Results written to {dir}/ (results.csv, breakdown.csv, counters.csv, hazards.csv, hooks.csv, latency.csv, processes.csv, results.md, resolved-config.json, charts/, report.md, report.html)");
        return Ok;
    }

    /// <summary>--free's groups, or null for all; an unknown name is a usage error naming the valid ones.</summary>
    private static IReadOnlyList<KernelPathGroup>? FreeGroups(string? list)
    {
        if (list is null)
        {
            return null;
        }
        var groups = new List<KernelPathGroup>();
        foreach (var name in list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (!Enum.TryParse<KernelPathGroup>(name, ignoreCase: true, out var g) || !Enum.IsDefined(g) || int.TryParse(name, out _))
            {
                throw new UsageException($"--free: '{name}' is not a kernel path group ({string.Join(", ", Enum.GetNames<KernelPathGroup>())})");
            }
            groups.Add(g);
        }
        return groups.Count > 0 ? groups : throw new UsageException("--free: name at least one group");
    }

    /// <summary>A comma-separated list of machine cost parameters; an unknown, non-cost or repeated name is a usage error naming the option.</summary>
    private static List<MachineParam> CostParams(string option, string list)
    {
        var parameters = new List<MachineParam>();
        foreach (var key in list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (!MachineParams.TryFind(key, out var p))
            {
                throw new UsageException($"{option}: unknown machine parameter '{key}'{KeySuggester.Hint(key, MachineParams.Defs.Select(d => d.Key))}");
            }
            if (MachineParams.Defs[(int)p].Unit is not (ParamUnit.Cycles or ParamUnit.CyclesPer1000Instructions))
            {
                throw new UsageException($"{option}: '{key}' is not a cost in cycles; only cost parameters can be fitted");
            }
            if (parameters.Contains(p))
            {
                throw new UsageException($"{option}: '{key}' is named twice");
            }
            parameters.Add(p);
        }
        return parameters.Count > 0 ? parameters : throw new UsageException($"{option}: name at least one machine parameter");
    }

    private static int Calibrate(string? machineName, string? kernelName, string tablePath, string config, IReadOnlyList<KernelPathGroup>? free,
        IReadOnlyList<MachineParam> tie, ulong seed, string? outDir, TextWriter stdout, TextWriter stderr)
    {
        var catalog = ConfigCatalog.Locate();
        var machine = catalog.LoadMachine(machineName ?? RunPlan.DefaultMachine);
        var kernel = catalog.LoadKernel(kernelName ?? machine.DefaultKernel);
        var cells = PerfSim.IO.Calibration.PublishedTable.InMicroseconds(PerfSim.IO.Calibration.PublishedTable.Load(tablePath), machine.FrequencyMhz).Where(c => c.Config == config).ToList();
        if (cells.Count == 0)
        {
            throw new UsageException($"{tablePath}: no cells with config '{config}'");
        }
        var unmapped = cells.Where(c => PerfSim.IO.Calibration.PublishedTable.WorkloadOf(c.Benchmark) is null).ToList();
        if (unmapped.Count > 0)
        {
            throw new UsageException(string.Join(Environment.NewLine, unmapped.Select(c => $"{c.File}:{c.Line}: field 'benchmark': '{c.Benchmark}' maps to no PerfSim workload")));
        }
        foreach (var p in tie.Where(p => machine[p] == 0))
        {
            throw new UsageException($"--tie: '{MachineParams.Defs[(int)p].Key}' is 0 on {machine.Name}: a factor cannot move it");
        }
        var tieNames = string.Join(" + ", tie.Select(p => MachineParams.Defs[(int)p].Key));
        stderr.WriteLine($"perfsim {Version}: fitting {free?.Count ?? Enum.GetValues<KernelPathGroup>().Length} path groups of {kernel.Name}" +
            $"{(tie.Count > 0 ? $" and {tieNames} as one factor" : "")} to {cells.Count} '{config}' cells on {machine.Name}");
        PerfSim.IO.Calibration.PathFitResult fit;
        try
        {
            fit = PerfSim.IO.Calibration.KernelPathFit.Fit(machine, kernel, cells, seed, free, tie);
        }
        catch (ArgumentException e)
        {
            throw new UsageException(e.Message); // a request the cells cannot answer, not a fault
        }
        var inv = CultureInfo.InvariantCulture;
        foreach (var (g, v) in fit.Scales)
        {
            stdout.WriteLine($"  {g,-11} x{v.ToString("F3", inv)}");
        }
        if (fit.TieScale is { } ts)
        {
            stdout.WriteLine($"  {tieNames} x{ts.ToString("F3", inv)}: {string.Join(", ", tie.Select(p => $"{MachineParams.Defs[(int)p].Key} {fit.Machine[p].ToString(inv)}"))} cycles");
        }
        var csv = new System.Text.StringBuilder("benchmark,workload,published_cycles,before_cycles,fitted_cycles,error_pct,loo_cycles,loo_error_pct\n");
        stdout.WriteLine($"{"benchmark",-12} {"published",10} {"before",10} {"fitted",10} {"error",8} {"leave-1-out",12}");
        foreach (var c in fit.Cells)
        {
            stdout.WriteLine($"{c.Cell.Benchmark,-12} {c.Published,10:F0} {c.Before,10:F0} {c.Fitted,10:F0} {c.ErrorPct,7:F1}% {c.LeaveOneOutErrorPct,11:F1}%");
            csv.Append(inv, $"{c.Cell.Benchmark},{c.Workload},{c.Published:F0},{c.Before:F0},{c.Fitted:F0},{c.ErrorPct:F1},{c.LeaveOneOut:F0},{c.LeaveOneOutErrorPct:F1}\n");
        }
        stdout.WriteLine($"median |error| {fit.MedianAbsErrorPct.ToString("F1", inv)}%, leave-one-out {fit.MedianAbsLeaveOneOutErrorPct.ToString("F1", inv)}%");
        List<(string, string, string, string)> profiles = [("kernel", kernel.Name, KernelProfileWriter.Render(fit.Calibrated), "kernels")];
        if (tie.Count > 0)
        {
            profiles.Add(("machine", machine.Name, MachineProfileWriter.Render(fit.Machine), "machines"));
        }
        return WriteCalibration(outDir, csv.ToString(), profiles, stdout);
    }

    /// <summary>Writes calibration.csv and the calibrated profiles (kind, name, JSON, workloads folder) atomically into the output folder.</summary>
    private static int WriteCalibration(string? outDir, string csv, IReadOnlyList<(string Kind, string Name, string Json, string Folder)> profiles, TextWriter stdout)
    {
        var dir = outDir ?? Path.Combine("results", "calibrate-" + DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture));
        Directory.CreateDirectory(dir);
        AtomicFile.WriteAllText(Path.Combine(dir, "calibration.csv"), csv);
        foreach (var (_, name, json, _) in profiles)
        {
            AtomicFile.WriteAllText(Path.Combine(dir, name + ".json"), json);
        }
        foreach (var (kind, name, _, folder) in profiles)
        {
            stdout.WriteLine($"Calibrated {kind} profile written to {dir}/ (copy {name}.json into workloads/{folder}/ to use it)");
        }
        stdout.WriteLine($"calibration.csv written to {dir}/");
        return Ok;
    }

    private static int CalibrateDesign(string? machineName, string? kernelName, string tablePath, string config, string nativeConfig, string designName,
        string? fitList, int cpus, ulong seed, string? outDir, TextWriter stdout, TextWriter stderr)
    {
        var catalog = ConfigCatalog.Locate();
        var machine = catalog.LoadMachine(machineName ?? RunPlan.DefaultMachine);
        var kernel = catalog.LoadKernel(kernelName ?? machine.DefaultKernel);
        var design = catalog.LoadDesign(designName);
        var problems = ResolvedConfig.Problems(machine, design);
        if (problems.Count > 0)
        {
            throw new UsageException($"design '{design.Name}' cannot run on {machine.Name}: {string.Join("; ", problems)}");
        }
        if (cpus < 1 || cpus > 256)
        {
            throw new UsageException($"--cpus {cpus}: must be between 1 and 256");
        }
        if (cpus > 1 && kernel.SmpLockedOps is null)
        {
            throw new UsageException($"--cpus {cpus}: kernel '{kernel.Name}' has no smp_locked_ops table (it describes a UP build only); fit on one CPU");
        }
        if (string.IsNullOrWhiteSpace(fitList))
        {
            throw new UsageException("--design needs --fit: the machine parameters to fit, comma-separated (see 'perfsim list params')");
        }
        var parameters = CostParams("--fit", fitList);
        var all = PerfSim.IO.Calibration.PublishedTable.InMicroseconds(PerfSim.IO.Calibration.PublishedTable.Load(tablePath), machine.FrequencyMhz);
        var cells = all.Where(c => c.Config == config).ToList();
        var natives = all.Where(c => c.Config == nativeConfig).ToList();
        if (cells.Count == 0 || natives.Count == 0)
        {
            throw new UsageException($"{tablePath}: no cells with config '{(cells.Count == 0 ? config : nativeConfig)}'");
        }
        var bad = cells.Where(c => PerfSim.IO.Calibration.PublishedTable.WorkloadOf(c.Benchmark) is null || natives.All(n => n.Benchmark != c.Benchmark)).ToList();
        if (bad.Count > 0)
        {
            throw new UsageException(string.Join(Environment.NewLine, bad.Select(c => $"{c.File}:{c.Line}: field 'benchmark': '{c.Benchmark}' " +
                (PerfSim.IO.Calibration.PublishedTable.WorkloadOf(c.Benchmark) is null ? "maps to no PerfSim workload" : $"has no '{nativeConfig}' cell"))));
        }
        if (cells.Count < parameters.Count)
        {
            throw new UsageException($"{cells.Count} cells cannot fix {parameters.Count} parameters");
        }
        stderr.WriteLine($"perfsim {Version}: fitting {parameters.Count} cost parameters of {design.Name}{(cpus > 1 ? $" on {cpus} CPUs" : "")} to {cells.Count} '{config}'/'{nativeConfig}' ratios on {machine.Name}");
        PerfSim.IO.Calibration.DesignFitResult fit;
        try
        {
            fit = PerfSim.IO.Calibration.DesignCostFit.Fit(machine, kernel, design, parameters, cells, natives, seed, cpus);
        }
        catch (ArgumentException e)
        {
            throw new UsageException(e.Message); // e.g. a parameter no cell depends on
        }
        var inv = CultureInfo.InvariantCulture;
        foreach (var p in parameters)
        {
            var d = MachineParams.Defs[(int)p];
            stdout.WriteLine($"  {d.Key,-22} {fit.Before[p],8} -> {fit.Fitted[p],8} {d.Unit.Key()}{(fit.Pinned.Contains(p) ? " (pinned at 0: the fit wanted it negative)" : "")}");
        }
        var csv = new System.Text.StringBuilder("benchmark,workload,published_ratio,before_ratio,before_error_pct,fitted_ratio,error_pct,loo_ratio,loo_error_pct\n");
        stdout.WriteLine($"{"benchmark",-12} {"published",10} {"before",10} {"fitted",10} {"error",8} {"leave-1-out",12}");
        foreach (var c in fit.Cells)
        {
            stdout.WriteLine($"{c.Cell.Benchmark,-12} {c.Published,10:F2} {c.Before,10:F2} {c.Fitted,10:F2} {c.ErrorPct,7:F1}% {c.LeaveOneOutErrorPct,11:F1}%");
            csv.Append(inv, $"{c.Cell.Benchmark},{c.Workload},{c.Published:F4},{c.Before:F4},{c.BeforeErrorPct:F1},{c.Fitted:F4},{c.ErrorPct:F1},{c.LeaveOneOut:F4},{c.LeaveOneOutErrorPct:F1}\n");
        }
        stdout.WriteLine($"median |error| before {fit.MedianAbsBeforeErrorPct.ToString("F1", inv)}%, fitted {fit.MedianAbsErrorPct.ToString("F1", inv)}%, leave-one-out {fit.MedianAbsLeaveOneOutErrorPct.ToString("F1", inv)}%");
        return WriteCalibration(outDir, csv.ToString(), [("machine", machine.Name, MachineProfileWriter.Render(fit.Calibrated), "machines")], stdout);
    }

    private static int List(string what, TextWriter o)
    {
        switch (what)
        {
            case "workloads":
                foreach (var w in Lmbench.All)
                {
                    o.WriteLine($"{w.Name,-14} {w.Description}");
                }
                break;
            case "designs":
            {
                var c = ConfigCatalog.Locate();
                foreach (var n in c.DesignNames)
                {
                    o.WriteLine($"{n,-28} {c.LoadDesign(n).Description}");
                }
                break;
            }
            case "machines":
            {
                var c = ConfigCatalog.Locate();
                foreach (var n in c.MachineNames)
                {
                    o.WriteLine($"{n,-20} {c.LoadMachine(n).Description}");
                }
                break;
            }
            case "kernels":
            {
                var c = ConfigCatalog.Locate();
                foreach (var n in c.KernelNames)
                {
                    o.WriteLine($"{n,-14} {c.LoadKernel(n).Description}");
                }
                break;
            }
            default:
                o.WriteLine("Machine parameters (--set KEY=VALUE or machine.KEY=VALUE):");
                foreach (var d in MachineParams.Defs)
                {
                    o.WriteLine($"  {d.Key,-26} {d.Unit.Key(),-28} {d.Description}");
                }
                o.WriteLine("Generated process sizes and settings (--set process.KEY=VALUE):");
                foreach (var d in PerfSim.Core.Workloads.ProcessShapeParams.All)
                {
                    o.WriteLine($"  process.{d.Key,-18} {d.Unit + " (default " + d.Get(PerfSim.Core.Workloads.ProcessShape.Default) + ")",-28} {d.Description}");
                }
                o.WriteLine("Kernel path lengths (--set KEY=VALUE or kernel.KEY=VALUE):");
                foreach (var d in KernelPaths.Defs)
                {
                    o.WriteLine($"  {d.Key,-26} {d.Unit.Key(),-28} {d.Description}");
                }
                break;
        }
        return Ok;
    }
}
