using PerfSim.Core.Machine;

namespace PerfSim.Core.Kernel;

/// <summary>A frozen guest-kernel profile: version behaviour knobs and a length for every <see cref="KernelPath"/>.</summary>
public sealed class KernelProfile
{
    private readonly long[] _pathInstructions;
    private readonly string[] _sources;

    public KernelProfile(
        string name,
        string description,
        PagingMode paging,
        SyscallEntry syscallEntry,
        bool forkCopiesFilePtes,
        bool forkWriteProtectsReadOnlyPtes,
        bool globalKernelPages,
        IReadOnlyList<long> pathInstructions,
        IReadOnlyList<string> sources)
    {
        if (pathInstructions.Count != KernelPaths.Count || sources.Count != KernelPaths.Count)
        {
            throw new ArgumentException($"A kernel profile needs exactly {KernelPaths.Count} path lengths and sources.");
        }
        Name = name;
        Description = description;
        Paging = paging;
        SyscallEntry = syscallEntry;
        ForkCopiesFilePtes = forkCopiesFilePtes;
        ForkWriteProtectsReadOnlyPtes = forkWriteProtectsReadOnlyPtes;
        GlobalKernelPages = globalKernelPages;
        _pathInstructions = pathInstructions.ToArray();
        _sources = sources.ToArray();
    }

    public string Name { get; }
    public string Description { get; }
    public PagingMode Paging { get; }
    public SyscallEntry SyscallEntry { get; }

    /// <summary>Linux 2.4 copies the PTEs of every VMA at fork; 2.6 skips VMAs with no anon_vma (refilled by faults).</summary>
    public bool ForkCopiesFilePtes { get; }

    /// <summary>2.6.20 write-protects every COW PTE at fork, even ones already read-only; later kernels skip those.</summary>
    public bool ForkWriteProtectsReadOnlyPtes { get; }

    /// <summary>Kernel mappings are marked global (PGE) so they survive CR3 loads.</summary>
    public bool GlobalKernelPages { get; }

    public long this[KernelPath p] => _pathInstructions[(int)p];

    /// <summary>
    /// Per path, the lock-prefixed operations an SMP build adds (spin locks, atomics, bit operations, barriers that
    /// are plain on UP), indexed by <see cref="KernelPath"/>; null for a profile that describes a UP build only.
    /// </summary>
    public IReadOnlyList<long>? SmpLockedOps { get; init; }

    /// <summary>Where each <see cref="SmpLockedOps"/> count comes from.</summary>
    public IReadOnlyList<string>? SmpLockedOpSources { get; init; }

    /// <summary>
    /// Per <see cref="SharedStep"/> the cache lines of a shared kernel object the step touches, then the per-CPU-runqueue
    /// flag (indexed by <see cref="SharedSteps.Defs"/>); null when the profile does not describe them (then moving them
    /// between CPUs costs nothing).
    /// </summary>
    public IReadOnlyList<long>? SmpCoherence { get; init; }

    public IReadOnlyList<string>? SmpCoherenceSources { get; init; }

    /// <summary>
    /// After fork the child runs first, on the parent's CPU (2.6's wake_up_new_task; 2.4 keeps running the parent and
    /// places the child on an idle CPU). With several CPUs an exec then moves the child to an idle CPU (sched_exec).
    /// </summary>
    public bool ForkChildRunsFirst { get; init; }

    public string SourceOf(KernelPath p) => _sources[(int)p];

    public KernelProfile With(KernelPath p, long instructions, string source)
    {
        var v = (long[])_pathInstructions.Clone();
        var s = (string[])_sources.Clone();
        v[(int)p] = instructions;
        s[(int)p] = source;
        return new KernelProfile(Name, Description, Paging, SyscallEntry, ForkCopiesFilePtes, ForkWriteProtectsReadOnlyPtes, GlobalKernelPages, v, s)
        {
            SmpLockedOps = SmpLockedOps,
            SmpLockedOpSources = SmpLockedOpSources,
            SmpCoherence = SmpCoherence,
            SmpCoherenceSources = SmpCoherenceSources,
            ForkChildRunsFirst = ForkChildRunsFirst,
        };
    }

    /// <summary>Entries per page-table page.</summary>
    public int EntriesPerTable => Paging == PagingMode.I386 ? 1024 : 512;

    /// <summary>Page-table entries read by one page walk.</summary>
    public int WalkLevels => Paging == PagingMode.X86_64 ? 4 : 2;
}
