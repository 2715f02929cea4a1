using PerfSim.Core.Designs;
using PerfSim.Core.Kernel;
using PerfSim.Core.Machine;
using PerfSim.Core.Simulation;
using PerfSim.Core.Stats;
using PerfSim.Core.Trace;
using PerfSim.Core.Workloads;
using PerfSim.Tests.Support;

namespace PerfSim.Tests.Designs;

public sealed class PagingModeTests
{
    private const long Page = 4096;

    private static DesignSpec Direct(PinPolicy pin = PinPolicy.LatePin, PtePolicy policy = PtePolicy.Immediate, int batch = 1,
        bool outsideLazy = false, HazardMode hazards = HazardMode.FlushOnHazard) => new()
    {
        Name = "direct-test",
        Description = "test",
        PageTables = PageTableMode.Direct,
        Hypervisor = true,
        Pinning = pin,
        PteUpdates = policy,
        BatchSize = batch,
        BatchOutsideLazyMode = outsideLazy,
        Hazards = hazards,
    };

    private static ResolvedConfig Config(DesignSpec design, MachineProfile? machine = null) =>
        new(machine ?? TestProfiles.Machine(), TestProfiles.Kernel(), design, 1, 1);

    [Fact]
    public void A_write_to_a_pinned_table_costs_exactly_a_request_a_hypercall_and_one_validation()
    {
        var events = TestTraces.Started(); // pid 1 runs, so its mm is pinned (late pin at the first switch)
        events.Add(TraceEvent.Mmap(0, 1, TraceBuilder.MmapBase, Page, Protection.Read | Protection.Write, MapFlags.Anonymous));
        events.Add(TraceEvent.Touch(0, 1, TraceBuilder.MmapBase, Page, AccessKind.Read)); // builds the page table
        events.Add(TraceEvent.Mprotect(0, 1, TraceBuilder.MmapBase, Page, Protection.Read));
        var machine = TestProfiles.Machine();
        var sim = new Simulator(Config(Direct(), machine));
        events.Insert(events.Count - 1, TraceEvent.Mark(0, 0, MarkKind.MeasureStart));
        var m = sim.Run(new ListTraceSource("w", events));
        // mprotect of one present PTE: Modify (one hypercall) and a TLB flush (one hypercall).
        Assert.Equal(1, m.Measured.Counts[(int)Counter.PteUpdates]);
        Assert.Equal(2, m.Measured.Counts[(int)Counter.Hypercalls]);
        Assert.Equal(1, m.Measured.Counts[(int)Counter.Validations]);
        Assert.Equal(2 * machine[MachineParam.Hypercall] + machine[MachineParam.MulticallEntry],
            m.Measured.Cycles[(int)CostCategory.Hypercall]);
        Assert.Equal(machine[MachineParam.ValidateEntry], m.Measured.Cycles[(int)CostCategory.PageTableValidation]);
        Assert.Equal(2 * machine[MachineParam.Store], m.Measured.Cycles[(int)CostCategory.PteUpdate]);
    }

    [Theory]
    [InlineData(PinPolicy.Eager)]
    [InlineData(PinPolicy.AtFork)]
    [InlineData(PinPolicy.LatePin)]
    public void A_process_already_running_when_the_trace_starts_has_pinned_tables_that_cost_nothing_to_take_in(PinPolicy pin)
    {
        // pid 1 never forks or execs in the trace: its mm was built before recording, so its tables are pinned already.
        var events = new List<TraceEvent>
        {
            TraceEvent.Mmap(0, 1, TraceBuilder.MmapBase, Page, Protection.Read | Protection.Write, MapFlags.Anonymous),
            TraceEvent.Touch(0, 1, TraceBuilder.MmapBase, Page, AccessKind.Write),
        };
        var machine = TestProfiles.Machine();
        var sim = new Simulator(Config(Direct(pin), machine));
        var m = sim.Run(new ListTraceSource("adopted", events));
        Assert.Equal(1, m.Measured.Counts[(int)Counter.PteSets]);
        // The fault's new page table is pinned and its PMD entry and the PTE are validated updates.
        Assert.Equal(2, m.Measured.Counts[(int)Counter.Validations]);
        Assert.Equal(1, m.Measured.Counts[(int)Counter.PinOps]); // the new page table's pin; none for taking in the mm
    }

