namespace PerfSim.Core.Kernel;

/// <summary>
/// Physical page frames with reference counts, and the page cache mapping (file, page) to a frame.
/// Frame 0 is the shared zero page.
/// </summary>
public sealed class FrameTable
{
    public const int ZeroPage = 0;

    private int[] _refs = new int[1024];
    private bool[] _pageCache = new bool[1024];
    private int[] _writer = Enumerable.Repeat(-1, 1024).ToArray();
    private readonly Stack<int> _free = new();
    private int _next = 1;
    private readonly Dictionary<(long File, long Page), int> _cache = new();

    public long Allocated { get; private set; }

    /// <summary>Allocates an anonymous frame with one reference.</summary>
    public int AllocateAnonymous()
    {
        var f = _free.Count > 0 ? _free.Pop() : _next++;
        Ensure(f);
        _refs[f] = 1;
        _pageCache[f] = false;
        Allocated++;
        return f;
    }

    /// <summary>The page-cache frame of a file page (created on first use, then cached forever), with a reference taken.</summary>
    public int GetPageCacheFrame(long fileKey, long page)
    {
        if (!_cache.TryGetValue((fileKey, page), out var f))
        {
            f = _free.Count > 0 ? _free.Pop() : _next++;
            Ensure(f);
            _refs[f] = 1; // the page cache's own reference
            _pageCache[f] = true;
            _cache[(fileKey, page)] = f;
        }
        _refs[f]++;
        return f;
    }

    public bool IsPageCache(int frame) => frame != ZeroPage && _pageCache[frame];

    public int RefCount(int frame) => _refs[frame];

    public void Get(int frame)
    {
        if (frame != ZeroPage)
        {
            _refs[frame]++;
        }
    }

    /// <summary>Drops a reference; true when it was the last one and the frame is free again.</summary>
    public bool Put(int frame)
    {
        if (frame == ZeroPage)
        {
            return false;
        }
        if (_refs[frame] <= 0)
        {
            throw new InvalidOperationException($"Frame {frame} released more often than referenced.");
        }
        if (--_refs[frame] == 0)
        {
            Allocated--;
            _free.Push(frame);
            return true;
        }
        return false;
    }

    /// <summary>The CPU that wrote the frame last (-1: none yet): its cache holds the page modified.</summary>
    public int LastWriter(int frame) => frame < _writer.Length ? _writer[frame] : -1;

    public void SetLastWriter(int frame, int cpu)
    {
        Ensure(frame);
        _writer[frame] = cpu;
    }

    private void Ensure(int f)
    {
        if (f >= _refs.Length)
        {
            var n = Math.Max(_refs.Length * 2, f + 1);
            Array.Resize(ref _refs, n);
            Array.Resize(ref _pageCache, n);
            var old = _writer.Length;
            Array.Resize(ref _writer, n);
            Array.Fill(_writer, -1, old, n - old);
        }
    }
}
