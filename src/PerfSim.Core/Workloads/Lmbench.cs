using PerfSim.Core.Kernel;
using PerfSim.Core.Trace;

namespace PerfSim.Core.Workloads;

/// <summary>
/// Generators with lmbench 3's semantics (shared/calibration/lmbench.md): what each benchmark does per
/// iteration, including what lmbench subtracts. Every workload starts one process (pid 1) that execs
/// and faults in its image, runs warm-up iterations, then marks the measured loop.
/// </summary>
public static class Lmbench
{
    private const int Pid = 1;
    private const int Warmup = 3;
    private const int SigUsr1 = 10;
    private const int SigSegv = 11;
    private const long Page = TraceBuilder.PageSize;

    public static IReadOnlyList<Workload> All { get; } = Build();

    public static Workload? Find(string name) => All.FirstOrDefault(w => w.Name == name);

    private static Workload[] Build() =>
    [
        Loop("null-call", "getppid(): one trivial system call.", 1000, (b, o) => b.Syscall(Pid, SyscallKind.Null)),
        new Workload("null-io", "read 1 byte from /dev/zero and write 1 byte to /dev/null; reported as their average.",
            o => Trace(o, 1000, (b, _) =>
            {
                b.Syscall(Pid, SyscallKind.Read, 1);
                b.Iteration();
                b.Syscall(Pid, SyscallKind.Write, 1);
            })),
        Loop("stat", "stat() of an existing empty file.", 500, (b, o) => b.Syscall(Pid, SyscallKind.Stat)),
        Loop("open-close", "open(O_RDONLY) then close() of a file.", 500, (b, o) =>
        {
            b.Syscall(Pid, SyscallKind.Open);
            b.Syscall(Pid, SyscallKind.Close);
        }),
        Loop("sig-install", "sigaction(SIGUSR1) installing a handler.", 1000, (b, o) => b.Add(TraceEvent.SigInstall(b.Cpu, Pid, SigUsr1))),
        new Workload("sig-handle", "kill(getpid(), SIGUSR1): delivery, empty handler and sigreturn, less kill(getpid(), 0).",
            o => Trace(o, 500, (b, _) => KillAndCatch(b), setup: b => b.Add(TraceEvent.SigInstall(b.Cpu, Pid, SigUsr1))),
            o => Trace(o, 500, (b, _) => b.Syscall(Pid, SyscallKind.Kill, 0), setup: b => b.Add(TraceEvent.SigInstall(b.Cpu, Pid, SigUsr1)))),
        new Workload("fork", "fork(); the child exits at once; the parent waits.", o => Trace(o, 40, (b, i) => ForkExit(b, o, 1000 + i, execShape: null))),
        new Workload("exec", "fork(); the child execs /tmp/hello, which writes and exits; the parent waits.",
            o => Trace(o, 30, (b, i) => ForkExit(b, o, 1000 + i, execShape: ProcessShape.Hello))),
        new Workload("sh", "fork(); the child runs /bin/sh -c /tmp/hello (sh starts, then execs hello); the parent waits.",
            o => Trace(o, 20, (b, i) => ForkExit(b, o, 1000 + i, execShape: ProcessShape.Shell, viaShell: true))),
        Ctx(2, 0), Ctx(2, 16), Ctx(2, 64), Ctx(8, 16), Ctx(8, 64), Ctx(16, 16), Ctx(16, 64),
        MmapLatency(),
        ProtFault(),
        PageFault(),
        new Workload("create-0k", "creat() and close() of a new empty file, 100 files per directory (lat_fs): the directory holds 0 to 99 entries.",
            o => Trace(o, 300, (b, i) =>
            {
                b.Syscall(Pid, SyscallKind.Create, dirEntries: i % FilesPerDirectory);
                b.Syscall(Pid, SyscallKind.Close);
            })),
        Loop("delete-0k", "unlink() of an empty file.", 300, (b, o) => b.Syscall(Pid, SyscallKind.Unlink)),
        new Workload("create-10k", "creat(), write 10 KB and close() a new file, 100 files per directory (lat_fs).",
            o => Trace(o, 300, (b, i) =>
            {
                b.Syscall(Pid, SyscallKind.Create, dirEntries: i % FilesPerDirectory);
                b.Syscall(Pid, SyscallKind.Write, 10 * 1024);
                b.Syscall(Pid, SyscallKind.Close);
            })),
        Loop("delete-10k", "unlink() of a 10 KB file.", 300, (b, o) => b.Syscall(Pid, SyscallKind.Unlink, 10 * 1024)),
        new Workload("create-0k-lmbench2", "lmbench 2's lat_fs: creat(), a write() of 0 bytes and close() of a new empty file, 1,000 files in one directory (0 to 999 entries before it), each name's negative dentry left by the previous pass's unlink.",
            o => Trace(o, Lmbench2FilesPerDirectory, (b, i) =>
            {
                b.Syscall(Pid, SyscallKind.CreateCached, dirEntries: i % Lmbench2FilesPerDirectory);
                b.Syscall(Pid, SyscallKind.Write, 0); // lmbench 2's mkfile writes even 0 bytes
                b.Syscall(Pid, SyscallKind.Close);
            })),
        Loop("select-tcp", "select() over 100 descriptors of a connected TCP socket, zero timeout.", 300, (b, o) => b.Syscall(Pid, SyscallKind.Select, 100)),
        // Nanobenchmarks in the style of Adams & Agesen (ASPLOS 2006); meant for --kernel nanokernel.
        Loop("nano-divzero", "A divide error handled by the kernel and returned from (Adams & Agesen's divzero).", 500,
            (b, o) => b.Add(TraceEvent.Exception(b.Cpu, Pid, 0))),
        Loop("nano-in", "An in from port 0x80 executed by the kernel (Adams & Agesen's in).", 500,
            (b, o) => b.Add(TraceEvent.PortIo(b.Cpu, Pid, 0x80))),
        // Adams & Agesen's pgfault ("a true guest page fault") cannot include a traced PTE write: under VT-x
        // their ptemod (12,733 cycles) costs more than pgfault's whole overhead (11,242 - 1,093). So the probe is a
        // fault the guest handler fixes up without touching the tables.
        Loop("nano-pgfault", "A true page fault the kernel fixes up without changing the page tables (Adams & Agesen's pgfault).", 500,
            (b, o) => b.Add(TraceEvent.Exception(b.Cpu, Pid, LinuxKernel.PageFaultVector))),
        NanoPageMap(),
        ThreadedMunmap(),
        ParallelBuild(),
    ];

