using PerfSim.Core.Engine;
using PerfSim.Core.Simulation;

namespace PerfSim.Tests.Core;

public sealed class EventQueueTests
{
    [Fact]
    public void Pops_in_cycle_then_priority_then_push_order_like_a_sorted_list()
    {
        var rng = new SplitMix64(42);
        var q = new EventQueue<int>();
        var oracle = new List<(long Cycle, int Priority, int Seq)>();
        var seq = 0;
        var popped = new List<int>();
        var expected = new List<int>();
        for (var round = 0; round < 20_000; round++)
        {
            if (rng.NextBelow(3) != 0 || oracle.Count == 0)
            {
                var c = rng.NextBelow(50);
                var p = (int)rng.NextBelow(3);
                q.Push(c, p, seq);
                oracle.Add((c, p, seq));
                seq++;
            }
            else
            {
                Assert.True(q.TryPop(out _, out var item));
                popped.Add(item);
                var min = oracle.OrderBy(x => x.Cycle).ThenBy(x => x.Priority).ThenBy(x => x.Seq).First();
                oracle.Remove(min);
                expected.Add(min.Seq);
            }
        }
        Assert.Equal(expected, popped);
        Assert.Equal(oracle.Count, q.Count);
    }

    [Fact]
    public void Empty_queue_pops_nothing()
    {
        var q = new EventQueue<string>();
        Assert.False(q.TryPop(out _, out _));
        Assert.False(q.TryPeekCycle(out _));
    }
}
