using PerfSim.Core.Designs.Paging;
using PerfSim.Core.Simulation;

namespace PerfSim.Tests.Designs;

/// <summary>The shadow tables' page set answers exactly what a hash set of pages does.</summary>
public sealed class PageSetTests
{
    [Theory]
    [InlineData(1UL, 3000L)]
    [InlineData(2UL, 200_000L)]
    public void Add_remove_and_contains_agree_with_a_hash_set(ulong seed, long span)
    {
        var set = new PageSet();
        var oracle = new HashSet<long>();
        var rng = new SplitMix64(seed);
        var vpn = 0L;
        for (var i = 0; i < 50_000; i++)
        {
            // Runs of neighbouring pages (a walk) and jumps (another table, another address space's pages).
            vpn = rng.NextBelow(4) == 0 ? rng.NextBelow(span) : Math.Min(span - 1, vpn + 1);
            switch (rng.NextBelow(3))
            {
                case 0:
                    Assert.Equal(oracle.Add(vpn), set.Add(vpn));
                    break;
                case 1:
                    Assert.Equal(oracle.Remove(vpn), set.Remove(vpn));
                    break;
                default:
                    Assert.Equal(oracle.Contains(vpn), set.Contains(vpn));
                    break;
            }
            Assert.Equal(oracle.Count, set.Count);
        }
        Assert.Equal(oracle.Order(), set.Pages());
    }
}
