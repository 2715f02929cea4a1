using PerfSim.Core.Machine;
using PerfSim.Core.Simulation;

namespace PerfSim.Tests.Core;

public sealed class KernelCodeCacheTests
{
    [Fact]
    public void First_run_is_cold_then_a_loop_that_fits_stays_warm()
    {
        var c = new KernelCodeCache(1000, [300, 300, 300]);
        Assert.Equal(300, c.Execute(0));
        Assert.Equal(300, c.Execute(1));
        Assert.Equal(0, c.Execute(0));
        Assert.Equal(0, c.Execute(1));
        Assert.Equal(0, c.Execute(1));
    }

    [Fact]
    public void Code_beyond_the_capacity_since_the_last_run_is_fetched_again()
    {
        var c = new KernelCodeCache(1000, [600, 500, 100]);
        c.Execute(0);
        c.Execute(1);
        Assert.Equal(100, c.Execute(0)); // 500 + 600 - 1000 evicted
        Assert.Equal(100, c.Execute(2)); // never run
        Assert.Equal(200, c.Execute(1)); // 600 + 100 + 500 - 1000
    }

    [Fact]
    public void Agrees_with_a_stack_distance_oracle()
    {
        var sizes = new long[] { 50, 400, 120, 900, 10, 300, 75 };
        var cache = new KernelCodeCache(1200, sizes);
        var history = new List<int>();
        var rng = new SplitMix64(11);
        for (var step = 0; step < 5000; step++)
        {
            var p = (int)rng.NextBelow(sizes.Length);
            var last = history.LastIndexOf(p);
            long expected;
            if (last < 0)
            {
                expected = sizes[p];
            }
            else
            {
                var distance = history.Skip(last + 1).Distinct().Where(x => x != p).Sum(x => sizes[x]) + sizes[p];
                expected = Math.Clamp(distance - 1200, 0, sizes[p]);
            }
            Assert.Equal(expected, cache.Execute(p));
            history.Add(p);
        }
    }
}
