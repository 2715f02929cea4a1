namespace PerfSim.IO.Recording;

/// <summary>
/// A file that cannot be read as a program image: not ELF, truncated, big-endian, inconsistent headers, or a <c>#!</c>
/// line the kernel would refuse. Names the file and says what is wrong with it.
/// </summary>
public sealed class ElfException : Exception
{
    public ElfException(string path, string reason)
        : base($"{path}: {reason}")
    {
        Path = path;
        Reason = reason;
    }

    /// <summary>The file (or the name the caller gave its bytes).</summary>
    public string Path { get; }

    /// <summary>What is wrong with it, without the path.</summary>
    public string Reason { get; }
}
