namespace PerfSim.Core.Machine;

/// <summary>One CPU: its clock and its TLBs.</summary>
public sealed class Cpu
{
    public Cpu(int id, MachineProfile m, IReadOnlyList<long> kernelPathSizes)
    {
        Id = id;
        CodeCache = new KernelCodeCache(m[MachineParam.KernelCodeCache], kernelPathSizes);
        Dtlb = new Tlb((int)m[MachineParam.DtlbEntries], (int)m[MachineParam.DtlbWays]);
        Itlb = new Tlb((int)m[MachineParam.ItlbEntries], (int)m[MachineParam.ItlbWays]);
        Stlb = m[MachineParam.StlbEntries] > 0 ? new Tlb((int)m[MachineParam.StlbEntries], (int)m[MachineParam.StlbWays]) : null;
    }

    public int Id { get; }

    /// <summary>This CPU's local time in cycles.</summary>
    public long Clock { get; set; }

    public Tlb Dtlb { get; }
    public Tlb Itlb { get; }
    public Tlb? Stlb { get; }

    /// <summary>Which kernel paths' code this CPU's instruction cache holds.</summary>
    public KernelCodeCache CodeCache { get; }

    public void FlushNonGlobal()
    {
        Dtlb.FlushNonGlobal();
        Itlb.FlushNonGlobal();
        Stlb?.FlushNonGlobal();
    }

    public void FlushTagged(long asid, int shift)
    {
        Dtlb.FlushTagged(asid, shift);
        Itlb.FlushTagged(asid, shift);
        Stlb?.FlushTagged(asid, shift);
    }

    public void Invalidate(long vpn)
    {
        Dtlb.Invalidate(vpn);
        Itlb.Invalidate(vpn);
        Stlb?.Invalidate(vpn);
    }
}
