using PerfSim.Core.Machine;
using PerfSim.Core.Simulation;

namespace PerfSim.Tests.Core;

public sealed class TlbTests
{
    /// <summary>A naive oracle: per set, a list in LRU order.</summary>
    private sealed class NaiveTlb(int entries, int ways)
    {
        private readonly List<long>[] _sets = Enumerable.Range(0, entries / ways).Select(_ => new List<long>()).ToArray();

        private List<long> Set(long vpn) => _sets[(int)((ulong)vpn % (ulong)_sets.Length)];

        public bool Lookup(long vpn)
        {
            var s = Set(vpn);
            if (!s.Remove(vpn))
            {
                return false;
            }
            s.Add(vpn);
            return true;
        }

        public void Insert(long vpn)
        {
            var s = Set(vpn);
            s.Remove(vpn);
            if (s.Count == ways)
            {
                s.RemoveAt(0);
            }
            s.Add(vpn);
        }

        public void Invalidate(long vpn) => Set(vpn).Remove(vpn);
    }

    [Theory]
    [InlineData(64, 64)]
    [InlineData(64, 4)]
    [InlineData(512, 4)]
    [InlineData(8, 1)]
    public void Agrees_with_a_naive_lru_model_on_a_random_stream(int entries, int ways)
    {
        var tlb = new Tlb(entries, ways);
        var oracle = new NaiveTlb(entries, ways);
        var rng = new SplitMix64(7);
        for (var i = 0; i < 50_000; i++)
        {
            var vpn = rng.NextBelow(entries * 3);
            if (rng.NextBelow(20) == 0)
            {
                tlb.Invalidate(vpn);
                oracle.Invalidate(vpn);
                continue;
            }
            var hit = tlb.Lookup(vpn);
            Assert.Equal(oracle.Lookup(vpn), hit);
            if (!hit)
            {
                tlb.Insert(vpn);
                oracle.Insert(vpn);
            }
        }
    }

    [Fact]
    public void Cr3_flush_keeps_only_global_entries()
    {
        var tlb = new Tlb(16, 16);
        tlb.Insert(1, global: true);
        tlb.Insert(2);
        tlb.Insert(3);
        tlb.FlushNonGlobal();
        Assert.True(tlb.Contains(1));
        Assert.False(tlb.Contains(2));
        Assert.Equal(1, tlb.Occupancy());
    }
}