    /// <summary>
    /// SMP: a process with one thread per CPU. Thread 0 maps, touches and unmaps a page per iteration; the others keep
    /// running in the shared address space (computing and reading a shared buffer), so every munmap's flush_tlb_mm is a
    /// TLB shootdown to all the other CPUs. Per iteration: the mmap, the fault, the munmap and its shootdown.
    /// </summary>
    private static Workload ThreadedMunmap()
    {
        const int iterations = 2000; // long enough to span several hypervisor time slices of a millisecond
        const long shared = TraceBuilder.MmapBase;
        const int sharedPages = 16;
        const long scratch = TraceBuilder.MmapBase + 64 * Page;
        return new Workload("mt-munmap", "One thread per CPU in one address space; thread 0 maps, touches and unmaps a page per iteration while the others run: a TLB shootdown per munmap (SMP).",
            o =>
            {
                var threads = Math.Max(1, o.Cpus);
                return Trace(o, iterations, (b, i) =>
                {
                    for (var t = 1; t < threads; t++)
                    {
                        On(b, CpuOf(o, t), () =>
                        {
                            b.Add(TraceEvent.Compute(b.Cpu, Pid + t, 4000));
                            b.Touch(Pid + t, shared + (i + t) % sharedPages * Page, 1, AccessKind.Read);
                        });
                    }
                    b.Add(TraceEvent.Mmap(b.Cpu, Pid, scratch, Page, Protection.Read | Protection.Write, MapFlags.Anonymous));
                    b.Touch(Pid, scratch, 1, AccessKind.Write);
                    b.Add(TraceEvent.Munmap(b.Cpu, Pid, scratch, Page));
                },
                setup: b =>
                {
                    b.Add(TraceEvent.Mmap(b.Cpu, Pid, shared, sharedPages * Page, Protection.Read | Protection.Write, MapFlags.Anonymous));
                    b.Touch(Pid, shared, sharedPages, AccessKind.Write);
                    for (var t = 1; t < threads; t++)
                    {
                        b.Add(TraceEvent.Fork(b.Cpu, Pid, Pid + t, ForkFlags.Thread));
                        On(b, CpuOf(o, t), () => b.Touch(Pid + t, shared, sharedPages, AccessKind.Read));
                    }
                });
            });
    }

