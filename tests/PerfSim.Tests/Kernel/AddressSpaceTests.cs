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
