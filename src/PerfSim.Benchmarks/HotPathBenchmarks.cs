using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using PerfSim.Core.Engine;
using PerfSim.Core.Machine;
using PerfSim.Core.Simulation;
using PerfSim.Core.Trace;
using PerfSim.Core.Workloads;
using PerfSim.IO.Config;

namespace PerfSim.Benchmarks;

/// <summary>The simulator's own hot paths: event queue, TLB lookups, page walks, and a whole lmbench replay through native.</summary>
[MemoryDiagnoser]
[Config(typeof(OpsPerSecond))]
public class HotPathBenchmarks
{
    /// <summary>Adds an operations-per-second column (lookups per second for the per-lookup benchmarks).</summary>
    private sealed class OpsPerSecond : ManualConfig
    {
        public OpsPerSecond() => AddColumn(StatisticColumn.OperationsPerSecond);
    }

    private MachineModel _machine = null!;

    private Tlb _tlb = null!;
    private long[] _stream = null!;
    private ResolvedConfig _config = null!;
    private IReadOnlyList<TraceEvent> _fork = null!;

    [GlobalSetup]
    public void Setup()
    {
        _tlb = new Tlb(64, 64);
        var rng = new SplitMix64(1);
        _stream = Enumerable.Range(0, 1 << 16).Select(_ => rng.NextBelow(256)).ToArray();
        var catalog = ConfigCatalog.Locate();
        var machine = catalog.LoadMachine("xeon-2400-2003");
        _config = new ResolvedConfig(machine, catalog.LoadKernel(machine.DefaultKernel), PerfSim.Core.Designs.DesignSpec.Native, 1, 1);
        _fork = Lmbench.Find("fork")!.Main(new WorkloadOptions());
        var nehalem = catalog.LoadMachine("nehalem-x5570-2009");
        _machine = new MachineModel(nehalem, 1, 2, new long[PerfSim.Core.Kernel.KernelPaths.Count], new PerfSim.Core.Stats.RunStats());
    }

    [Benchmark(Description = "translate: TLB lookup + 2D page walk on a miss (Nehalem, 64-entry 4-way DTLB + 512 STLB, miss-heavy)", OperationsPerInvoke = 1 << 16)]
    public int TranslateNestedMissHeavy()
    {
        var hits = 0;
        foreach (var vpn in _stream)
        {
            if (_machine.Translate(0, 1, vpn * 7, AccessKind.Read, global: false, nested: true, PerfSim.Core.Stats.CostCategory.UserTlbMiss))
            {
                hits++;
            }
        }
        return hits;
    }

    [Benchmark(Description = "event queue: 10k pushes then pops, delays uniform in [1,100]")]
    public long EventQueuePushPop()
    {
        var q = new EventQueue<int>();
        var rng = new SplitMix64(3);
        long t = 0;
        for (var i = 0; i < 10_000; i++)
        {
            q.Push(t + 1 + rng.NextBelow(100), 0, i);
        }
        while (q.TryPop(out var c, out _))
        {
            t = c;
        }
        return t;
    }

    [Benchmark(Description = "TLB lookup, 64-entry fully associative, miss-heavy stream (256 pages)", OperationsPerInvoke = 1 << 16)]
    public int TlbMissHeavy()
    {
        var hits = 0;
        foreach (var vpn in _stream)
        {
            if (_tlb.Lookup(vpn))
            {
                hits++;
            }
            else
            {
                _tlb.Insert(vpn);
            }
        }
        return hits;
    }

    [Benchmark(Description = "replay: lmbench fork trace through native on xeon-2400-2003")]
    public long ReplayForkNative() => new Simulator(_config).Run(new ListTraceSource("fork", _fork)).Events;
}
