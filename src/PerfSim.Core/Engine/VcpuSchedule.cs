namespace PerfSim.Core.Engine;

/// <summary>
/// A hypervisor's round-robin schedule of V vCPUs on P physical CPUs: vCPU v is pinned to pCPU v mod P and the vCPUs
/// of one pCPU take turns of one time slice each, in vCPU order, from cycle 0. With P = V every vCPU always runs.
/// Pure function of time, so runs stay deterministic.
/// </summary>
public sealed class VcpuSchedule
{
    private readonly int _pcpus;
    private readonly long _slice;
    private readonly int[] _turn;   // position of each vCPU among its pCPU's vCPUs
    private readonly int[] _sharing; // vCPUs on each vCPU's pCPU

    public VcpuSchedule(int vcpus, int pcpus, long timesliceCycles)
    {
        if (pcpus < 1 || pcpus > vcpus)
        {
            throw new ArgumentOutOfRangeException(nameof(pcpus), pcpus, $"physical CPUs must be 1..{vcpus}");
        }
        if (timesliceCycles < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(timesliceCycles), timesliceCycles, "the time slice must be at least one cycle");
        }
        _pcpus = pcpus;
        _slice = timesliceCycles;
        _turn = new int[vcpus];
        _sharing = new int[vcpus];
        for (var v = 0; v < vcpus; v++)
        {
            _turn[v] = v / pcpus;
            _sharing[v] = (vcpus - 1 - v % pcpus) / pcpus + 1;
        }
    }

    /// <summary>Every vCPU has a physical CPU of its own.</summary>
    public bool Dedicated => _sharing.All(s => s == 1);

    public bool IsRunning(int vcpu, long cycle) => _sharing[vcpu] == 1 || (cycle / _slice) % _sharing[vcpu] == _turn[vcpu];

    /// <summary>The first cycle at or after <paramref name="cycle"/> at which the vCPU runs.</summary>
    public long NextRun(int vcpu, long cycle)
    {
        if (IsRunning(vcpu, cycle))
        {
            return cycle;
        }
        var m = _sharing[vcpu];
        var slice = cycle / _slice;
        var ahead = ((_turn[vcpu] - slice % m) % m + m) % m;
        return (slice + ahead) * _slice;
    }
}
