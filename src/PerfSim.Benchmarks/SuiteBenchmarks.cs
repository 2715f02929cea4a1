using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using PerfSim.Core.Designs;
using PerfSim.Core.Designs.Paging;
using PerfSim.Core.Kernel;
using PerfSim.Core.Machine;
using PerfSim.Core.Simulation;
using PerfSim.Core.Trace;
using PerfSim.Core.Workloads;
using PerfSim.IO.Config;
using PerfSim.IO.Trace;

namespace PerfSim.Benchmarks;

/// <summary>A quick in-process job: the matrix has hundreds of cases, and each case's figure is a whole replay.</summary>
internal sealed class QuickConfig : ManualConfig
{
    public QuickConfig()
    {
        AddJob(Job.Default.WithToolchain(InProcessEmitToolchain.Instance)
            .WithWarmupCount(3).WithIterationCount(5).WithIterationTime(Perfolizer.Horology.TimeInterval.FromMilliseconds(100))
            .WithId("Quick"));
        AddColumn(StatisticColumn.OperationsPerSecond);
    }
}

/// <summary>
/// A job for the matrix's ~550 cases: no pilot stage, 16 replays per iteration, one warm-up and three measured
/// iterations (about half a second a case, so the matrix takes minutes, not an hour).
/// </summary>
internal sealed class MatrixConfig : ManualConfig
{
    public MatrixConfig()
    {
        AddJob(Job.Default.WithToolchain(InProcessEmitToolchain.Instance)
            .WithInvocationCount(16).WithUnrollFactor(1).WithWarmupCount(1).WithIterationCount(3)
            .WithId("Matrix"));
        AddColumn(StatisticColumn.OperationsPerSecond);
    }
}

/// <summary>One replay of each lmbench workload through each design (Nehalem: the machine every design runs on).</summary>
[MemoryDiagnoser]
[Config(typeof(MatrixConfig))]
public class ReplayMatrixBenchmarks
{
    private ResolvedConfig _config = null!;
    private IReadOnlyList<TraceEvent> _trace = null!;

    /// <summary>The lmbench-style workloads (not the nanobenchmarks or the SMP scenarios).</summary>
    public static IEnumerable<string> Workloads() =>
        Lmbench.All.Select(w => w.Name).Where(n => !n.StartsWith("nano-", StringComparison.Ordinal) && !n.Contains("threaded", StringComparison.Ordinal) && !n.Contains("build", StringComparison.Ordinal));

    /// <summary>Every design in workloads/designs.</summary>
    public static IEnumerable<string> Designs() => ConfigCatalog.Locate().DesignNames;

    [ParamsSource(nameof(Workloads))]
    public string Workload { get; set; } = "";

    [ParamsSource(nameof(Designs))]
    public string Design { get; set; } = "";

    [GlobalSetup]
    public void Setup()
    {
        var catalog = ConfigCatalog.Locate();
        var machine = catalog.LoadMachine("nehalem-x5570-2009");
        _config = new ResolvedConfig(machine, catalog.LoadKernel(machine.DefaultKernel), catalog.LoadDesign(Design), 1, 1);
        _trace = Lmbench.Find(Workload)!.Main(new WorkloadOptions());
    }

    [Benchmark(Description = "replay")]
    public long Replay() => new Simulator(_config).Run(new ListTraceSource("bench", _trace)).Events;
}

/// <summary>Decoding traces (no simulation): ns per event for the text and binary formats of the same trace.</summary>
[MemoryDiagnoser]
[Config(typeof(QuickConfig))]
public class TraceDecodeBenchmarks
{
    private const int Events = 200_000;
    private byte[] _binary = null!;
    private string _text = null!;

    [GlobalSetup]
    public void Setup()
    {
        // The fork loop mixes every common kind of event (fork, exit, wait, touches, faults, system calls, marks).
        var w = Lmbench.Find("fork")!;
        var dir = Path.Combine(Path.GetTempPath(), $"perfsim-decode-{Environment.ProcessId}");
        Directory.CreateDirectory(dir);
        var generated = w.Main(new WorkloadOptions { IterationScale = 200 }).Take(Events).ToArray();
        var bin = Path.Combine(dir, "t.bin");
        var txt = Path.Combine(dir, "t.trace");
        TraceFiles.Write(bin, new ListTraceSource("decode", generated), TraceFormat.Binary);
        TraceFiles.Write(txt, new ListTraceSource("decode", generated), TraceFormat.Text);
        _binary = File.ReadAllBytes(bin);
        _text = File.ReadAllText(txt);
        Directory.Delete(dir, recursive: true);
    }

    [Benchmark(Description = "decode: binary trace, per event", OperationsPerInvoke = Events)]
    public long Binary()
    {
        using var r = new BinaryTraceReader(new MemoryStream(_binary, writable: false), "bench");
        long n = 0;
        while (r.TryRead(out _))
        {
            n++;
        }
        return n;
    }

    [Benchmark(Description = "decode: text trace, per event", OperationsPerInvoke = Events)]
    public long Text()
    {
        using var r = new TextTraceReader(new StringReader(_text), "bench");
        long n = 0;
        while (r.TryRead(out _))
        {
            n++;
        }
        return n;
    }
}