    /// <summary>
    /// SMP: a parallel build (make -jN): one make worker per CPU; per iteration each worker forks a job on its CPU, the
    /// job execs a compiler pass, computes, touches its heap and exits, and the worker waits. Per iteration: one job on
    /// every CPU at once (the wall time of a round).
    /// </summary>
    private static Workload ParallelBuild()
    {
        const int iterations = 10;
        return new Workload("parallel-build", "make -jN: per iteration a fork, exec of a compiler pass, 2 M cycles of work and exit on every CPU at once (SMP; on one CPU, one job).",
            o =>
            {
                var workers = Math.Max(1, o.Cpus);
                var job = 10_000;
                return Trace(o, iterations, (b, i) =>
                {
                    // The other workers' rounds first on their own streams; worker 0's on CPU 0 carries the marks.
                    for (var w = workers - 1; w >= 0; w--)
                    {
                        var worker = w == 0 ? Pid : Pid + w;
                        var child = job++;
                        On(b, CpuOf(o, w), () =>
                        {
                            b.Add(TraceEvent.Fork(b.Cpu, worker, child));
                            b.ExecAndStart(child, ProcessShape.Compiler);
                            b.Add(TraceEvent.Compute(b.Cpu, child, 2_000_000));
                            b.Touch(child, TraceBuilder.HeapBase(ProcessShape.Compiler), ProcessShape.Compiler.HeapPages, AccessKind.Write);
                            b.Add(TraceEvent.Exit(b.Cpu, child));
                            b.Add(TraceEvent.Wait(b.Cpu, worker, child));
                        });
                    }
                },
                setup: b =>
                {
                    for (var w = 1; w < workers; w++)
                    {
                        b.Add(TraceEvent.Fork(b.Cpu, Pid, Pid + w)); // the make workers, one per CPU
                        On(b, CpuOf(o, w), () => b.Touch(Pid + w, TraceBuilder.StackTop, 1, AccessKind.Write));
                    }
                });
            });
    }

    /// <summary>A demand fault per iteration: a read of a fresh page of an anonymous mapping (mapped to the zero page, no clearing).</summary>
    private static Workload NanoPageMap()
    {
        const int iterations = 500;
        const long pages = iterations + Warmup;
        return new Workload("nano-pgmap", "A read of a fresh anonymous page: one demand fault that maps the zero page (a PTE write the hypervisor must see).",
            o => Trace(o, iterations, (b, i) => b.Touch(Pid, TraceBuilder.MmapBase + i * Page, 1, AccessKind.Read),
                setup: b => b.Add(TraceEvent.Mmap(b.Cpu, Pid, TraceBuilder.MmapBase, pages * Page, Protection.Read, MapFlags.Anonymous))));
    }

    /// <summary>
    /// lmbench 3's lat_fs puts 100 files in each directory (its -n default), in a fresh directory tree every timing
    /// interval, and unlinks them in the order it created them: a create finds 0 to 99 entries before it, an unlink's
    /// file is always the first live entry (the freed ones are merged into the entry before them).
    /// </summary>
    private const int FilesPerDirectory = 100;

