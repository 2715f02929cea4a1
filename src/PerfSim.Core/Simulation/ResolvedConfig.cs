using PerfSim.Core.Designs;
using PerfSim.Core.Kernel;
using PerfSim.Core.Machine;

namespace PerfSim.Core.Simulation;

/// <summary>
/// Everything a run needs, validated and frozen: machine, kernel, design, CPU count and seed, with the
/// derived integer cycle cost of every kernel path.
/// </summary>
public sealed class ResolvedConfig
{
    private readonly long[] _pathCycles;

    public ResolvedConfig(MachineProfile machine, KernelProfile kernel, DesignSpec design, int cpus, ulong seed)
    {
        if (cpus < 1 || cpus > 256)
        {
            throw new ArgumentOutOfRangeException(nameof(cpus), cpus, "CPU count must be 1..256.");
        }
        var problems = Problems(machine, design).ToList();
        if (cpus > 1 && kernel.SmpLockedOps is null)
        {
            problems.Add($"kernel '{kernel.Name}' has no smp_locked_ops table: it describes a UP build and cannot run on {cpus} CPUs");
        }
        if (problems.Count > 0)
        {
            throw new ArgumentException(string.Join("; ", problems));
        }
        // A supervisor-mode kernel calls the hypervisor instead of trapping into it.
        Machine = design.SupervisorModeKernel
            ? machine.With(MachineParam.Hypercall, machine[MachineParam.CallDirect] + machine[MachineParam.CallIndirect],
                "derived: supervisor-mode kernel, a hypercall is call_direct + call_indirect (the hypervisor's dispatch)")
            : machine;
        Kernel = kernel;
        Design = design;
        Cpus = cpus;
        PhysicalCpus = cpus;
        Seed = seed;
        KernelPathSizes = Enumerable.Range(0, KernelPaths.Count).Select(i => kernel[(KernelPath)i]).ToArray();
        _pathCycles = new long[KernelPaths.Count];
        _smpLockCycles = new long[KernelPaths.Count];
        var cpi = machine[MachineParam.KernelCpi];
        // Each rep string instruction is one of its path's counted instructions; its microcoded start-up and the dwords it
        // moves are the machine's, charged apart (not scaled by a calibration of the path lengths).
        var (repOps, repDwords) = (kernel.RepStringOps, kernel.RepStringDwords);
        var (scanOps, scanElements) = (kernel.RepScanOps, kernel.RepScanElements);
        for (var i = 0; i < _pathCycles.Length; i++)
        {
            _pathCycles[i] = PathCycles(kernel[(KernelPath)i], cpi);
            if (repOps is not null && repDwords is not null)
            {
                _pathCycles[i] += repOps[i] * machine[MachineParam.RepStringStartup] + repDwords[i] * machine[MachineParam.RepStringPerDword];
            }
            if (scanOps is not null && scanElements is not null)
            {
                _pathCycles[i] += scanOps[i] * machine[MachineParam.RepScanStartup] + scanElements[i] * machine[MachineParam.RepScanPerElement];
            }
            if (kernel.SegmentLoads is { } segmentLoads)
            {
                _pathCycles[i] += segmentLoads[i] * machine[MachineParam.SegmentLoad]; // each a descriptor fetched and checked
            }
            if (kernel.XchgOps is { } xchgOps)
            {
                _pathCycles[i] += xchgOps[i] * machine[MachineParam.Xchg]; // implicitly locked, on a UP build too
            }
            // An SMP build runs on several CPUs: its lock prefixes cost a locked read-modify-write each.
            _smpLockCycles[i] = cpus > 1 ? kernel.SmpLockedOps![i] * machine[MachineParam.LockedRmw] : 0;
        }
    }

    private readonly long[] _smpLockCycles;

    /// <summary>Cycles the SMP build's lock-prefixed operations add to one execution of a kernel path (0 on one CPU).</summary>
    public long SmpLockCyclesOf(KernelPath p) => _smpLockCycles[(int)p];

    /// <summary>Instructions of each kernel path, indexed by <see cref="KernelPath"/> (its code size for the code cache).</summary>
    public IReadOnlyList<long> KernelPathSizes { get; }

    public MachineProfile Machine { get; }
    public KernelProfile Kernel { get; }
    public DesignSpec Design { get; }
    public int Cpus { get; }

    /// <summary>Physical CPUs the vCPUs run on (= <see cref="Cpus"/> unless a hypervisor overcommits them).</summary>
    public int PhysicalCpus { get; init; }

    /// <summary>The hypervisor scheduler's time slice, in cycles, when vCPUs share physical CPUs.</summary>
    public long TimesliceCycles { get; init; } = 1;

    /// <summary>Who decides which CPU runs each event with several CPUs: the trace's cpu fields, or the kernel's scheduler.</summary>
    public Placement Placement { get; init; } = Placement.Auto;
    public ulong Seed { get; }

    /// <summary>Cycles of one execution of a kernel path on this machine, its code in the instruction cache (with its rep string start-ups and dwords, its segment register loads and its xchg instructions when the kernel profile counts them).</summary>
    public long CyclesOf(KernelPath p) => _pathCycles[(int)p];


    /// <summary>Why a design cannot run on a machine (empty when it can).</summary>
    public static IReadOnlyList<string> Problems(MachineProfile machine, DesignSpec design)
    {
        var p = design.Problems().ToList();
        if (design.TrapVia == TrapMechanism.VmExit && machine[MachineParam.VmExit] == 0)
        {
            p.Add($"design '{design.Name}' traps by VM exits, and machine '{machine.Name}' has no hardware virtualization (vm_exit = 0)");
        }
        if (design.PageTables == PageTableMode.Nested && machine[MachineParam.NestedWalkLevels] == 0)
        {
            p.Add($"design '{design.Name}' uses nested paging, which machine '{machine.Name}' does not have (nested_walk_levels = 0)");
        }
        return p;
    }

    /// <summary>instructions × (cycles per 1,000 instructions) / 1,000, rounded half up.</summary>
    public static long PathCycles(long instructions, long cpiPer1000) => (instructions * cpiPer1000 + 500) / 1000;
}

/// <summary>Who places a trace's events on CPUs (several CPUs only).</summary>
public enum Placement
{
    /// <summary>The trace when its events name CPUs, the kernel's scheduler when every one says <c>any</c>.</summary>
    Auto,
    /// <summary>Each event runs on its cpu field (recorded or generated placement).</summary>
    Trace,
    /// <summary>The kernel's scheduler places every task; the trace's cpu fields are ignored.</summary>
    Scheduler,
}
