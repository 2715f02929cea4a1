using PerfSim.Core.Designs.Hooks;
using PerfSim.Core.Kernel;
using PerfSim.Core.Machine;
using PerfSim.Core.Simulation;
using PerfSim.Core.Stats;
using PerfSim.Core.Trace;
using PerfSim.Core.Workloads;
using PerfSim.Tests.Support;

namespace PerfSim.Tests.Kernel;

public sealed class KernelModelTests
{
    private const long Page = 4096;

    private static Simulator Run(IReadOnlyList<TraceEvent> events, ResolvedConfig? config = null)
    {
        var sim = new Simulator(config ?? TestProfiles.Config());
        sim.Run(new ListTraceSource("test", events));
        return sim;
    }

    private static (long AnonPresent, long Other) CountPresent(AddressSpace mm)
    {
        long anon = 0, other = 0;
        foreach (var v in mm.Vmas)
        {
            for (var p = v.Start; p < v.End; p++)
            {
                if (Pte.IsPresent(mm.GetPte(p)))
                {
                    if (v.HasAnonVma)
                    {
                        anon++;
                    }
                    else
                    {
                        other++;
                    }
                }
            }
        }
        return (anon, other);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Fork_write_protects_exactly_the_present_anonymous_ptes(int cpus)
    {
        var before = Run(TestTraces.Started());
        var (anon, _) = CountPresent(before.Kernel.Find(1)!.Mm);
        Assert.True(anon > 0);
        var events = TestTraces.Started();
        events.Add(TraceEvent.Mark(0, 0, MarkKind.MeasureStart));
        events.Add(TraceEvent.Fork(0, 1, 2));
        var sim = new Simulator(TestProfiles.Config(cpus));
        var m = sim.Run(new ListTraceSource("fork", events));

        Assert.Equal(anon, m.Measured.Counts[(int)Counter.PteUpdates]);
        // Each is clear_bit, locked only in an SMP build: a plain btr on one CPU.
        Assert.Equal(cpus > 1 ? anon : 0, m.Measured.Counts[(int)Counter.LockedOps]);
        // 2.6 skips file-only VMAs: the child gets exactly the anonymous PTEs, all read-only in both.
        Assert.Equal(anon, m.Measured.Counts[(int)Counter.PteSets]);
        var parent = sim.Kernel.Find(1)!.Mm;
        var child = sim.Kernel.Find(2)!.Mm;
        Assert.Equal(anon, child.PresentPtes);
        foreach (var v in parent.Vmas.Where(v => v.HasAnonVma))
        {
            for (var p = v.Start; p < v.End; p++)
            {
                Assert.False(Pte.IsWritable(parent.GetPte(p)), $"parent page 0x{p:x} still writable");
                Assert.Equal(parent.GetPte(p), child.GetPte(p));
            }
        }
        Assert.Equal(1, m.Measured.Counts[(int)Counter.TlbFlushes]);
    }

    [Fact]
    public void Linux_24_fork_copies_file_ptes_too_and_protects_only_writable_ones()
    {
        var cfg = TestProfiles.Config(kernel: TestProfiles.Kernel(SyscallEntry.Int80, copiesFilePtes: true, wrprotectReadOnly: false));
        var probe = Run(TestTraces.Started(), cfg);
        var mm = probe.Kernel.Find(1)!.Mm;
        var (anon, other) = CountPresent(mm);
        var writable = mm.Vmas.Sum(v => Enumerable.Range(0, (int)v.Pages).Count(i => Pte.IsWritable(mm.GetPte(v.Start + i))));

        var events = TestTraces.Started();
        events.Add(TraceEvent.Mark(0, 0, MarkKind.MeasureStart));
        events.Add(TraceEvent.Fork(0, 1, 2));
        var sim = new Simulator(cfg);
        var m = sim.Run(new ListTraceSource("fork", events));
        Assert.Equal(anon + other, m.Measured.Counts[(int)Counter.PteSets]);
        Assert.Equal(writable, m.Measured.Counts[(int)Counter.PteUpdates]);
    }

    [Fact]
    public void Exit_clears_every_pte_and_frees_every_page_table_and_frame()
    {
        var probe = Run(TestTraces.Started());
        var present = probe.Kernel.Find(1)!.Mm.PresentPtes;
        var tables = probe.Kernel.Find(1)!.Mm.TableCount;
        var events = TestTraces.Started();
        events.Add(TraceEvent.Fork(0, 1, 2));
        events.Add(TraceEvent.Touch(0, 2, TraceBuilder.StackTop, 1, AccessKind.Write));
        events.Add(TraceEvent.Exit(0, 2));
        events.Add(TraceEvent.Wait(0, 1, 2));
        events.Add(TraceEvent.Mark(0, 0, MarkKind.MeasureStart));
        events.Add(TraceEvent.Exit(0, 1));
        var sim = new Simulator(TestProfiles.Config());
        var m = sim.Run(new ListTraceSource("exit", events));
        var mm = sim.Kernel.Find(1)!.Mm;
        Assert.Equal(0, mm.PresentPtes);
        Assert.Equal(0, mm.TableCount);
        Assert.Equal(present, m.Measured.Counts[(int)Counter.PteClears]);
        Assert.Equal(tables + 1, m.Measured.Counts[(int)Counter.PageTablesFreed]); // + the page directory
        Assert.Equal(0, sim.Kernel.Frames.Allocated);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Cow_fault_on_a_shared_page_copies_exactly_one_page(bool inPlace)
    {
        // The copy's PTE write: 2.4's break_cow is establish_pte (set_pte, flush_tlb_page); 2.6 clears and flushes
        // (ptep_clear_flush) before it sets.
        var events = TestTraces.Started();
        events.Add(TraceEvent.Fork(0, 1, 2));
        events.Add(TraceEvent.Mark(0, 0, MarkKind.MeasureStart));
        events.Add(TraceEvent.Touch(0, 2, TraceBuilder.StackTop, 1, AccessKind.Write));
        var sim = new Simulator(TestProfiles.Config(kernel: TestProfiles.Kernel(cowInPlace: inPlace)));
        var m = sim.Run(new ListTraceSource("cow", events));
        Assert.Equal(1, m.Measured.Counts[(int)Counter.PageCopies]);
        Assert.Equal(1, m.Measured.Counts[(int)Counter.FaultsCopyOnWrite]);
        Assert.Equal(1, m.Measured.Counts[(int)Counter.Invlpgs]);
        Assert.Equal(1, m.Measured.Counts[(int)Counter.PteSets]);
        Assert.Equal(inPlace ? 0 : 1, m.Measured.Counts[(int)Counter.PteClears]);
        var vpn = TraceBuilder.StackTop / Page;
        Assert.NotEqual(Pte.FrameOf(sim.Kernel.Find(1)!.Mm.GetPte(vpn)), Pte.FrameOf(sim.Kernel.Find(2)!.Mm.GetPte(vpn)));
        Assert.True(Pte.IsWritable(sim.Kernel.Find(2)!.Mm.GetPte(vpn)));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void With_2_4s_quicklist_a_fork_after_an_exit_reuses_the_freed_page_tables_without_clearing(bool quicklist)
    {
        var events = TestTraces.Started();
        events.Add(TraceEvent.Fork(0, 1, 2));
        events.Add(TraceEvent.Exit(0, 2));
        events.Add(TraceEvent.Wait(0, 1, 2));
        events.Add(TraceEvent.Mark(0, 0, MarkKind.MeasureStart));
        events.Add(TraceEvent.Fork(0, 1, 3));
        var sim = new Simulator(TestProfiles.Config(kernel: TestProfiles.Kernel(pteQuicklist: quicklist)));
        var m = sim.Run(new ListTraceSource("quicklist", events));
        var tables = m.Measured.Counts[(int)Counter.PageTablesAllocated] - 1; // less the page directory
        Assert.True(tables > 0);
        // The page directory is always a cleared page (2.4's get_pgd_slow); the page tables only without the quicklist.
        Assert.Equal(quicklist ? 1 : 1 + tables, m.Measured.Counts[(int)Counter.PageClears]);
    }

    [Theory]
    [InlineData(SyscallEntry.Sysenter)]
    [InlineData(SyscallEntry.Int80)]
    public void A_forked_child_s_first_run_returns_to_user_with_iret_once(SyscallEntry entry)
    {
        // The parent forks, the child runs (a system call and then exit), the parent runs again.
        var events = TestTraces.Started();
        events.Add(TraceEvent.Mark(0, 0, MarkKind.MeasureStart));
        events.Add(TraceEvent.Fork(0, 1, 2));
        events.Add(TraceEvent.Syscall(0, 2, SyscallKind.Null));
        events.Add(TraceEvent.Exit(0, 2));
        events.Add(TraceEvent.Wait(0, 1, 2));
        var m = new Simulator(TestProfiles.Config(kernel: TestProfiles.Kernel(entry))).Run(new ListTraceSource("child", events));
        var irets = m.Measured.HookCalls[(int)HookOp.Iret];
        var sysexits = m.Measured.HookCalls[(int)HookOp.SysExit];
        // fork and wait return to the parent, getppid to the child, each as system calls do; the child's first
        // switch-in adds ret_from_fork's iret, whatever the entry; exit never returns.
        Assert.Equal(entry == SyscallEntry.Sysenter ? 1 : 4, irets);
        Assert.Equal(entry == SyscallEntry.Sysenter ? 3 : 0, sysexits);
        Assert.Equal(2, m.Measured.Counts[(int)Counter.ContextSwitches]);
    }

    [Fact]
    public void Cow_fault_after_the_other_sharer_exits_reuses_the_page_without_copying()
    {
        var events = TestTraces.Started();
        events.Add(TraceEvent.Fork(0, 1, 2));
        events.Add(TraceEvent.Exit(0, 2));
        events.Add(TraceEvent.Mark(0, 0, MarkKind.MeasureStart));
        events.Add(TraceEvent.Touch(0, 1, TraceBuilder.StackTop, 1, AccessKind.Write));
        var m = new Simulator(TestProfiles.Config()).Run(new ListTraceSource("reuse", events));
        Assert.Equal(0, m.Measured.Counts[(int)Counter.PageCopies]);
        Assert.Equal(1, m.Measured.Counts[(int)Counter.FaultsCopyOnWrite]);
    }

    [Fact]
    public void Context_switch_between_address_spaces_loads_cr3_and_refills_the_tlb()
    {
        var events = TestTraces.Started();
        events.Add(TraceEvent.Fork(0, 1, 2));
        events.Add(TraceEvent.Touch(0, 1, TraceBuilder.LibcBase, 4 * Page, AccessKind.Read));
        events.Add(TraceEvent.Touch(0, 2, TraceBuilder.LibcBase, 4 * Page, AccessKind.Read));
        events.Add(TraceEvent.Mark(0, 0, MarkKind.MeasureStart));
        events.Add(TraceEvent.Touch(0, 1, TraceBuilder.LibcBase, 4 * Page, AccessKind.Read));
        events.Add(TraceEvent.Touch(0, 1, TraceBuilder.LibcBase, 4 * Page, AccessKind.Read));
        var m = new Simulator(TestProfiles.Config()).Run(new ListTraceSource("switch", events));
        Assert.Equal(1, m.Measured.Counts[(int)Counter.ContextSwitches]);
        Assert.Equal(1, m.Measured.Counts[(int)Counter.Cr3Loads]);
        // User pages refill once, then hit; the switch also reads the next task's kernel stack (global: a hit).
        Assert.Equal(4, m.Measured.Counts[(int)Counter.TlbMisses] - m.Measured.Counts[(int)Counter.KernelTlbMisses]);
        Assert.Equal(0, m.Measured.Counts[(int)Counter.KernelTlbMisses]);
        Assert.Equal(8 + 1 + 2, m.Measured.Counts[(int)Counter.TlbLookups]); // + the code pages of schedule and switch_to
    }

    [Fact]
    public void Protection_fault_delivers_sigsegv_to_the_handler()
    {
        var events = TestTraces.Started();
        events.Add(TraceEvent.Mmap(0, 1, TraceBuilder.MmapBase, Page, Protection.Read, MapFlags.File | MapFlags.Shared));
        events.Add(TraceEvent.SigInstall(0, 1, 11));
        events.Add(TraceEvent.Mark(0, 0, MarkKind.MeasureStart));
        events.Add(TraceEvent.Touch(0, 1, TraceBuilder.MmapBase, 1, AccessKind.Write));
        var m = new Simulator(TestProfiles.Config()).Run(new ListTraceSource("prot", events));
        Assert.Equal(1, m.Measured.Counts[(int)Counter.FaultsProtection]);
        Assert.Equal(1, m.Measured.Counts[(int)Counter.SignalsDelivered]);
    }

    [Fact]
    public void Segfault_without_a_handler_is_a_clear_error()
    {
        var events = TestTraces.Started();
        events.Add(TraceEvent.Touch(0, 1, 0x1000, 1, AccessKind.Read));
        var ex = Assert.Throws<SimulationException>(() => Run(events));
        Assert.Contains("segmentation fault", ex.Message);
        Assert.Contains("event", ex.Message);
    }

    /// <summary>The started trace, the measure mark, then one event: the simulator after it and what it measured.</summary>
    private static (Simulator Sim, Measurement M) RunMeasured(ResolvedConfig cfg, TraceEvent e)
    {
        var events = TestTraces.Started();
        events.Add(TraceEvent.Mark(0, 0, MarkKind.MeasureStart));
        events.Add(e);
        var sim = new Simulator(cfg);
        return (sim, sim.Run(new ListTraceSource(e.Kind.ToString(), events)));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Exit_flushes_once_in_2_6_and_once_per_vma_and_once_more_in_2_4_and_clears_each_table_s_directory_entry(bool linux24)
    {
        var cfg = TestProfiles.Config(kernel: TestProfiles.Kernel(linux24Teardown: linux24));
        var probe = Run(TestTraces.Started(), cfg);
        var vmas = probe.Kernel.Find(1)!.Mm.Vmas.Count;
        var tables = probe.Kernel.Find(1)!.Mm.TableCount;
        var present = probe.Kernel.Find(1)!.Mm.PresentPtes;
        Assert.True(vmas > 2);
        var (_, m) = RunMeasured(cfg, TraceEvent.Exit(0, 1));
        Assert.Equal(linux24 ? vmas + 1 : 1, m.Measured.Counts[(int)Counter.TlbFlushes]);
        // zap_pte_range clears each present entry; free_pgtables (2.6) or clear_page_tables (2.4) clears each table's PDE.
        Assert.Equal(present, m.Measured.Counts[(int)Counter.PteClears]);
        Assert.Equal(tables, m.Measured.HookCalls[(int)PerfSim.Core.Designs.Hooks.HookOp.SetPmd]);
        Assert.Equal(tables + 1, m.Measured.Counts[(int)Counter.PageTablesFreed]);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Exec_builds_a_new_mm_in_2_6_and_empties_the_old_one_in_place_in_2_4(bool linux24)
    {
        var cfg = TestProfiles.Config(kernel: TestProfiles.Kernel(linux24Teardown: linux24));
        var probe = Run(TestTraces.Started(), cfg);
        var old = probe.Kernel.Find(1)!.Mm;
        var (oldId, vmas, tables) = (old.Id, old.Vmas.Count, old.TableCount);
        var (sim, m) = RunMeasured(cfg, TraceEvent.Exec(0, 1, 4, 2, 1, 1));
        var mm = sim.Kernel.Find(1)!.Mm;
        // 2.4's exec_mmap keeps the mm: no new page directory, no CR3 load, a flush per VMA torn down and one at the end.
        // 2.6 builds a new mm, loads it, and drops the old one with one flush.
        Assert.Equal(linux24, mm.Id == oldId);
        Assert.Equal(linux24 ? 0 : 1, m.Measured.Counts[(int)Counter.Cr3Loads]);
        Assert.Equal(linux24 ? vmas + 1 : 1, m.Measured.Counts[(int)Counter.TlbFlushes]);
        Assert.Equal(tables + (linux24 ? 0 : 1), m.Measured.Counts[(int)Counter.PageTablesFreed]);
        Assert.Equal(mm.TableCount + (linux24 ? 0 : 1), m.Measured.Counts[(int)Counter.PageTablesAllocated]);
        Assert.Equal(4, mm.Vmas.Count); // text, data, bss and stack of the new image, nothing of the old
        Assert.Equal(mm.PresentPtes, sim.Kernel.Frames.Allocated); // every old frame went back
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Munmap_of_several_vmas_flushes_once_in_2_6_and_once_per_vma_in_2_4(bool linux24)
    {
        var cfg = TestProfiles.Config(kernel: TestProfiles.Kernel(linux24Teardown: linux24));
        var events = TestTraces.Started();
        // Three adjacent mappings with different protections stay three VMAs.
        events.Add(TraceEvent.Mmap(0, 1, TraceBuilder.MmapBase, 2 * Page, Protection.Read | Protection.Write, MapFlags.Anonymous));
        events.Add(TraceEvent.Mmap(0, 1, TraceBuilder.MmapBase + 2 * Page, 2 * Page, Protection.Read, MapFlags.Anonymous));
        events.Add(TraceEvent.Mmap(0, 1, TraceBuilder.MmapBase + 4 * Page, 2 * Page, Protection.Read | Protection.Write, MapFlags.Anonymous));
        events.Add(TraceEvent.Touch(0, 1, TraceBuilder.MmapBase, 2 * Page, AccessKind.Write));
        events.Add(TraceEvent.Touch(0, 1, TraceBuilder.MmapBase + 4 * Page, 2 * Page, AccessKind.Write));
        events.Add(TraceEvent.Mark(0, 0, MarkKind.MeasureStart));
        events.Add(TraceEvent.Munmap(0, 1, TraceBuilder.MmapBase, 6 * Page));
        var sim = new Simulator(cfg);
        var m = sim.Run(new ListTraceSource("munmap", events));
        Assert.Equal(4, m.Measured.Counts[(int)Counter.PteClears]);
        Assert.Equal(linux24 ? 3 : 1, m.Measured.Counts[(int)Counter.TlbFlushes]);
    }

    [Fact]
    public void Munmap_clears_the_range_and_frees_empty_page_tables()
    {
        var events = TestTraces.WithWrittenRegion(16);
        events.Add(TraceEvent.Munmap(0, 1, TraceBuilder.MmapBase, 16 * Page));
        var sim = new Simulator(TestProfiles.Config());
        var m = sim.Run(new ListTraceSource("munmap", events));
        Assert.Equal(16, m.Measured.Counts[(int)Counter.PteClears]);
        Assert.Equal(1, m.Measured.Counts[(int)Counter.PageTablesFreed]);
        Assert.Equal(1, m.Measured.Counts[(int)Counter.TlbFlushes]);
        Assert.Null(sim.Kernel.Find(1)!.Mm.FindVma(TraceBuilder.MmapBase / Page));
    }

    [Theory]
    [InlineData(false, 1)]
    [InlineData(false, 2)]
    [InlineData(true, 1)]
    [InlineData(true, 2)]
    public void Zapped_ptes_are_cleared_by_xchg_as_the_kernel_s_gather_does(bool linux24Gather, int cpus)
    {
        var kernel = TestProfiles.Kernel(zapXchgOnlyOnSmp: linux24Gather);
        // munmap: 2.6 clears with ptep_get_and_clear's xchg on any CPU count; 2.4's gather only with several CPUs online.
        var events = TestTraces.WithWrittenRegion(16);
        events.Add(TraceEvent.Munmap(0, 1, TraceBuilder.MmapBase, 16 * Page));
        var m = new Simulator(TestProfiles.Config(cpus, kernel)).Run(new ListTraceSource("munmap", events));
        Assert.Equal(16, m.Measured.Counts[(int)Counter.PteClears]);
        Assert.Equal(!linux24Gather || cpus > 1 ? 16 : 0, m.Measured.Counts[(int)Counter.LockedOps]);

        // exit: 2.6's full teardown clears plainly (ptep_get_and_clear_full); 2.4's gather as for munmap.
        var probe = Run(TestTraces.Started());
        var present = probe.Kernel.Find(1)!.Mm.PresentPtes;
        var exit = TestTraces.Started();
        exit.Add(TraceEvent.Mark(0, 0, MarkKind.MeasureStart));
        exit.Add(TraceEvent.Exit(0, 1));
        var e = new Simulator(TestProfiles.Config(cpus, kernel)).Run(new ListTraceSource("exit", exit));
        Assert.Equal(present, e.Measured.Counts[(int)Counter.PteClears]);
        Assert.Equal(linux24Gather && cpus > 1 ? present : 0, e.Measured.Counts[(int)Counter.LockedOps]);
    }

    [Fact]
    public void Mprotect_splits_the_vma_and_updates_each_present_pte()
    {
        var events = TestTraces.WithWrittenRegion(8);
        events.Add(TraceEvent.Mprotect(0, 1, TraceBuilder.MmapBase + 2 * Page, 3 * Page, Protection.Read));
        var sim = new Simulator(TestProfiles.Config());
        var m = sim.Run(new ListTraceSource("mprotect", events));
        Assert.Equal(3, m.Measured.Counts[(int)Counter.PteUpdates]);
        var mm = sim.Kernel.Find(1)!.Mm;
        Assert.Equal(Protection.Read, mm.FindVma(TraceBuilder.MmapBase / Page + 2)!.Prot);
        Assert.Equal(Protection.Read | Protection.Write, mm.FindVma(TraceBuilder.MmapBase / Page)!.Prot);
        Assert.False(Pte.IsWritable(mm.GetPte(TraceBuilder.MmapBase / Page + 3)));
    }

    [Fact]
    public void On_one_cpu_an_event_of_a_process_still_asleep_is_an_error()
    {
        var events = TestTraces.Started();
        events.Add(TraceEvent.Fork(0, 1, 2));
        events.Add(TraceEvent.Wait(0, 1, 2)); // the child is alive: the parent sleeps
        events.Add(TraceEvent.Syscall(0, 1, SyscallKind.Null)); // ...and nothing woke it
        var e = Assert.Throws<SimulationException>(() => Run(events));
        Assert.Contains("pid 1 waits for child 2", e.Message);
    }

    [Fact]
    public void On_one_cpu_a_wait_before_the_exit_sleeps_until_the_child_exits()
    {
        var events = TestTraces.Started();
        events.Add(TraceEvent.Fork(0, 1, 2));
        events.Add(TraceEvent.Wait(0, 1, 2));
        events.Add(TraceEvent.Exit(0, 2));
        events.Add(TraceEvent.Syscall(0, 1, SyscallKind.Null));
        Run(events); // the exit reaps the child and wakes the parent
    }

    [Fact]
    public void Lazy_fpu_traps_once_per_time_slice_and_is_saved_on_the_switch_away()
    {
        var events = TestTraces.Started();
        events.Add(TraceEvent.Fork(0, 1, 2));
        events.Add(TraceEvent.Mark(0, 0, MarkKind.MeasureStart));
        events.Add(TraceEvent.Compute(0, 1, 100, usesFpu: true));
        events.Add(TraceEvent.Compute(0, 1, 100, usesFpu: true));
        events.Add(TraceEvent.Compute(0, 2, 100));
        events.Add(TraceEvent.Compute(0, 1, 100, usesFpu: true));
        var sim = new Simulator(TestProfiles.Config());
        var m = sim.Run(new ListTraceSource("fpu", events));
        // #NM twice for pid 1 (first use, and again after the switch back); no syscalls in between.
        Assert.Equal(2, m.Measured.Counts[(int)Counter.Traps]);
        Assert.Equal(2, m.Measured.Counts[(int)Counter.ContextSwitches]);
        var machine = TestProfiles.Machine();
        var fpu = 2 * (machine[MachineParam.Clts] + machine[MachineParam.Fxrstor]) + machine[MachineParam.Fxsave]
            + machine[MachineParam.ReadCr0] + machine[MachineParam.WriteCr0];
        var entry = 2 * (machine[MachineParam.TrapEntry] + machine[MachineParam.TrapExit]);
        var switches = 2 * (machine[MachineParam.Store] * 7 + machine[MachineParam.Cli] + machine[MachineParam.Sti]);
        var retFromFork = machine[MachineParam.Cli] + machine[MachineParam.TrapExit]; // pid 2's first run returns to user with iret
        Assert.Equal(fpu + entry + switches + retFromFork + 400, m.Measured.TotalCycles - m.Measured.Cycles[(int)CostCategory.KernelPath]
            - m.Measured.Cycles[(int)CostCategory.KernelCodeMiss] - m.Measured.Cycles[(int)CostCategory.TlbFlush]
            - m.Measured.Cycles[(int)CostCategory.KernelTlbMiss]);
    }

    [Fact]
    public void A_signal_saves_the_fpu_only_while_the_task_holds_it_and_sigreturn_never_reloads_it()
    {
        // 2.4's save_i387 runs unlazy_fpu (FXSAVE, stts) only with PF_USEDFPU set; restore_i387 copies the frame into
        // the task and leaves the reload to the next FP instruction's #NM (docs/research/signal-delivery-2.4.md).
        static long CpuState(bool fpuLive)
        {
            var events = TestTraces.Started();
            events.Add(TraceEvent.SigInstall(0, 1, 10));
            if (fpuLive)
            {
                events.Add(TraceEvent.Compute(0, 1, 100, usesFpu: true));
            }
            events.Add(TraceEvent.Mark(0, 0, MarkKind.MeasureStart));
            events.Add(TraceEvent.SigDeliver(0, 1, 10));
            events.Add(TraceEvent.SigDeliver(0, 1, 10));
            var m = new Simulator(TestProfiles.Config()).Run(new ListTraceSource("sig", events));
            Assert.Equal(2, m.Measured.Counts[(int)Counter.SignalsDelivered]);
            return m.Measured.Cycles[(int)CostCategory.CpuState];
        }
        var machine = TestProfiles.Machine();
        Assert.Equal(0, CpuState(fpuLive: false));
        // Live at the first signal only: one save and one stts; the second finds the FPU given up.
        Assert.Equal(machine[MachineParam.Fxsave] + machine[MachineParam.ReadCr0] + machine[MachineParam.WriteCr0], CpuState(fpuLive: true));
    }

    [Fact]
    public void Kill_with_signal_0_only_probes_and_takes_no_signal_lock()
    {
        // send_sig_info returns for a null signal before spin_lock_irqsave, the sigqueue and the wake-up; lmbench's
        // sig_hndl subtracts exactly that probe (docs/research/signal-delivery-2.4.md section 1).
        static StatsSnapshot Kill(int signal)
        {
            var events = TestTraces.Started();
            events.Add(TraceEvent.SigInstall(0, 1, 10));
            events.Add(TraceEvent.Mark(0, 0, MarkKind.MeasureStart));
            events.Add(TraceEvent.Syscall(0, 1, SyscallKind.Kill, signal));
            return new Simulator(TestProfiles.Config()).Run(new ListTraceSource("kill", events)).Measured;
        }
        var probe = Kill(0);
        var real = Kill(10);
        var kernel = TestProfiles.Kernel();
        Assert.NotEqual(kernel[KernelPath.SysKill], kernel[KernelPath.SysKillProbe]);
        // The kernel paths differ by the two bodies' lengths alone (dispatch is common), at the machine's CPI.
        var perInstruction = (double)(real.Cycles[(int)CostCategory.KernelPath] - probe.Cycles[(int)CostCategory.KernelPath])
            / (kernel[KernelPath.SysKill] - kernel[KernelPath.SysKillProbe]);
        Assert.Equal((double)probe.Cycles[(int)CostCategory.KernelPath] / (kernel[KernelPath.SyscallDispatch] + kernel[KernelPath.SysKillProbe]), perInstruction, 2);
        // The real signal saves the flags and disables interrupts around the siglock and restores them; the probe does none of it.
        Assert.Equal(probe.Counts[(int)Counter.InterruptFlagOps] + 3, real.Counts[(int)Counter.InterruptFlagOps]);
    }

    [Fact]
    public void A_signal_delivery_masks_interrupts_for_the_dequeue_the_handler_mask_and_sigreturns_mask()
    {
        // 2.4: dequeue_signal, handle_signal's blocked update and sys_sigreturn's each run under spin_lock_irq
        // (cli ... sti); sigreturn's exit then disables interrupts for RESTORE_ALL (docs/research/signal-delivery-2.4.md section 1).
        var events = TestTraces.Started();
        events.Add(TraceEvent.SigInstall(0, 1, 10));
        events.Add(TraceEvent.Mark(0, 0, MarkKind.MeasureStart));
        events.Add(TraceEvent.SigDeliver(0, 1, 10));
        var kernel = TestProfiles.Kernel(entry: SyscallEntry.Int80); // 2.4's trap gate: the entry itself leaves the flag alone
        var m = new Simulator(TestProfiles.Config(kernel: kernel)).Run(new ListTraceSource("sig", events));
        Assert.Equal(4, m.Measured.HookCalls[(int)PerfSim.Core.Designs.Hooks.HookOp.IrqDisable]);
        Assert.Equal(3, m.Measured.HookCalls[(int)PerfSim.Core.Designs.Hooks.HookOp.IrqEnable]);
    }

    [Fact]
    public void A_pipe_read_pays_for_sleeping_and_a_pipe_write_for_waking_only_when_they_do()
    {
        // pipe_wait runs only for a read of an empty pipe, try_to_wake_up only for a write that finds a sleeping reader
        // (docs/research/path-counts-2.4-sched-mm.md section 3): lat_ctx's one-process overhead loop does neither.
        const long Pipe = 7;
        static long KernelPathCycles(List<TraceEvent> events, KernelProfile kernel) =>
            new Simulator(TestProfiles.Config(kernel: kernel)).Run(new ListTraceSource("pipe", events)).Measured.Cycles[(int)CostCategory.KernelPath];
        var plain = TestProfiles.Kernel();
        var marked = plain.With(KernelPath.PipeWait, 100_000, "test").With(KernelPath.PipeWake, 1_000_000, "test");
        var cpiMilli = TestProfiles.Machine()[MachineParam.KernelCpi];

        var alone = TestTraces.Started(); // write, then read what was written: nobody sleeps, nobody is woken
        alone.Add(TraceEvent.Mark(0, 0, MarkKind.MeasureStart));
        alone.Add(TraceEvent.Syscall(0, 1, SyscallKind.PipeWrite, 4, Pipe));
        alone.Add(TraceEvent.Syscall(0, 1, SyscallKind.PipeRead, 4, Pipe));
        Assert.Equal(KernelPathCycles(alone, plain), KernelPathCycles(alone, marked));

        var handoff = TestTraces.Started(); // the child reads the empty pipe and sleeps; the parent's write wakes it
        handoff.Add(TraceEvent.Fork(0, 1, 2));
        handoff.Add(TraceEvent.Mark(0, 0, MarkKind.MeasureStart));
        handoff.Add(TraceEvent.Syscall(0, 2, SyscallKind.PipeRead, 4, Pipe));
        handoff.Add(TraceEvent.Syscall(0, 1, SyscallKind.PipeWrite, 4, Pipe));
        var extra = KernelPathCycles(handoff, marked) - KernelPathCycles(handoff, plain);
        Assert.Equal((100_000 - plain[KernelPath.PipeWait] + 1_000_000 - plain[KernelPath.PipeWake]) * cpiMilli / 1000, extra);
    }

    [Fact]
    public void A_cow_fault_pays_the_copy_path_only_when_it_copies_and_a_zap_frees_a_page_only_at_its_last_reference()
    {
        // do_wp_page copies a page still shared and reuses one with a single user (fault_cow_reuse); a zap that drops a
        // page's last reference runs the allocator's free path (page_free_last): docs/research/path-counts-2.4-sched-mm.md
        // sections 6 and 7.
        static long KernelPathCycles(List<TraceEvent> events, KernelProfile kernel) =>
            new Simulator(TestProfiles.Config(kernel: kernel)).Run(new ListTraceSource("cow", events)).Measured.Cycles[(int)CostCategory.KernelPath];
        var plain = TestProfiles.Kernel();
        var marked = plain.With(KernelPath.FaultCopyOnWrite, 10_000_000, "test").With(KernelPath.FaultCowReuse, 1_000_000, "test")
            .With(KernelPath.PageFreeLast, 100_000, "test");
        var cpiMilli = TestProfiles.Machine()[MachineParam.KernelCpi];

        var events = TestTraces.Started();
        events.Add(TraceEvent.Fork(0, 1, 2));
        events.Add(TraceEvent.Mark(0, 0, MarkKind.MeasureStart));
        events.Add(TraceEvent.Touch(0, 2, TraceBuilder.StackTop, 1, AccessKind.Write)); // shared: the child copies it
        events.Add(TraceEvent.Exit(0, 2)); // the copy was the child's alone: freed; the pages it shared are not
        events.Add(TraceEvent.Wait(0, 1, 2));
        events.Add(TraceEvent.Touch(0, 1, TraceBuilder.StackTop, 1, AccessKind.Write)); // now the parent's alone: reused
        var extra = KernelPathCycles(events, marked) - KernelPathCycles(events, plain);
        Assert.Equal((10_000_000 - plain[KernelPath.FaultCopyOnWrite] + 1_000_000 - plain[KernelPath.FaultCowReuse]
            + 100_000 - plain[KernelPath.PageFreeLast]) * cpiMilli / 1000, extra);
    }

    [Fact]
    public void With_tagged_tlbs_a_switch_back_finds_the_previous_entries()
    {
        var events = TestTraces.Started();
        events.Add(TraceEvent.Fork(0, 1, 2));
        events.Add(TraceEvent.Touch(0, 1, TraceBuilder.LibcBase, 4 * Page, AccessKind.Read));
        events.Add(TraceEvent.Touch(0, 2, TraceBuilder.LibcBase, 4 * Page, AccessKind.Read));
        events.Add(TraceEvent.Mark(0, 0, MarkKind.MeasureStart));
        events.Add(TraceEvent.Touch(0, 1, TraceBuilder.LibcBase, 4 * Page, AccessKind.Read));
        var tagged = TestProfiles.Machine().With(MachineParam.TlbAsidTags, 1, "test");
        var m = new Simulator(TestProfiles.Config(machine: tagged)).Run(new ListTraceSource("tagged", events));
        Assert.Equal(1, m.Measured.Counts[(int)Counter.Cr3Loads]);
        Assert.Equal(0, m.Measured.Counts[(int)Counter.TlbMisses]);
    }

    [Fact]
    public void Kernel_pages_that_are_not_global_miss_after_every_address_space_switch()
    {
        var events = TestTraces.Started();
        events.Add(TraceEvent.Fork(0, 1, 2));
        events.Add(TraceEvent.Mark(0, 0, MarkKind.MeasureStart));
        for (var i = 0; i < 10; i++)
        {
            events.Add(TraceEvent.Syscall(0, 1 + (i % 2), SyscallKind.Null));
        }
        var global = new Simulator(TestProfiles.Config()).Run(new ListTraceSource("g", events));
        var kernel = TestProfiles.Kernel();
        var notGlobal = new KernelProfile(kernel.Name, kernel.Description, kernel.Paging, kernel.SyscallEntry, kernel.ForkCopiesFilePtes,
            kernel.ForkWriteProtectsReadOnlyPtes, globalKernelPages: false,
            Enumerable.Range(0, KernelPaths.Count).Select(i => kernel[(KernelPath)i]).ToArray(), Enumerable.Repeat("t", KernelPaths.Count).ToArray());
        var local = new Simulator(TestProfiles.Config(kernel: notGlobal)).Run(new ListTraceSource("l", events));
        // Cold misses only: the child's stack and the code of schedule, switch_to and getppid, each run for the first time.
        Assert.Equal(4, global.Measured.Counts[(int)Counter.KernelTlbMisses]);
        // Every one of the 10 switches flushes the kernel's pages too: the next task's stack and the code of
        // schedule, switch_to, the system-call entry and getppid are refilled, four or five misses a switch.
        Assert.InRange(local.Measured.Counts[(int)Counter.KernelTlbMisses], 40, 50);
        Assert.True(local.Measured.Cycles[(int)CostCategory.KernelTlbMiss] > 0);
    }

    /// <summary>The kernel-path cycles of one measured system call (test machine: one cycle per instruction, path i = 100 + i instructions).</summary>
    private static long KernelPathCycles(SyscallKind kind, long dirEntries, JournalCounts? journal)
    {
        var events = TestTraces.Started();
        events.Add(TraceEvent.Mark(0, 0, MarkKind.MeasureStart));
        events.Add(TraceEvent.Syscall(0, 1, kind, dirEntries: dirEntries));
        var m = new Simulator(TestProfiles.Config(kernel: TestProfiles.Kernel().WithJournal(journal))).Run(new ListTraceSource("fs", events));
        return m.Measured.Cycles[(int)CostCategory.KernelPath];
    }

    private static long Length(KernelPath p) => 100 + (int)p;

    [Fact]
    public void Create_scans_the_directory_twice_unlink_once_and_both_pay_the_journal_the_profile_gives()
    {
        var journal = new JournalCounts(new JournalOp(1, 10, 7, 3), new JournalOp(2, 16, 11, 5), "test");
        long JournalCycles(JournalOp op) => op.Transactions * Length(KernelPath.JournalTransaction) + op.WriteAccess * Length(KernelPath.JournalWriteAccess)
            + op.DirtyMetadata * Length(KernelPath.JournalDirtyMetadata) + op.InodeUpdates * Length(KernelPath.InodeUpdate);
        // Each entry already in the directory: two comparisons for a create (the lookup's miss, the insertion), one for an unlink.
        Assert.Equal(2 * 40 * Length(KernelPath.DirEntryScan), KernelPathCycles(SyscallKind.Create, 40, null) - KernelPathCycles(SyscallKind.Create, 0, null));
        Assert.Equal(40 * Length(KernelPath.DirEntryScan), KernelPathCycles(SyscallKind.Unlink, 40, null) - KernelPathCycles(SyscallKind.Unlink, 0, null));
        // A journaling file system adds exactly its transactions, write accesses, dirty marks and inode fills.
        Assert.Equal(JournalCycles(journal.Create), KernelPathCycles(SyscallKind.Create, 0, journal) - KernelPathCycles(SyscallKind.Create, 0, null));
        Assert.Equal(JournalCycles(journal.Unlink), KernelPathCycles(SyscallKind.Unlink, 0, journal) - KernelPathCycles(SyscallKind.Unlink, 0, null));
        // Other calls are untouched by either.
        Assert.Equal(KernelPathCycles(SyscallKind.Stat, 40, null), KernelPathCycles(SyscallKind.Stat, 40, journal));
    }

    [Fact]
    public void A_create_whose_negative_dentry_is_cached_runs_its_own_path_scans_once_for_the_insertion_and_pays_the_create_journal()
    {
        var journal = new JournalCounts(new JournalOp(1, 10, 7, 3), new JournalOp(2, 16, 11, 5), "test");
        var dispatchAndExit = KernelPathCycles(SyscallKind.Create, 0, null) - Length(KernelPath.SysCreate);
        Assert.Equal(dispatchAndExit + Length(KernelPath.SysCreateCached), KernelPathCycles(SyscallKind.CreateCached, 0, null));
        Assert.Equal(40 * Length(KernelPath.DirInsertScan), KernelPathCycles(SyscallKind.CreateCached, 40, null) - KernelPathCycles(SyscallKind.CreateCached, 0, null));
        Assert.Equal(KernelPathCycles(SyscallKind.Create, 0, journal) - KernelPathCycles(SyscallKind.Create, 0, null),
            KernelPathCycles(SyscallKind.CreateCached, 0, journal) - KernelPathCycles(SyscallKind.CreateCached, 0, null));
    }
}
