namespace PerfSim.IO.Recording;

/// <summary>One system call as strace printed it, after its halves are joined: what <see cref="StraceSyntax"/> reads from the text.</summary>
internal readonly record struct StraceCall(string Name, long[] Args, string? Path)
{
    /// <summary>The return value; a failure's negative errno.</summary>
    public long Return { get; init; }

    /// <summary>The result was <c>?</c>: the call never returned.</summary>
    public bool Unfinished { get; init; }

    /// <summary>The <c>&lt;seconds&gt;</c> strace -T printed: the time from entry to exit, or null when absent.</summary>
    public long? DurationNs { get; init; }

    /// <summary>An errno name after <c>-1</c> that has no known number (the return stays -1).</summary>
    public string? UnknownErrno { get; init; }

    /// <summary>rt_sigaction gave a new action (a struct, not NULL); its handler is <c>Args[1]</c>.</summary>
    public bool SetsAction { get; init; }

    /// <summary>rt_sigaction's new action has SA_RESETHAND: the handler runs once, then the default action is back.</summary>
    public bool ResetsOnDelivery { get; init; }
}
