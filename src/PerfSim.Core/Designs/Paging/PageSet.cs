namespace PerfSim.Core.Designs.Paging;

/// <summary>
/// A set of page numbers as a bitmap per block of 1,024 pages (one page table's span on i386), the blocks in a
/// dictionary with the last one used kept at hand: what a shadow table tracks per guest page, with an add, remove or
/// test that does not hash once a walk stays in one block. Same answers as a <see cref="HashSet{T}"/> of pages.
/// </summary>
public sealed class PageSet
{
    private const int BlockShift = 10;
    private const int WordsPerBlock = (1 << BlockShift) / 64;

    private readonly Dictionary<long, ulong[]> _blocks = new();
    private long _lastBlock = long.MinValue;
    private ulong[]? _last;

    /// <summary>Pages in the set.</summary>
    public int Count { get; private set; }

    private ulong[]? Block(long vpn, bool create)
    {
        var b = vpn >> BlockShift;
        if (b == _lastBlock && (_last is not null || !create))
        {
            return _last;
        }
        if (!_blocks.TryGetValue(b, out var words) && create)
        {
            words = new ulong[WordsPerBlock];
            _blocks.Add(b, words);
        }
        _lastBlock = b;
        _last = words;
        return words;
    }

    /// <returns>True when the page was not in the set.</returns>
    public bool Add(long vpn)
    {
        var words = Block(vpn, create: true)!;
        var i = (int)(vpn & ((1 << BlockShift) - 1));
        var bit = 1UL << (i & 63);
        if ((words[i >> 6] & bit) != 0)
        {
            return false;
        }
        words[i >> 6] |= bit;
        Count++;
        return true;
    }

    /// <returns>True when the page was in the set.</returns>
    public bool Remove(long vpn)
    {
        var words = Block(vpn, create: false);
        if (words is null)
        {
            return false;
        }
        var i = (int)(vpn & ((1 << BlockShift) - 1));
        var bit = 1UL << (i & 63);
        if ((words[i >> 6] & bit) == 0)
        {
            return false;
        }
        words[i >> 6] &= ~bit;
        Count--;
        return true;
    }

    public bool Contains(long vpn)
    {
        var words = Block(vpn, create: false);
        var i = (int)(vpn & ((1 << BlockShift) - 1));
        return words is not null && (words[i >> 6] & (1UL << (i & 63))) != 0;
    }

    /// <summary>The pages in ascending order.</summary>
    public IEnumerable<long> Pages()
    {
        foreach (var b in _blocks.Keys.Order())
        {
            var words = _blocks[b];
            for (var w = 0; w < WordsPerBlock; w++)
            {
                for (var bits = words[w]; bits != 0; bits &= bits - 1)
                {
                    yield return (b << BlockShift) + (w << 6) + System.Numerics.BitOperations.TrailingZeroCount(bits);
                }
            }
        }
    }
}
