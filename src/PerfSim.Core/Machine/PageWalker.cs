namespace PerfSim.Core.Machine;

/// <summary>
/// Page-walk references and their cost. A native walk reads one entry per level; a nested (EPT/NPT) walk
/// must translate every guest-table reference through the host table, (g+1)(h+1) − 1 references in all
/// (24 for 4+4). Paging-structure caches serve a share of the non-leaf references; the leaf is always read.
/// </summary>
public sealed class PageWalker
{
    private readonly long _referenceCycles;
    private readonly long _cacheHitPermille;

    public PageWalker(long referenceCycles, long cacheHitPermille)
    {
        _referenceCycles = referenceCycles;
        _cacheHitPermille = cacheHitPermille;
    }

    /// <summary>Entries a walk reads before caching: g natively, (g+1)(h+1) − 1 nested.</summary>
    public static int References(int guestLevels, int hostLevels) =>
        hostLevels == 0 ? guestLevels : (guestLevels + 1) * (hostLevels + 1) - 1;

    /// <summary>Entries actually read from the memory hierarchy after the paging-structure caches (rounded half up).</summary>
    public long EffectiveReferences(int guestLevels, int hostLevels)
    {
        var total = References(guestLevels, hostLevels);
        return 1 + ((total - 1) * (1000 - _cacheHitPermille) + 500) / 1000;
    }

    public long Cycles(int guestLevels, int hostLevels) => EffectiveReferences(guestLevels, hostLevels) * _referenceCycles;
}
