namespace PerfSim.Core.Machine;

/// <summary>
/// A set-associative TLB with true LRU replacement within a set. Tags are virtual page numbers; an entry
/// may be global (survives <see cref="FlushNonGlobal"/>). Fully associative when ways = entries.
/// </summary>
public sealed class Tlb
{
    private readonly long[] _tags;
    private readonly long[] _stamps;
    private readonly bool[] _global;
    private readonly int _sets;
    private readonly int _ways;
    private long _clock;

    public Tlb(int entries, int ways)
    {
        if (entries <= 0 || ways <= 0 || entries % ways != 0)
        {
            throw new ArgumentException($"A TLB of {entries} entries cannot have {ways} ways.");
        }
        _sets = entries / ways;
        _ways = ways;
        _tags = new long[entries];
        _stamps = new long[entries];
        _global = new bool[entries];
        Array.Fill(_tags, -1);
    }

    public int Entries => _tags.Length;
    public int Ways => _ways;

    /// <summary>Looks a page up; a hit refreshes its LRU position.</summary>
    public bool Lookup(long vpn)
    {
        var b = SetBase(vpn);
        for (var w = 0; w < _ways; w++)
        {
            if (_tags[b + w] == vpn)
            {
                _stamps[b + w] = ++_clock;
                return true;
            }
        }
        return false;
    }

    /// <summary>Inserts a translation, evicting the least recently used entry of its set.</summary>
    public void Insert(long vpn, bool global = false)
    {
        var b = SetBase(vpn);
        var victim = b;
        for (var w = 0; w < _ways; w++)
        {
            var i = b + w;
            if (_tags[i] == vpn || _tags[i] == -1)
            {
                victim = i;
                break;
            }
            if (_stamps[i] < _stamps[victim])
            {
                victim = i;
            }
        }
        _tags[victim] = vpn;
        _global[victim] = global;
        _stamps[victim] = ++_clock;
    }

    public bool Contains(long vpn)
    {
        var b = SetBase(vpn);
        for (var w = 0; w < _ways; w++)
        {
            if (_tags[b + w] == vpn)
            {
                return true;
            }
        }
        return false;
    }

    public void Invalidate(long vpn)
    {
        var b = SetBase(vpn);
        for (var w = 0; w < _ways; w++)
        {
            if (_tags[b + w] == vpn)
            {
                _tags[b + w] = -1;
            }
        }
    }

    /// <summary>What a CR3 load does: drops every entry not marked global.</summary>
    public void FlushNonGlobal()
    {
        for (var i = 0; i < _tags.Length; i++)
        {
            if (!_global[i])
            {
                _tags[i] = -1;
            }
        }
    }

    /// <summary>Drops every non-global entry whose tag carries the given address-space id (tag bits above <paramref name="shift"/>).</summary>
    public void FlushTagged(long asid, int shift)
    {
        for (var i = 0; i < _tags.Length; i++)
        {
            if (!_global[i] && _tags[i] != -1 && _tags[i] >> shift == asid)
            {
                _tags[i] = -1;
            }
        }
    }

    /// <summary>The valid entries: tag and global flag (for invariant checks; allocates).</summary>
    public IEnumerable<(long Tag, bool Global)> ValidEntries()
    {
        for (var i = 0; i < _tags.Length; i++)
        {
            if (_tags[i] != -1)
            {
                yield return (_tags[i], _global[i]);
            }
        }
    }

    /// <summary>Valid entries (for tests and statistics).</summary>
    public int Occupancy()
    {
        var n = 0;
        foreach (var t in _tags)
        {
            if (t != -1)
            {
                n++;
            }
        }
        return n;
    }

    private int SetBase(long vpn) => (int)((ulong)vpn % (ulong)_sets) * _ways;
}