    [Fact]
    public void Under_shadow_paging_a_tlb_flush_is_a_cr3_write_and_costs_the_root_switch()
    {
        var design = new DesignSpec { Name = "shadow-test", Description = "t", PageTables = PageTableMode.Shadow, Hypervisor = true };
        var events = TestTraces.WithWrittenRegion(2);
        events.Add(TraceEvent.Mprotect(0, 1, TraceBuilder.MmapBase, 2 * Page, Protection.Read)); // ends with flush_tlb_range
        var machine = TestProfiles.Machine();
        var withFlush = new Simulator(Config(design, machine)).Run(new ListTraceSource("flush", events));
        Assert.Equal(1, withFlush.Measured.Counts[(int)Counter.TlbFlushes]);
        Assert.Equal(0, withFlush.Measured.Counts[(int)Counter.Cr3Loads]);
        var cheaper = machine.With(MachineParam.ShadowRootSwitch, machine[MachineParam.ShadowRootSwitch] - 7, "test");
        var less = new Simulator(Config(design, cheaper)).Run(new ListTraceSource("flush", events));
        Assert.Equal(7, withFlush.Measured.Cycles[(int)CostCategory.Shadow] - less.Measured.Cycles[(int)CostCategory.Shadow]);
    }

    public static TheoryData<string> Workloads() => new() { "fork", "exec", "mmap", "page-fault", "ctx-2p-16k", "prot-fault" };

    [Theory]
    [MemberData(nameof(Workloads))]
    public void A_batch_of_one_costs_exactly_what_immediate_updates_cost(string workload)
    {
        foreach (var outside in new[] { false, true })
        {
            var w = Lmbench.Find(workload)!;
            var immediate = ScenarioRunner.Run(Config(Direct(PinPolicy.Eager)), w, new WorkloadOptions());
            var batched = ScenarioRunner.Run(Config(Direct(PinPolicy.Eager, PtePolicy.Batched, 1, outside)), w, new WorkloadOptions());
            Assert.Equal(immediate.CyclesPerIterByCategory, batched.CyclesPerIterByCategory);
            Assert.Equal(immediate.CounterValue(Counter.Hypercalls), batched.CounterValue(Counter.Hypercalls));
        }
    }

    [Fact]
    public void Late_pinning_pins_a_forked_child_at_its_first_switch_and_validates_its_whole_tree()
    {
        var events = TestTraces.Started();
        events.Add(TraceEvent.Mark(0, 0, MarkKind.MeasureStart));
        events.Add(TraceEvent.Fork(0, 1, 2));
        var sim = new Simulator(Config(Direct(PinPolicy.LatePin)));
        var atFork = sim.Run(new ListTraceSource("fork", events));
        Assert.Equal(0, atFork.Measured.Counts[(int)Counter.PinOps]); // not yet: the child has not run

        events.Add(TraceEvent.Compute(0, 2, 10));
        var sim2 = new Simulator(Config(Direct(PinPolicy.LatePin)));
        var m = sim2.Run(new ListTraceSource("fork+switch", events));
        var child = sim2.Kernel.Find(2)!.Mm;
        Assert.Equal(1, m.Measured.Counts[(int)Counter.PinOps]);
        // Pinning validates one present entry per PTE, per page-table page (its PDE) and per kernel PDE; each
        // write-protect of the (pinned) parent's PTEs during the fork validated one entry too.
        Assert.Equal(child.PresentPtes + child.TableCount + 256 + m.Measured.Counts[(int)Counter.PteUpdates],
            m.Measured.Counts[(int)Counter.Validations]);
    }

