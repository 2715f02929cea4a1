namespace PerfSim.Core.Machine;

/// <summary>
/// A set-associative TLB with true LRU replacement within a set. Tags are virtual page numbers; an entry
/// may be global (survives <see cref="FlushNonGlobal"/>). Fully associative when ways = entries.
/// </summary>
/// <remarks>
/// Every operation is O(1) whatever the associativity (a 64-entry fully associative TLB is not scanned): an
/// open-addressing index maps a tag to its slot, each set keeps its valid slots in a doubly linked list in
/// recency order (head = most recently used) and its empty slots on a stack. A miss fills an empty slot of the
/// set if there is one, else evicts the set's least recently used entry: the behaviour of comparing per-entry
/// use stamps, without the scan. Which empty slot is filled is not observable.
/// </remarks>
public sealed class Tlb
{
    private const int None = -1;

    private readonly long[] _tags;   // -1: empty slot
    private readonly bool[] _global;
    private readonly int[] _prev;    // recency list links, by slot
    private readonly int[] _next;
    private readonly int[] _head;    // per set: most recently used slot
    private readonly int[] _tail;    // per set: least recently used slot
    private readonly int[] _free;    // per set: a stack of empty slots in [set*ways, set*ways+freeCount)
    private readonly int[] _freeCount;
    private readonly int[] _index;   // open addressing: slot + 1, 0 = empty
    private readonly int[] _at;      // by slot: where in _index the slot's entry sits (valid slots only)
    private readonly int _indexMask;
    private readonly int _indexShift;
    private readonly int[] _setOfSlot;
    private readonly int _sets;
    private readonly int _setMask; // sets - 1 when a power of two, else -1 (then a modulo)
    private readonly int _ways;
    private int _valid;
    private int _nonGlobal; // valid entries not marked global: a flush with none left has nothing to drop
    private long _absent = -1; // the tag of the last missed lookup, known absent until the next change (-1: none)

    public Tlb(int entries, int ways)
    {
        if (entries <= 0 || ways <= 0 || entries % ways != 0)
        {
            throw new ArgumentException($"A TLB of {entries} entries cannot have {ways} ways.");
        }
        _sets = entries / ways;
        _setMask = System.Numerics.BitOperations.IsPow2(_sets) ? _sets - 1 : -1;
        _ways = ways;
        _setOfSlot = new int[entries];
        for (var i = 0; i < entries; i++)
        {
            _setOfSlot[i] = i / ways;
        }
        _tags = new long[entries];
        _global = new bool[entries];
        _prev = new int[entries];
        _next = new int[entries];
        _head = new int[_sets];
        _tail = new int[_sets];
        _free = new int[entries];
        _freeCount = new int[_sets];
        Array.Fill(_tags, -1);
        Array.Fill(_head, None);
        Array.Fill(_tail, None);
        for (var s = 0; s < _sets; s++)
        {
            // Pop order fills a set's slots from its first: slot s*ways first.
            for (var w = 0; w < ways; w++)
            {
                _free[s * ways + w] = s * ways + ways - 1 - w;
            }
            _freeCount[s] = ways;
        }
        var size = 4;
        while (size < (entries <= 256 ? 8 : 4) * entries) // load at most 1/8 (1/4 for large TLBs): probes stay near one
        {
            size <<= 1;
        }
        _index = new int[size];
        _at = new int[entries];
        _indexMask = size - 1;
        _indexShift = 64 - System.Numerics.BitOperations.Log2((uint)size);
    }

    /// <summary>
    /// Changes with every insert, removal and change of recency order: two equal readings mean the TLB held the same
    /// entries in the same order in between (a hit on a set's most recent entry changes nothing and leaves it).
    /// </summary>
    public long Version { get; private set; }

    public int Entries => _tags.Length;
    public int Ways => _ways;

    /// <summary>Looks a page up; a hit refreshes its LRU position.</summary>
    public bool Lookup(long vpn)
    {
        var head = _head[SetOf(vpn)];
        if (head >= 0 && _tags[head] == vpn)
        {
            return true; // already the set's most recently used entry: nothing to update
        }
        var slot = Find(vpn);
        if (slot < 0)
        {
            _absent = vpn; // the usual next call inserts it: no second probe
            return false;
        }
        Touch(slot);
        return true;
    }