    /// <summary>
    /// lmbench 2's lat_fs (SCCS 1.11, 1997) creates 1,000 files named "a" to "all" in the current directory, then unlinks
    /// them in the same order, and repeats both loops for 5 s keeping the fastest pass: a create finds 0 to 999 entries
    /// before it, and from the second pass on its name's negative dentry (left by the unlink) answers the lookup, so only
    /// the insertion scans the directory. An unlink's file is the first live entry, as in lmbench 3: its delete is the
    /// same workload as delete-0k.
    /// </summary>
    private const int Lmbench2FilesPerDirectory = 1000;

    private static Workload Loop(string name, string description, int iterations, Action<TraceBuilder, WorkloadOptions> body) =>
        new(name, description, o => Trace(o, iterations, (b, _) => body(b, o)));

    /// <summary>Start-up, warm-up iterations, the measure mark, then the measured iterations.</summary>
    private static IReadOnlyList<TraceEvent> Trace(WorkloadOptions o, int iterations, Action<TraceBuilder, int> body, Action<TraceBuilder>? setup = null)
    {
        var b = new TraceBuilder();
        b.ExecAndStart(Pid, o.Shape);
        if (o.Shape.DebugRegisters != 0)
        {
            b.Add(TraceEvent.DebugRegs(b.Cpu, Pid, set: true)); // after the exec, which would clear them
        }
        setup?.Invoke(b);
        var n = iterations * Math.Max(1, o.IterationScale);
        for (var i = 0; i < Warmup + n; i++)
        {
            if (i == Warmup)
            {
                b.MeasureStart();
            }
            body(b, i);
            b.Iteration();
        }
        return b.Events;
    }

    private static void KillAndCatch(TraceBuilder b)
    {
        b.Syscall(Pid, SyscallKind.Kill, SigUsr1);
        b.Add(TraceEvent.SigDeliver(b.Cpu, Pid, SigUsr1));
    }

    /// <summary>
    /// lat_proc: fork; the parent returns (2.4 keeps running the parent), dirtying pages, and blocks in waitpid;
    /// the child runs its return path (optionally exec'ing a program) and exits; the parent reaps it.
    /// </summary>
    private static void ForkExit(TraceBuilder b, WorkloadOptions o, int child, ProcessShape? execShape, bool viaShell = false)
    {
        if (o.ChildRunsFirst)
        {
            ForkChildFirst(b, o, child, execShape, viaShell);
            return;
        }
        var s = o.Shape;
        b.Add(TraceEvent.Fork(b.Cpu, Pid, child));
        foreach (var page in TraceBuilder.ParentWriteOrder(s).Take(s.ParentWrittenPages))
        {
            b.Touch(Pid, page, 1, AccessKind.Write);
        }
        // 2.4: the parent goes on; with several CPUs the child runs on an idle one (reschedule_idle), and the parent
        // sleeps in waitpid until the child's exit wakes it.
        On(b, CpuOf(o, 1), () => ChildRuns(b, s, child, execShape, viaShell));
        b.Add(TraceEvent.Wait(b.Cpu, Pid, child));
    }

    /// <summary>2.6: the child runs first on the parent's CPU; an exec moves it to an idle CPU (sched_exec); the parent then dirties its pages and waits.</summary>
    private static void ForkChildFirst(TraceBuilder b, WorkloadOptions o, int child, ProcessShape? execShape, bool viaShell)
    {
        var s = o.Shape;
        b.Add(TraceEvent.Fork(b.Cpu, Pid, child));
        ChildRuns(b, s, child, execShape, viaShell, execCpu: CpuOf(o, 1));
        foreach (var page in TraceBuilder.ParentWriteOrder(s).Take(s.ParentWrittenPages))
        {
            b.Touch(Pid, page, 1, AccessKind.Write);
        }
        b.Add(TraceEvent.Wait(b.Cpu, Pid, child));
    }

    /// <summary>The CPU the i-th generated process runs on.</summary>
    private static int CpuOf(WorkloadOptions o, int index) => index % Math.Max(1, o.Cpus);

    /// <summary>Emits events on another CPU's stream.</summary>
    private static void On(TraceBuilder b, int cpu, Action emit)
    {
        var was = b.Cpu;
        b.Cpu = cpu;
        emit();
        b.Cpu = was;
    }

