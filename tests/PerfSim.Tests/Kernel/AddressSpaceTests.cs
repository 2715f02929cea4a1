using PerfSim.Core.Designs;
using PerfSim.Core.Kernel;
using PerfSim.Core.Simulation;

namespace PerfSim.Tests.Kernel;

/// <summary>The page-table walks' skip of absent entries and the PTE-queue filter answer what a plain scan does.</summary>
public sealed class AddressSpaceTests
{
    [Theory]
    [InlineData(1024, 1UL)]
    [InlineData(512, 2UL)]
    public void NextPresent_visits_exactly_the_present_entries_a_scan_finds_in_any_range(int entriesPerTable, ulong seed)
    {
        var mm = new AddressSpace(7, entriesPerTable);
        var rng = new SplitMix64(seed);
        const long span = 5000; // about five tables, some never created
        for (var round = 0; round < 4000; round++)
        {
            var vpn = (long)rng.NextBelow(span);
            var t = mm.TableIndexOf(vpn);
            if (t % 3 == 2)
            {
                continue; // every third table never exists
            }
            if (!mm.HasTable(t))
            {
                mm.AddTable(t);
            }
            // Present entries, absent zeros and absent non-zero entries (the walk must test presence, not zero).
            mm.SetPte(vpn, rng.NextBelow(3) switch { 0 => 0u, 1 => 0x1000u, _ => 0x1000u | Pte.Present });
            if (round % 200 != 0)
            {
                continue;
            }
            for (var probe = 0; probe < 20; probe++)
            {
                var from = (long)rng.NextBelow(span);
                var to = from + (long)rng.NextBelow(3000);
                var expected = new List<long>();
                for (var v = from; v < to; v++)
                {
                    if (Pte.IsPresent(mm.GetPte(v)))
                    {
                        expected.Add(v);
                    }
                }
                var walked = new List<long>();
                for (var v = mm.NextPresent(from, to); v >= 0; v = mm.NextPresent(v + 1, to))
                {
                    walked.Add(v);
                }
                Assert.Equal(expected, walked);
            }
        }
        Assert.True(mm.PresentPtes > 100);
    }

    [Fact]
    public void Freeing_a_table_with_present_entries_is_still_refused()
    {
        var mm = new AddressSpace(1, 1024);
        mm.AddTable(0);
        mm.SetPte(5, Pte.Present);
        Assert.False(mm.TableIsEmpty(0));
        Assert.Throws<InvalidOperationException>(() => mm.RemoveTable(0));
        mm.SetPte(5, 0);
        Assert.True(mm.TableIsEmpty(0));
        mm.RemoveTable(0);
        Assert.False(mm.HasTable(0));
    }

    [Theory]
    [InlineData(1024)]
    [InlineData(512)]
    public void A_pooled_page_table_comes_back_to_another_address_space_as_new(int entriesPerTable)
    {
        var pool = new PageTablePool(entriesPerTable);
        var rng = new SplitMix64(11);
        var live = new List<AddressSpace>();
        for (var round = 0; round < 300; round++)
        {
            var mm = new AddressSpace(round, entriesPerTable, pool);
            // A new table is all zero and has nothing present, whether it came from the pool or not.
            for (var t = 0; t < 3; t++)
            {
                mm.AddTable(t);
                Assert.True(mm.TableIsEmpty(t));
                Assert.Equal(-1, mm.NextPresent(mm.FirstVpnOf(t), mm.FirstVpnOf(t + 1)));
                for (var v = mm.FirstVpnOf(t); v < mm.FirstVpnOf(t + 1); v++)
                {
                    Assert.Equal(0u, mm.GetPte(v));
                }
            }
            Assert.Equal(0, mm.PresentPtes);
            // Fill with present entries and absent non-zero ones, then clear the present ones and free the tables.
            for (var k = 0; k < 200; k++)
            {
                var vpn = rng.NextBelow(3L * entriesPerTable);
                mm.SetPte(vpn, rng.NextBelow(2) == 0 ? 0x2000u : 0x2000u | Pte.Present);
            }
            for (var t = 0; t < 3; t++)
            {
                for (var v = mm.NextPresent(mm.FirstVpnOf(t), mm.FirstVpnOf(t + 1)); v >= 0; v = mm.NextPresent(v + 1, mm.FirstVpnOf(t + 1)))
                {
                    mm.SetPte(v, 0x4000u); // absent, not zero: what a freed table may still hold
                }
                if (round % 7 != 3)
                {
                    mm.RemoveTable(t);
                }
            }
            live.Add(mm);
        }
        Assert.InRange(pool.Count, 1, 64);
        Assert.Throws<ArgumentException>(() => new AddressSpace(1, entriesPerTable == 1024 ? 512 : 1024, pool));
    }

    [Fact]
    public void The_queued_page_filter_never_misses_a_queued_page_and_forgets_them_all_at_a_flush()
    {
        var set = new QueuedPageSet(32);
        var rng = new SplitMix64(3);
        var queued = new HashSet<long>();
        for (var round = 0; round < 5000; round++)
        {
            var key = QueuedPageSet.Key((int)rng.NextBelow(4), (long)rng.NextBelow(200));
            if (queued.Count == 32 || rng.NextBelow(40) == 0)
            {
                set.Clear();
                queued.Clear();
            }
            set.Add(key);
            queued.Add(key);
            var probe = QueuedPageSet.Key((int)rng.NextBelow(4), (long)rng.NextBelow(200));
            Assert.Equal(queued.Contains(probe), set.MayContain(probe)); // distinct (mm, page) keys: exact
            Assert.All(queued, k => Assert.True(set.MayContain(k)));
        }
    }
}