    /// <summary>Inserts a translation, evicting the least recently used entry of its set.</summary>
    public void Insert(long vpn, bool global = false)
    {
        Version++;
        var slot = vpn == _absent && vpn != -1 ? None : Find(vpn);
        _absent = -1;
        if (slot >= 0)
        {
            _nonGlobal += (_global[slot] ? 1 : 0) - (global ? 1 : 0);
            _global[slot] = global;
            Touch(slot);
            return;
        }
        var set = SetOf(vpn);
        if (_freeCount[set] > 0)
        {
            slot = _free[set * _ways + --_freeCount[set]];
            _valid++;
        }
        else
        {
            // Evict the least recently used entry and reuse its slot as the most recently used: a rotation of the
            // recency list, not an unlink and a push.
            slot = _tail[set];
            Unindex(slot);
            var p = _prev[slot];
            if (p != None)
            {
                _next[p] = None;
                _tail[set] = p;
                var h = _head[set];
                _prev[slot] = None;
                _next[slot] = h;
                _prev[h] = slot;
                _head[set] = slot;
            }
            _nonGlobal += (_global[slot] ? 1 : 0) - (global ? 1 : 0);
            _tags[slot] = vpn;
            _global[slot] = global;
            Index(vpn, slot);
            return;
        }
        _nonGlobal += global ? 0 : 1;
        _tags[slot] = vpn;
        _global[slot] = global;
        Index(vpn, slot);
        PushFront(set, slot);
    }

    public bool Contains(long vpn) => Find(vpn) >= 0;

    public void Invalidate(long vpn)
    {
        var slot = Find(vpn);
        if (slot >= 0)
        {
            Remove(slot);
        }
    }

    /// <summary>What a CR3 load does: drops every entry not marked global.</summary>
    public void FlushNonGlobal()
    {
        // Slots in ascending order, stopping after the last non-global entry: the same entries go, in the same order,
        // as a scan of every slot (global kernel pages stay, so counting all valid entries would never stop early).
        for (var i = 0; i < _tags.Length && _nonGlobal > 0; i++)
        {
            if (_tags[i] != -1 && !_global[i])
            {
                Remove(i);
            }
        }
    }

    /// <summary>Drops every non-global entry whose tag carries the given address-space id (tag bits above <paramref name="shift"/>).</summary>
    public void FlushTagged(long asid, int shift)
    {
        for (var i = 0; i < _tags.Length && _nonGlobal > 0; i++)
        {
            if (!_global[i] && _tags[i] != -1 && _tags[i] >> shift == asid)
            {
                Remove(i);
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
    public int Occupancy() => _valid;

    private int SetOf(long vpn) => _setMask >= 0 ? (int)vpn & _setMask : (int)((ulong)vpn % (ulong)_sets);

    private int Home(long vpn) => (int)((ulong)vpn * 0x9E3779B97F4A7C15UL >> _indexShift);

    private int Find(long vpn)
    {
        ref var index = ref System.Runtime.InteropServices.MemoryMarshal.GetArrayDataReference(_index);
        ref var tags = ref System.Runtime.InteropServices.MemoryMarshal.GetArrayDataReference(_tags);
        for (var h = Home(vpn); ; h = (h + 1) & _indexMask)
        {
            // h is masked to the index and an index entry is a slot + 1 of the tag arrays: both in range.
            var s = System.Runtime.CompilerServices.Unsafe.Add(ref index, h) - 1;
            if (s < 0)
            {
                return None;
            }
            if (System.Runtime.CompilerServices.Unsafe.Add(ref tags, s) == vpn)
            {
                return s;
            }
        }
    }

    private void Index(long vpn, int slot)
    {
        var h = Home(vpn);
        while (_index[h] != 0)
        {
            h = (h + 1) & _indexMask;
        }
        _index[h] = slot + 1;
        _at[slot] = h;
    }

    /// <summary>Deletes a slot's entry from the index by backward shifting (no tombstones, so probes stay short).</summary>
    private void Unindex(int slot)
    {
        var hole = _at[slot];
        for (var j = (hole + 1) & _indexMask; _index[j] != 0; j = (j + 1) & _indexMask)
        {
            var moved = _index[j] - 1;
            var home = Home(_tags[moved]);
            // Move j's entry into the hole unless its home lies cyclically in (hole, j].
            if (((j - home) & _indexMask) >= ((j - hole) & _indexMask))
            {
                _index[hole] = _index[j];
                _at[moved] = hole;
                hole = j;
            }
        }
        _index[hole] = 0;
    }

    private void Remove(int slot)
    {
        Version++;
        _absent = -1;
        var set = _setOfSlot[slot];
        Unindex(slot);
        Unlink(set, slot);
        _nonGlobal -= _global[slot] ? 0 : 1;
        _tags[slot] = -1;
        _free[set * _ways + _freeCount[set]++] = slot;
        _valid--;
    }

    private void Touch(int slot)
    {
        Version++;
        var set = _setOfSlot[slot];
        if (_head[set] != slot)
        {
            Unlink(set, slot);
            PushFront(set, slot);
        }
    }

    private void Unlink(int set, int slot)
    {
        var p = _prev[slot];
        var n = _next[slot];
        if (p == None)
        {
            _head[set] = n;
        }
        else
        {
            _next[p] = n;
        }
        if (n == None)
        {
            _tail[set] = p;
        }
        else
        {
            _prev[n] = p;
        }
    }

    private void PushFront(int set, int slot)
    {
        var h = _head[set];
        _prev[slot] = None;
        _next[slot] = h;
        if (h == None)
        {
            _tail[set] = slot;
        }
        else
        {
            _prev[h] = slot;
        }
        _head[set] = slot;
    }
}
