namespace PerfSim.Core.Kernel;

/// <summary>
/// An mm_struct: VMAs sorted by address and a two-level page table (a directory of page-table pages,
/// each an array of PTEs). Kept as real data so that fork, exit and faults do real work on it.
/// </summary>
public sealed class AddressSpace
{
    private readonly Dictionary<long, PageTable> _tables = new();
    private readonly PageTablePool? _pool;
    private readonly int _entriesPerTable;
    private readonly int _tableShift;
    private long _lastIndex = -1;
    private PageTable? _lastTable;

    /// <summary>A page-table page: its entries, and which are present (a bitmap and a count) so walks skip the rest.</summary>
    internal sealed class PageTable(int entries)
    {
        public readonly uint[] Entries = new uint[entries];
        public readonly ulong[] PresentBits = new ulong[(entries + 63) / 64];
        public int Present;

        /// <summary>Entries that are not zero (present or not): a freed table with none is as new.</summary>
        public int NonZero;
    }

    /// <summary>The CPU that built its page tables (fork's copy, exec) and took its pages' references (-1: unknown).</summary>
    public int BuiltOn { get; set; } = -1;

    /// <summary>cpu_vm_mask: the CPUs that have this address space loaded (running it, or lazily after switching to idle).</summary>
    public SortedSet<int> LoadedOn { get; } = new();

    /// <param name="pool">Where freed page-table pages go and new ones come from (one per kernel; null: always new).</param>
    public AddressSpace(int id, int entriesPerTable, PageTablePool? pool = null)
    {
        if (pool is not null && pool.EntriesPerTable != entriesPerTable)
        {
            throw new ArgumentException($"the pool holds {pool.EntriesPerTable}-entry tables, not {entriesPerTable}.", nameof(pool));
        }
        _pool = pool;
        Id = id;
        _entriesPerTable = entriesPerTable;
        _tableShift = entriesPerTable == 1024 ? 10 : 9;
    }

    /// <summary>Unique id (for TLB tags, shadow tables and reports).</summary>
    public int Id { get; }

    /// <summary>Tasks using this mm (threads share one).</summary>
    public int Users { get; set; } = 1;

    public List<Vma> Vmas { get; } = new();

    public long PresentPtes { get; private set; }

    public int TableCount => _tables.Count;

    public int EntriesPerTable => _entriesPerTable;

    public long TableIndexOf(long vpn) => vpn >> _tableShift;

    public long FirstVpnOf(long tableIndex) => tableIndex << _tableShift;

    public bool HasTable(long tableIndex) => Table(tableIndex) is not null;

    /// <summary>The PTE for a page, 0 when its page-table page does not exist.</summary>
    public uint GetPte(long vpn)
    {
        var t = Table(vpn >> _tableShift);
        return t is null ? 0u : t.Entries[vpn & (_entriesPerTable - 1)];
    }

    /// <summary>
    /// The first page in [<paramref name="vpn"/>, <paramref name="end"/>) whose PTE is present, or -1: what a walk
    /// that skips absent entries visits next (page-table pages that do not exist are skipped whole).
    /// </summary>
    public long NextPresent(long vpn, long end)
    {
        var mask = _entriesPerTable - 1;
        while (vpn < end)
        {
            var index = vpn >> _tableShift;
            var tableEnd = Math.Min(end, (index + 1) << _tableShift);
            var t = Table(index);
            if (t is not null && t.Present > 0)
            {
                var i = (int)(vpn & mask);
                var last = (int)((tableEnd - 1) & mask); // the range's last entry in this table
                var w = i >> 6;
                var bits = t.PresentBits[w] & (ulong.MaxValue << (i & 63));
                while (true)
                {
                    if (bits != 0)
                    {
                        var found = (w << 6) + System.Numerics.BitOperations.TrailingZeroCount(bits);
                        if (found > last)
                        {
                            break;
                        }
                        return (index << _tableShift) + found;
                    }
                    if (++w > last >> 6)
                    {
                        break;
                    }
                    bits = t.PresentBits[w];
                }
            }
            vpn = tableEnd;
        }
        return -1;
    }

    /// <summary>Writes a PTE; its page-table page must exist.</summary>
    public void SetPte(long vpn, uint value)
    {
        var t = Table(vpn >> _tableShift) ?? throw new InvalidOperationException($"mm {Id}: no page table for page 0x{vpn:x}.");
        var i = (int)(vpn & (_entriesPerTable - 1));
        var was = Pte.IsPresent(t.Entries[i]);
        var now = Pte.IsPresent(value);
        if (was != now)
        {
            PresentPtes += now ? 1 : -1;
            t.Present += now ? 1 : -1;
            t.PresentBits[i >> 6] ^= 1UL << (i & 63);
        }
        var old = t.Entries[i];
        if ((old == 0) != (value == 0))
        {
            t.NonZero += value == 0 ? -1 : 1;
        }
        t.Entries[i] = value;
    }

