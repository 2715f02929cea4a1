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

    [Fact]
    public void A_flush_follows_an_entry_whose_global_flag_changed()
    {
        // The flush stops once no non-global entry is left, so the count of those must follow every change of flag:
        // a tag re-inserted with the other flag, and an eviction that puts one kind of entry where the other was.
        var tlb = new Tlb(4, 2); // 2 sets of 2 ways: even tags share set 0
        tlb.Insert(7, global: true);
        tlb.Insert(7); // now non-global
        tlb.FlushNonGlobal();
        Assert.False(tlb.Contains(7));

        tlb.Insert(5);
        tlb.Insert(5, global: true); // now global
        tlb.FlushNonGlobal();
        Assert.True(tlb.Contains(5));

        tlb.Insert(2, global: true);
        tlb.Insert(4, global: true);
        tlb.Insert(6); // evicts 2, a global entry, for a non-global one
        tlb.FlushNonGlobal();
        Assert.False(tlb.Contains(6));

        tlb.Insert(8);
        tlb.Insert(10, global: true); // evicts 4, global, for a global one
        tlb.Insert(12); // evicts 8, non-global, for a non-global entry
        tlb.FlushNonGlobal();
        Assert.False(tlb.Contains(12));
        Assert.Equal(new long[] { 5, 10 }, tlb.ValidEntries().Select(e => e.Tag).Order());
    }
}

public sealed class TlbOracleTests
{
    /// <summary>An independent oracle: per set, a dictionary from tag to (last use, global).</summary>
    private sealed class DictionaryTlb(int entries, int ways)
    {
        private readonly Dictionary<long, (long Stamp, bool Global)>[] _sets =
            Enumerable.Range(0, entries / ways).Select(_ => new Dictionary<long, (long, bool)>()).ToArray();
        private long _clock;

        private Dictionary<long, (long Stamp, bool Global)> Set(long tag) => _sets[(int)((ulong)tag % (ulong)_sets.Length)];

        public bool Lookup(long tag)
        {
            var s = Set(tag);
            if (!s.TryGetValue(tag, out var e))
            {
                return false;
            }
            s[tag] = (++_clock, e.Global);
            return true;
        }

        public void Insert(long tag, bool global)
        {
            var s = Set(tag);
            if (!s.ContainsKey(tag) && s.Count == ways)
            {
                s.Remove(s.MinBy(kv => kv.Value.Stamp).Key);
            }
            s[tag] = (++_clock, global);
        }

        public void Invalidate(long tag) => Set(tag).Remove(tag);

        public void FlushNonGlobal()
        {
            foreach (var s in _sets)
            {
                foreach (var k in s.Where(kv => !kv.Value.Global).Select(kv => kv.Key).ToList())
                {
                    s.Remove(k);
                }
            }
        }

        public void FlushTagged(long asid, int shift)
        {
            foreach (var s in _sets)
            {
                foreach (var k in s.Where(kv => !kv.Value.Global && kv.Key >> shift == asid).Select(kv => kv.Key).ToList())
                {
                    s.Remove(k);
                }
            }
        }
    }

    [Theory]
    [InlineData(64, 64, 1)]
    [InlineData(64, 4, 2)]
    [InlineData(512, 4, 3)]
    [InlineData(1536, 6, 4)]
    public void Hit_and_miss_sequence_matches_a_dictionary_oracle_through_lookups_flushes_and_invlpgs(int entries, int ways, ulong seed)
    {
        const int shift = 36;
        var tlb = new Tlb(entries, ways);
        var oracle = new DictionaryTlb(entries, ways);
        var rng = new SplitMix64(seed);
        var hits = 0;
        for (var i = 0; i < 60_000; i++)
        {
            var asid = rng.NextBelow(3);
            var vpn = rng.NextBelow(entries * 2);
            var global = vpn % 17 == 0;
            var tag = global ? vpn : (asid << shift) | vpn;
            switch (rng.NextBelow(100))
            {
                case 0:
                    tlb.FlushNonGlobal();
                    oracle.FlushNonGlobal();
                    break;
                case 1:
                    tlb.FlushTagged(asid, shift);
                    oracle.FlushTagged(asid, shift);
                    break;
                case < 8:
                    tlb.Invalidate(tag);
                    oracle.Invalidate(tag);
                    break;
                default:
                    var hit = tlb.Lookup(tag);
                    Assert.Equal(oracle.Lookup(tag), hit);
                    if (hit)
                    {
                        hits++;
                    }
                    else
                    {
                        tlb.Insert(tag, global);
                        oracle.Insert(tag, global);
                    }
                    break;
            }
        }
        Assert.InRange(hits, 1000, 59_000); // the stream exercises both outcomes
    }
}

public sealed class PageWalkerTests
{
    [Theory]
    [InlineData(2, 0, 2)]
    [InlineData(4, 0, 4)]
    [InlineData(4, 4, 24)]
    [InlineData(2, 4, 14)]
    public void A_walk_reads_g_entries_natively_and_g_plus_1_times_h_plus_1_minus_1_nested(int g, int h, int refs) =>
        Assert.Equal(refs, PageWalker.References(g, h));

    [Fact]
    public void Paging_structure_caches_spare_non_leaf_references_only()
    {
        Assert.Equal(24, new PageWalker(10, 0).EffectiveReferences(4, 4));
        Assert.Equal(1, new PageWalker(10, 1000).EffectiveReferences(4, 4));
        Assert.Equal(13, new PageWalker(10, 500).EffectiveReferences(4, 4)); // 1 + 23/2 rounded half up
        Assert.Equal(130, new PageWalker(10, 500).Cycles(4, 4));
    }
}