    /// <param name="execCpu">With 2.6's sched_exec, the CPU an exec moves the child to (its exec and everything after run there).</param>
    private static void ChildRuns(TraceBuilder b, ProcessShape s, int child, ProcessShape? execShape, bool viaShell, int? execCpu = null)
    {
        b.Touch(child, TraceBuilder.LibcBase, s.ChildCodePages - s.TextPages / 2, AccessKind.Execute);
        b.Touch(child, TraceBuilder.TextBase, s.TextPages / 2, AccessKind.Execute);
        foreach (var page in TraceBuilder.ChildWriteOrder(s).Take(s.ChildWrittenPages))
        {
            b.Touch(child, page, 1, AccessKind.Write);
        }
        if (execShape is null)
        {
            b.Add(TraceEvent.Exit(b.Cpu, child));
            return;
        }
        On(b, execCpu ?? b.Cpu, () =>
        {
            if (viaShell)
            {
                b.ExecAndStart(child, execShape);
                b.Syscall(child, SyscallKind.Stat); // sh looks the command up
            }
            b.ExecAndStart(child, viaShell ? ProcessShape.Hello : execShape);
            b.Syscall(child, SyscallKind.Write, 12); // fails with EBADF: fd 1 is closed
            b.Add(TraceEvent.Exit(b.Cpu, child));
        });
    }

    /// <summary>
    /// lat_ctx -s K N: N processes in a ring of pipes, each summing its own K KB array per hop. Reported per
    /// switch, less the same pipe and array work in one process (lmbench's overhead loop).
    /// </summary>
    private static Workload Ctx(int processes, int kb)
    {
        var name = $"ctx-{processes}p-{kb}k";
        var arrayPages = (kb * 1024L + Page - 1) / Page;
        var array = TraceBuilder.MmapBase;
        // The ring: process i writes pipe i + 1 and reads pipe i (pipe 1 is read by the last process...); named so that
        // a read with nothing in its pipe sleeps until the previous process writes.
        long WritePipe(int i, int count) => i + 1;
        long ReadPipe(int i, int count) => (i + count - 1) % count + 1;
        void Hop(TraceBuilder b, WorkloadOptions o, int i, int count) => On(b, CpuOf(o, i), () =>
        {
            var pid = Pid + i;
            b.Touch(pid, TraceBuilder.TextBase, 1, AccessKind.Execute);
            b.Touch(pid, TraceBuilder.LibcBase, 1, AccessKind.Execute);
            b.Touch(pid, TraceBuilder.StackTop, 1, AccessKind.Write);
            if (arrayPages > 0)
            {
                b.Touch(pid, array, arrayPages, AccessKind.Read);
            }
            b.Add(TraceEvent.Syscall(b.Cpu, pid, SyscallKind.PipeWrite, 4, WritePipe(i, count)));
            b.Add(TraceEvent.Syscall(b.Cpu, pid, SyscallKind.PipeRead, 4, ReadPipe(i, count)));
        });
        void Setup(TraceBuilder b, WorkloadOptions o, int count)
        {
            for (var p = 0; p < count; p++)
            {
                b.Syscall(Pid, SyscallKind.Other); // pipe()
            }
            for (var c = 1; c < count; c++)
            {
                b.Add(TraceEvent.Fork(b.Cpu, Pid, Pid + c));
            }
            for (var p = 0; p < count; p++)
            {
                On(b, CpuOf(o, p), () =>
                {
                    if (arrayPages > 0)
                    {
                        b.Add(TraceEvent.Mmap(b.Cpu, Pid + p, array, arrayPages * Page, Protection.Read | Protection.Write, MapFlags.Anonymous));
                        b.Touch(Pid + p, array, arrayPages, AccessKind.Write);
                    }
                    b.Touch(Pid + p, TraceBuilder.StackTop, 1, AccessKind.Write);
                    if (p > 0)
                    {
                        b.Add(TraceEvent.Syscall(b.Cpu, Pid + p, SyscallKind.PipeRead, 4, ReadPipe(p, count))); // the children wait for the token
                    }
                });
            }
        }
        return new Workload(
            name,
            $"lat_ctx -s {kb} {processes}: a token passed around {processes} processes through pipes, each reading its {kb} KB array; per switch, less the single-process overhead.",
            o => Trace(o, 100, (b, i) => Hop(b, o, i % processes, processes), setup: b => Setup(b, o, processes)),
            o => Trace(o, 100, (b, i) => Hop(b, o, 0, 1), setup: b => Setup(b, o, 1)));
    }