    [Fact]
    public void Pinning_at_fork_pins_the_child_in_dup_mmap_and_eager_pinning_pins_every_table_as_it_is_made()
    {
        var events = TestTraces.Started();
        events.Add(TraceEvent.Mark(0, 0, MarkKind.MeasureStart));
        events.Add(TraceEvent.Fork(0, 1, 2));
        var atFork = new Simulator(Config(Direct(PinPolicy.AtFork))).Run(new ListTraceSource("f", events));
        Assert.Equal(1, atFork.Measured.Counts[(int)Counter.PinOps]);
        var sim = new Simulator(Config(Direct(PinPolicy.Eager)));
        var eager = sim.Run(new ListTraceSource("e", events));
        // Eager: the child's PGD and each page table it gets are pinned one by one.
        Assert.Equal(1 + sim.Kernel.Find(2)!.Mm.TableCount, eager.Measured.Counts[(int)Counter.PinOps]);
    }

    [Fact]
    public void The_auditor_finds_the_fork_read_after_write_hazard_and_flush_on_hazard_leaves_none()
    {
        var w = Lmbench.Find("fork")!;
        var audit = ScenarioRunner.Run(Config(Direct(PinPolicy.Eager, PtePolicy.Batched, 128, true, HazardMode.Audit)), w, new WorkloadOptions());
        var flush = ScenarioRunner.Run(Config(Direct(PinPolicy.Eager, PtePolicy.Batched, 128, true, HazardMode.FlushOnHazard)), w, new WorkloadOptions());
        // copy_one_pte re-reads every PTE it just write-protected while the update is still queued.
        Assert.True(audit.CounterValue(Counter.PteHazards) > 0);
        Assert.Equal(0, audit.CounterValue(Counter.HazardFlushes));
        Assert.True(audit.HazardsPerIterBySite[(int)KernelPath.ForkPerPte] > 0);
        Assert.Equal(0, flush.CounterValue(Counter.PteHazards));
        Assert.Equal(audit.CounterValue(Counter.PteHazards), flush.CounterValue(Counter.HazardFlushes));
        Assert.True(flush.CyclesPerIter > audit.CyclesPerIter); // the extra flushes cost
    }

    [Fact]
    public void Nothing_queued_survives_a_return_to_user()
    {
        var events = TestTraces.WithWrittenRegion(8);
        events.Add(TraceEvent.Munmap(0, 1, TraceBuilder.MmapBase, 8 * Page));
        var sim = new Simulator(Config(Direct(PinPolicy.Eager, PtePolicy.Batched, 128, true)));
        var m = sim.Run(new ListTraceSource("munmap", events));
        // 8 PTE clears and the PMD clear of the freed page table went through the queue...
        Assert.Equal(9, m.Measured.Counts[(int)Counter.BatchedUpdates]);
        Assert.Equal(8, m.Measured.Counts[(int)Counter.PteClears]);
        // ...in two flushes (leaving lazy mode; before unpinning the table), and nothing is left.
        Assert.Equal(2, m.Measured.Counts[(int)Counter.BatchFlushes]);
        Assert.Equal(0, ((ComposedDesign)sim.Platform).QueuedOn(0));
    }

    [Fact]
    public void A_nested_tlb_miss_walks_both_dimensions()
    {
        var nested = new DesignSpec { Name = "nested-test", Description = "t", PageTables = PageTableMode.Nested, Hypervisor = true };
        var machine = TestProfiles.Machine();
        var events = TestTraces.Started();
        events.Add(TraceEvent.Mmap(0, 1, TraceBuilder.MmapBase, 4 * Page, Protection.Read, MapFlags.Anonymous));
        events.Add(TraceEvent.Mark(0, 0, MarkKind.MeasureStart));
        events.Add(TraceEvent.Touch(0, 1, TraceBuilder.MmapBase, 4 * Page, AccessKind.Read)); // 4 fresh pages: 4 misses
        var native = new Simulator(Config(DesignSpec.Native, machine));
        var sim = new Simulator(Config(nested, machine));
        var mNested = sim.Run(new ListTraceSource("n", events));
        var mNative = native.Run(new ListTraceSource("n", events));
        // i386 guest (2 levels) over a 4-level host: (2+1)(4+1) - 1 = 14 references instead of 2.
        Assert.Equal(14, mNested.Measured.Counts[(int)Counter.WalkReferences] / Math.Max(1, mNested.Measured.Counts[(int)Counter.TlbMisses] - mNested.Measured.Counts[(int)Counter.StlbHits]));
        Assert.Equal(2, mNative.Measured.Counts[(int)Counter.WalkReferences] / Math.Max(1, mNative.Measured.Counts[(int)Counter.TlbMisses] - mNative.Measured.Counts[(int)Counter.StlbHits]));
    }

