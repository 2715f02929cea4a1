namespace PerfSim.IO.Config;

/// <summary>One problem in a configuration file: where it is (file, 1-based line, key path) and what is wrong.</summary>
public sealed record ConfigError(string File, int? Line, string? KeyPath, string Message)
{
    public override string ToString()
    {
        var where = Line is { } line ? $"{File}:{line}" : File;
        return KeyPath is { Length: > 0 } key ? $"{where}: {key}: {Message}" : $"{where}: {Message}";
    }
}