    /// <summary>lat_mmap: map a file shared, store a byte every 16 KB over the first tenth, unmap.</summary>
    private static Workload MmapLatency()
    {
        const long size = 8L * 1024 * 1024;
        return new Workload("mmap", "mmap an 8 MB file shared read-write, store one byte every 16 KB over its first 800 KB, munmap.",
            o => Trace(o, 50, (b, _) =>
            {
                b.Add(TraceEvent.Mmap(b.Cpu, Pid, TraceBuilder.MmapBase, size, Protection.Read | Protection.Write, MapFlags.File | MapFlags.Shared));
                b.TouchStrided(Pid, TraceBuilder.MmapBase, size / 10 / Page, 4, AccessKind.Write);
                b.Add(TraceEvent.Munmap(b.Cpu, Pid, TraceBuilder.MmapBase, size));
            }));
    }

    /// <summary>lat_sig prot: a store to a read-only shared file page raises SIGSEGV; less a plain signal catch.</summary>
    private static Workload ProtFault()
    {
        void Setup(TraceBuilder b)
        {
            b.Add(TraceEvent.Mmap(b.Cpu, Pid, TraceBuilder.MmapBase, Page, Protection.Read, MapFlags.File | MapFlags.Shared));
            b.Touch(Pid, TraceBuilder.MmapBase, 1, AccessKind.Read);
            b.Add(TraceEvent.SigInstall(b.Cpu, Pid, SigSegv));
            b.Add(TraceEvent.SigInstall(b.Cpu, Pid, SigUsr1));
        }
        return new Workload("prot-fault", "Store to a read-only shared mapping: protection fault, SIGSEGV to a handler that returns; less the signal-catch figure (catch loop less send loop).",
            o => Trace(o, 500, (b, _) => b.Touch(Pid, TraceBuilder.MmapBase, 1, AccessKind.Write), setup: Setup),
            [
                new Baseline(o => Trace(o, 500, (b, _) => KillAndCatch(b), setup: Setup), 1),
                new Baseline(o => Trace(o, 500, (b, _) => b.Syscall(Pid, SyscallKind.Kill, 0), setup: Setup), -1),
            ]);
    }

    /// <summary>lat_pagefault (3.0-a9): map a cached file, read one byte of every page in random order; per page, less the map/msync/unmap loop.</summary>
    private static Workload PageFault()
    {
        const long pages = 512;
        void Pass(TraceBuilder b, WorkloadOptions o, int pass, bool touch)
        {
            b.Add(TraceEvent.Mmap(b.Cpu, Pid, TraceBuilder.MmapBase, pages * Page, Protection.Read, MapFlags.File | MapFlags.Shared));
            b.Syscall(Pid, SyscallKind.Msync);
            var order = new long[pages];
            for (var i = 0; i < pages; i++)
            {
                order[i] = i;
            }
            new Simulation.SplitMix64(o.Seed + (ulong)pass).Shuffle(order);
            for (var i = 0; i < pages; i++)
            {
                if (touch)
                {
                    b.Touch(Pid, TraceBuilder.MmapBase + order[i] * Page, 1, AccessKind.Read);
                }
                if (i < pages - 1)
                {
                    b.Iteration();
                }
            }
            b.Add(TraceEvent.Munmap(b.Cpu, Pid, TraceBuilder.MmapBase, pages * Page));
        }
        return new Workload("page-fault", "Read one byte of every page of a mapped 2 MB cached file in random order; per page fault, less the mmap/msync/munmap loop.",
            o => Trace(o, 4, (b, i) => Pass(b, o, i, touch: true)),
            o => Trace(o, 4, (b, i) => Pass(b, o, i, touch: false)));
    }
}