    [Fact]
    public void A_design_needing_nested_paging_is_refused_on_a_cpu_without_it()
    {
        var nested = new DesignSpec { Name = "nested-test", Description = "t", PageTables = PageTableMode.Nested, Hypervisor = true };
        var old = TestProfiles.Machine().With(MachineParam.NestedWalkLevels, 0, "test");
        Assert.NotEmpty(ResolvedConfig.Problems(old, nested));
        Assert.Throws<ArgumentException>(() => Config(nested, old));
    }

    private static DesignSpec Writable => new()
    {
        Name = "writable-test", Description = "t", PageTables = PageTableMode.Writable, Hypervisor = true, Pinning = PinPolicy.Eager,
    };

    [Fact]
    public void Writable_page_tables_trap_once_per_page_then_store_and_revalidate_the_changes_on_reconnection()
    {
        var events = TestTraces.WithWrittenRegion(16);
        events.Add(TraceEvent.Mprotect(0, 1, TraceBuilder.MmapBase, 16 * Page, Protection.Read));
        var machine = TestProfiles.Machine();
        var m = new Simulator(Config(Writable, machine)).Run(new ListTraceSource("mprotect", events));
        Assert.Equal(16, m.Measured.Counts[(int)Counter.PteUpdates]);
        Assert.Equal(1, m.Measured.Counts[(int)Counter.PteTraps]);      // the first write disconnects the page
        Assert.Equal(1, m.Measured.Counts[(int)Counter.PtwrFlushes]);   // the TLB-flush hypercall reconnects it
        Assert.Equal(16, m.Measured.Counts[(int)Counter.Validations]);  // every changed entry fully revalidated
        Assert.Equal(16 * machine[MachineParam.ValidateEntry] + machine[MachineParam.Invlpg] + machine[MachineParam.ShadowResyncPage] + machine[MachineParam.Store],
            m.Measured.Cycles[(int)CostCategory.PageTableValidation]);
    }

    [Fact]
    public void Fork_write_protects_take_the_fast_revalidation_path()
    {
        var events = TestTraces.Started();
        events.Add(TraceEvent.Mark(0, 0, MarkKind.MeasureStart));
        events.Add(TraceEvent.Fork(0, 1, 2));
        var machine = TestProfiles.Machine();
        var sim = new Simulator(Config(Writable, machine));
        var m = sim.Run(new ListTraceSource("fork", events));
        var updates = m.Measured.Counts[(int)Counter.PteUpdates];
        var tables = sim.Kernel.Find(2)!.Mm.TableCount;
        Assert.True(updates > 2 * tables);
        // One trap per page-table page written (each parent table, each child table), not one per PTE.
        Assert.Equal(2 * tables, m.Measured.Counts[(int)Counter.PteTraps]);
        Assert.True(m.Measured.Counts[(int)Counter.PtwrFlushes] >= 1);
    }

    [Fact]
    public void With_two_cpus_writable_page_tables_fall_back_to_emulating_every_write()
    {
        var events = TestTraces.WithWrittenRegion(16);
        events.Add(TraceEvent.Mprotect(0, 1, TraceBuilder.MmapBase, 16 * Page, Protection.Read));
        var config = new ResolvedConfig(TestProfiles.Machine(), TestProfiles.Kernel(), Writable, 2, 1);
        var m = new Simulator(config).Run(new ListTraceSource("smp", events));
        Assert.Equal(16, m.Measured.Counts[(int)Counter.PteTraps]);
        Assert.Equal(0, m.Measured.Counts[(int)Counter.PtwrFlushes]);
    }
}