    public void AddTable(long tableIndex)
    {
        _tables.Add(tableIndex, _pool?.Take() ?? new PageTable(_entriesPerTable));
        _lastIndex = -1;
    }

    public void RemoveTable(long tableIndex)
    {
        var t = _tables[tableIndex];
        if (t.Present > 0)
        {
            throw new InvalidOperationException($"mm {Id}: freeing page table {tableIndex} with present entries.");
        }
        _tables.Remove(tableIndex);
        _lastIndex = -1;
        _lastTable = null;
        _pool?.Give(t);
    }

    /// <summary>Table indexes in ascending order (a copy, safe to modify the mm while iterating).</summary>
    public long[] TableIndexes()
    {
        var k = _tables.Keys.ToArray();
        Array.Sort(k);
        return k;
    }

    public bool TableIsEmpty(long tableIndex) => _tables[tableIndex].Present == 0;

    /// <summary>The VMA containing a page, or null.</summary>
    public Vma? FindVma(long vpn)
    {
        var lo = 0;
        var hi = Vmas.Count - 1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >> 1;
            var v = Vmas[mid];
            if (vpn < v.Start)
            {
                hi = mid - 1;
            }
            else if (vpn >= v.End)
            {
                lo = mid + 1;
            }
            else
            {
                return v;
            }
        }
        return null;
    }

    /// <summary>The lowest VMA that starts above a page, or null.</summary>
    public Vma? FindVmaAbove(long vpn)
    {
        foreach (var v in Vmas)
        {
            if (v.Start > vpn)
            {
                return v;
            }
        }
        return null;
    }

    /// <summary>Inserts a VMA that overlaps none, keeping the list sorted.</summary>
    public void InsertVma(Vma vma)
    {
        var i = 0;
        while (i < Vmas.Count && Vmas[i].Start < vma.Start)
        {
            i++;
        }
        if ((i > 0 && Vmas[i - 1].End > vma.Start) || (i < Vmas.Count && Vmas[i].Start < vma.End))
        {
            throw new SimulationException($"mapping pages [0x{vma.Start:x},0x{vma.End:x}) overlaps an existing mapping.");
        }
        Vmas.Insert(i, vma);
    }

    /// <summary>Splits VMAs at the range's bounds and returns the VMAs entirely inside [start, end).</summary>
    public List<Vma> SplitRange(long start, long end)
    {
        var inside = new List<Vma>();
        for (var i = 0; i < Vmas.Count; i++)
        {
            var v = Vmas[i];
            if (v.End <= start || v.Start >= end)
            {
                continue;
            }
            if (v.Start < start)
            {
                var head = v.CloneRange(v.Start, start);
                v.FilePageOffset += start - v.Start;
                v.Start = start;
                Vmas.Insert(i, head);
                i++;
            }
            if (v.End > end)
            {
                var tail = v.CloneRange(end, v.End);
                v.End = end;
                Vmas.Insert(i + 1, tail);
            }
            inside.Add(v);
        }
        return inside;
    }

    private PageTable? Table(long index)
    {
        if (index == _lastIndex)
        {
            return _lastTable;
        }
        _tables.TryGetValue(index, out var t);
        _lastIndex = index;
        _lastTable = t;
        return t;
    }
}

/// <summary>
/// Freed page-table pages kept for reuse by the address spaces of one kernel, so that fork and exit do not allocate
/// (and zero) a fresh 4 KB array per page-table page. A page comes back all zero: one with entries left (not
/// present but not zero) is cleared on its return. Not thread-safe: one kernel, one thread.
/// </summary>
public sealed class PageTablePool(int entriesPerTable, int capacity = 64)
{
    private readonly Stack<AddressSpace.PageTable> _free = new();

    public int EntriesPerTable => entriesPerTable;

    /// <summary>Pages waiting for reuse.</summary>
    public int Count => _free.Count;

    internal AddressSpace.PageTable? Take() => _free.TryPop(out var t) ? t : null;

    internal void Give(AddressSpace.PageTable t)
    {
        if (_free.Count >= capacity)
        {
            return; // enough kept: the rest go to the collector
        }
        if (t.NonZero > 0)
        {
            Array.Clear(t.Entries);
            t.NonZero = 0;
        }
        _free.Push(t);
    }
}
