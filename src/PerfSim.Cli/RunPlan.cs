using PerfSim.Core.Designs;
using PerfSim.Core.Kernel;
using PerfSim.Core.Machine;
using PerfSim.Core.Simulation;
using PerfSim.Core.Workloads;
using PerfSim.IO.Config;

namespace PerfSim.Cli;

/// <summary>The resolved inputs of a run: which workloads, which designs, on what machine, kernel, CPU count and seed.</summary>
public sealed record RunPlan(
    IReadOnlyList<Workload> Workloads,
    IReadOnlyList<DesignSpec> Designs,
    MachineProfile Machine,
    KernelProfile Kernel,
    int Cpus,
    ulong Seed,
    Overrides Overrides)
{
    /// <summary>Physical CPUs a hypervisor runs the vCPUs on (designs without one run on <see cref="Cpus"/> real CPUs).</summary>
    public int PhysicalCpus { get; init; } = Cpus;

    /// <summary>The hypervisor scheduler's time slice in microseconds.</summary>
    public long TimesliceUs { get; init; } = DefaultTimesliceUs;

    /// <summary>Xen's credit scheduler's default time slice (30 ms).</summary>
    public const long DefaultTimesliceUs = 30_000;

    /// <summary>Applies --pcpus and --timeslice-us.</summary>
    public RunPlan WithVcpus(int? pcpus, long timesliceUs)
    {
        var p = pcpus ?? Cpus;
        if (p < 1 || p > Cpus)
        {
            throw new UsageException($"--pcpus {p}: must be between 1 and --cpus ({Cpus})");
        }
        if (timesliceUs < 1 || timesliceUs > 10_000_000)
        {
            throw new UsageException($"--timeslice-us {timesliceUs}: must be between 1 and 10,000,000");
        }
        return this with { PhysicalCpus = p, TimesliceUs = timesliceUs };
    }

    /// <summary>Who places events on CPUs (--placement).</summary>
    public Placement Placement { get; init; } = Placement.Auto;

    /// <summary>Applies --placement (auto, trace or scheduler).</summary>
    public RunPlan WithPlacement(string placement)
    {
        var p = placement switch
        {
            "auto" => Placement.Auto,
            "trace" => Placement.Trace,
            "scheduler" => Placement.Scheduler,
            _ => throw new UsageException($"--placement {placement}: expected auto, trace or scheduler"),
        };
        if (p == Placement.Scheduler && Cpus > 1 && Kernel.Scheduler is null)
        {
            throw new UsageException($"--placement scheduler: kernel '{Kernel.Name}' has no scheduler settings (a \"scheduler\" object in its profile)");
        }
        return this with { Placement = p };
    }

    public ResolvedConfig ConfigFor(DesignSpec design) => new(Machine, Kernel, design, Cpus, Seed)
    {
        PhysicalCpus = design.Hypervisor ? PhysicalCpus : Cpus,
        TimesliceCycles = TimesliceUs * Machine.FrequencyMhz,
        Placement = Placement,
    };

    /// <summary>Designs left out of 'all' because the machine cannot run them, with the reason.</summary>
    public IReadOnlyList<string> Skipped { get; init; } = [];

    public static RunPlan Resolve(ConfigCatalog catalog, string? workloads, string designs, string? machine, string? kernel, int cpus, ulong seed, IReadOnlyList<string> sets)
    {
        var overrides = Overrides.Parse(sets);
        overrides.Apply(ProcessShape.Default); // checks the combination before any work
        if (cpus < 1 || cpus > 256)
        {
            throw new UsageException($"--cpus {cpus}: must be between 1 and 256");
        }
        var wl = workloads is null ? [] : SelectNames(workloads, Lmbench.All.Select(w => w.Name).ToList(), "workload").Select(n => Lmbench.Find(n)!).ToList();
        var designNames = SelectNames(designs, catalog.DesignNames, "design");
        if (!designNames.Contains(ResultNative))
        {
            designNames.Insert(0, ResultNative); // overhead is always reported against native
        }
        var ds = designNames.Select(catalog.LoadDesign).ToList();
        var m = overrides.Apply(catalog.LoadMachine(machine ?? DefaultMachine));
        var k = overrides.Apply(catalog.LoadKernel(kernel ?? m.DefaultKernel));
        if (cpus > 1 && k.SmpLockedOps is null)
        {
            throw new UsageException($"--cpus {cpus}: kernel '{k.Name}' has no smp_locked_ops table (it describes a UP build only); run it on one CPU");
        }
        var skipped = new List<string>();
        if (designs.Trim() == "all")
        {
            // 'all' means every design this machine can run.
            foreach (var d in ds.Where(d => ResolvedConfig.Problems(m, d).Count > 0).ToList())
            {
                skipped.Add($"{d.Name}: {string.Join("; ", ResolvedConfig.Problems(m, d))}");
                ds.Remove(d);
            }
        }
        var problems = ds.SelectMany(d => ResolvedConfig.Problems(m, d)).ToList();
        if (problems.Count > 0)
        {
            throw new UsageException(string.Join(Environment.NewLine, problems));
        }
        return new RunPlan(wl, ds, m, k, cpus, seed, overrides) { Skipped = skipped };
    }

    public const string DefaultMachine = "xeon-2400-2003";
    private const string ResultNative = "native";

    /// <summary>Parses "all" or a comma-separated list, checking every name and keeping the catalogue's order.</summary>
    public static List<string> SelectNames(string list, IReadOnlyList<string> available, string what)
    {
        if (list.Trim() == "all")
        {
            return available.ToList();
        }
        var names = list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (names.Length == 0)
        {
            throw new UsageException($"no {what} named; use 'all' or a comma-separated list");
        }
        var unknown = names.Where(n => !available.Contains(n)).ToList();
        if (unknown.Count > 0)
        {
            throw new UsageException(string.Join(Environment.NewLine, unknown.Select(u =>
                $"unknown {what} '{u}'{KeySuggester.Hint(u, available)}; available: {string.Join(", ", available)}")));
        }
        return available.Where(names.Contains).ToList();
    }
}