/// <summary>
/// What the replay loop allocates per event: the same null-call loop replayed for 10,000 and for 1,000,000 events;
/// equal Allocated columns mean no allocation per event (only the run's fixed set-up and result).
/// </summary>
[MemoryDiagnoser]
[Config(typeof(QuickConfig))]
public class ReplayAllocationBenchmarks
{
    private ResolvedConfig _config = null!;
    private TraceEvent[] _loop = null!;

    [Params(10_000, 1_000_000)]
    public int Events { get; set; }

    [Params("native", "xen-pv", "paging-shadow")]
    public string Design { get; set; } = "";

    [GlobalSetup]
    public void Setup()
    {
        var catalog = ConfigCatalog.Locate();
        var machine = catalog.LoadMachine("xeon-2400-2003");
        _config = new ResolvedConfig(machine, catalog.LoadKernel(machine.DefaultKernel), catalog.LoadDesign(Design), 1, 1);
        var generated = Lmbench.Find("null-call")!.Main(new WorkloadOptions());
        using var source = new RepeatedLoopSource("null-call", generated, Events);
        var loop = new List<TraceEvent>();
        while (source.TryRead(out var e))
        {
            loop.Add(e);
        }
        _loop = loop.ToArray();
    }

    [Benchmark(Description = "replay: null-call loop")]
    public long Replay() => new Simulator(_config).Run(new ListTraceSource("bench", _loop)).Events;
}

/// <summary>Page walks, TLB hits and shadow synchronisation in isolation.</summary>
[MemoryDiagnoser]
[Config(typeof(QuickConfig))]
public class MachineBenchmarks
{
    private const int Ops = 1 << 12;
    private MachineModel _native = null!;
    private MachineModel _nested = null!;
    private Tlb _tlb = null!;
    private long[] _hitStream = null!;
    private long[] _missStream = null!;
    private ShadowPaging _shadow = null!;
    private AddressSpace _mm = null!;

    [GlobalSetup]
    public void Setup()
    {
        var catalog = ConfigCatalog.Locate();
        var rng = new SplitMix64(5);
        _hitStream = Enumerable.Range(0, Ops).Select(_ => (long)rng.NextBelow(48)).ToArray(); // 48 pages in a 64-entry TLB
        _missStream = Enumerable.Range(0, Ops).Select(i => (long)i * 64).ToArray();          // never the same page twice in a row: every lookup misses
        _tlb = new Tlb(64, 64);
        foreach (var v in _hitStream)
        {
            if (!_tlb.Lookup(v))
            {
                _tlb.Insert(v);
            }
        }
        var nehalem = catalog.LoadMachine("nehalem-x5570-2009");
        var paths = new long[KernelPaths.Count];
        _native = new MachineModel(catalog.LoadMachine("xeon-2400-2003"), 1, 2, paths, new PerfSim.Core.Stats.RunStats());
        _nested = new MachineModel(nehalem, 1, 2, paths, new PerfSim.Core.Stats.RunStats());
        var shadowMachine = new MachineModel(nehalem, 1, 2, paths, new PerfSim.Core.Stats.RunStats());
        _shadow = new ShadowPaging(shadowMachine, ShadowFill.Eager, roots: 4, outOfSync: false);
        _mm = new AddressSpace(1, 1024);
        for (var t = 0; t < Ops / 1024; t++)
        {
            _mm.AddTable(t);
        }
        _shadow.LoadCr3(0, _mm); // builds the shadow root: from now on the guest's PTE writes are traced
    }

    [Benchmark(Description = "TLB lookup, 64-entry fully associative, hit-heavy stream (48 pages)", OperationsPerInvoke = Ops)]
    public int TlbHitHeavy()
    {
        var hits = 0;
        foreach (var v in _hitStream)
        {
            if (_tlb.Lookup(v))
            {
                hits++;
            }
        }
        return hits;
    }

    [Benchmark(Description = "page walk on every lookup: native 2-level (P4 Xeon, no second-level TLB)", OperationsPerInvoke = Ops)]
    public int NativeWalk() => Walk(_native, nested: false);

    [Benchmark(Description = "page walk on every lookup: 2D, guest 2 levels through EPT 4 levels (Nehalem)", OperationsPerInvoke = Ops)]
    public int NestedWalk() => Walk(_nested, nested: true);

    private int Walk(MachineModel m, bool nested)
    {
        var hits = 0;
        foreach (var v in _missStream)
        {
            if (m.Translate(0, 1, v, AccessKind.Read, global: false, nested, PerfSim.Core.Stats.CostCategory.UserTlbMiss))
            {
                hits++;
            }
        }
        return hits;
    }

    [Benchmark(Description = "shadow sync: a traced guest PTE write, trapped and synced into the shadow (eager fill)", OperationsPerInvoke = Ops)]
    public int ShadowSync()
    {
        for (var vpn = 0; vpn < Ops; vpn++)
        {
            _mm.SetPte(vpn, (vpn & 1) == 0 ? Pte.Present | 0x1000u : 0u); // alternate present and clear entries
            _shadow.Write(0, _mm, vpn, PteOp.Set);
        }
        return _mm.TableCount;
    }
}
