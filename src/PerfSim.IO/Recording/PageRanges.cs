namespace PerfSim.IO.Recording;

/// <summary>
/// Mapped pages kept as sorted, disjoint, half-open ranges of page numbers, each with its protection bits (1 read,
/// 2 write, 4 execute, as mmap's); neighbours merge when their protections agree.
/// </summary>
internal sealed class PageRanges
{
    /// <summary>Read, write and execute: what a range is given when the caller does not say.</summary>
    public const int All = 7;

    /// <summary>A flag beside the protection: the range is mapped, but its mapping has no place in the model (left out of the trace).</summary>
    public const int Unplaced = 8;

    private readonly List<(long Lo, long Hi, int Prot)> _r = new();

    public PageRanges Copy()
    {
        var c = new PageRanges();
        c._r.AddRange(_r);
        return c;
    }

    public void Add(long lo, long hi, int prot = All)
    {
        if (hi <= lo)
        {
            return;
        }
        Remove(lo, hi);
        var i = 0;
        while (i < _r.Count && _r[i].Lo < lo)
        {
            i++;
        }
        _r.Insert(i, (lo, hi, prot & (All | Unplaced)));
        Merge();
    }

    /// <summary>Changes the protection of the mapped pages in [lo, hi) (mprotect); unmapped pages stay unmapped, unplaced ones unplaced.</summary>
    public void Protect(long lo, long hi, int prot)
    {
        var parts = new List<(long Lo, long Hi, int Prot)>();
        foreach (var (a, b, old) in _r)
        {
            if (b > lo && a < hi)
            {
                parts.Add((Math.Max(a, lo), Math.Min(b, hi), (prot & All) | (old & Unplaced)));
            }
        }
        foreach (var (a, b, p) in parts)
        {
            Add(a, b, p);
        }
    }

    public void Remove(long lo, long hi)
    {
        for (var k = _r.Count - 1; k >= 0; k--)
        {
            var (a, b, prot) = _r[k];
            if (b <= lo || a >= hi)
            {
                continue;
            }
            _r.RemoveAt(k);
            if (b > hi)
            {
                _r.Insert(k, (hi, b, prot));
            }
            if (a < lo)
            {
                _r.Insert(k, (a, lo, prot));
            }
        }
    }

    public bool Contains(long page) => IndexOf(page) >= 0;

    /// <summary>The page's protection bits, or -1 when it is not mapped.</summary>
    public int ProtAt(long page) => IndexOf(page) is var i and >= 0 ? _r[i].Prot : -1;

    public bool Covers(long lo, long hi)
    {
        for (var p = lo; p < hi;)
        {
            var i = IndexOf(p);
            if (i < 0)
            {
                return false;
            }
            p = _r[i].Hi;
        }
        return true;
    }

    private void Merge()
    {
        for (var k = _r.Count - 2; k >= 0; k--)
        {
            if (_r[k].Hi >= _r[k + 1].Lo && _r[k].Prot == _r[k + 1].Prot)
            {
                _r[k] = (_r[k].Lo, Math.Max(_r[k].Hi, _r[k + 1].Hi), _r[k].Prot);
                _r.RemoveAt(k + 1);
            }
        }
    }

    /// <summary>The range holding a page, or -1 (the ranges are sorted and disjoint: a binary search).</summary>
    private int IndexOf(long page)
    {
        int lo = 0, hi = _r.Count - 1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >> 1;
            if (page < _r[mid].Lo)
            {
                hi = mid - 1;
            }
            else if (page >= _r[mid].Hi)
            {
                lo = mid + 1;
            }
            else
            {
                return mid;
            }
        }
        return -1;
    }
}
