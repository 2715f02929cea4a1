using PerfSim.IO.Output;
using Xunit.Sdk;

namespace PerfSim.Tests.Golden;

/// <summary>
/// Compares text against a reviewed file in tests/PerfSim.Tests/Golden. Set PERFSIM_UPDATE_GOLDEN=1 to rewrite
/// the files from the actual output instead, then review the change as a diff.
/// </summary>
public static class GoldenFile
{
    public const string UpdateVariable = "PERFSIM_UPDATE_GOLDEN";

    /// <summary>The Golden folder in the source tree (not the build output).</summary>
    public static string Directory { get; } = FindDirectory();

    public static void AssertMatches(string name, string actual)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(actual);
        var path = Path.Combine(Directory, name);

        if (Environment.GetEnvironmentVariable(UpdateVariable) == "1")
        {
            System.IO.Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            AtomicFile.WriteAllText(path, actual);
            return;
        }

        if (!File.Exists(path))
        {
            throw new XunitException($"Golden file {path} does not exist. Run the tests with {UpdateVariable}=1 to create it.");
        }

        if (Difference(File.ReadAllText(path), actual) is { } difference)
        {
            throw new XunitException(
                $"Output differs from golden file {path}.\n{difference}\n" +
                $"If the change is intended, run the tests with {UpdateVariable}=1 and review the diff.");
        }
    }

    /// <summary>Null when the texts are equal up to "\r\n" versus "\n"; otherwise the first differing line.</summary>
    internal static string? Difference(string expected, string actual)
    {
        expected = expected.Replace("\r\n", "\n", StringComparison.Ordinal);
        actual = actual.Replace("\r\n", "\n", StringComparison.Ordinal);
        if (string.Equals(expected, actual, StringComparison.Ordinal))
        {
            return null;
        }
        var e = expected.Split('\n');
        var a = actual.Split('\n');
        for (var i = 0; i < Math.Max(e.Length, a.Length); i++)
        {
            var el = i < e.Length ? e[i] : null;
            var al = i < a.Length ? a[i] : null;
            if (!string.Equals(el, al, StringComparison.Ordinal))
            {
                return $"First difference at line {i + 1}:\n  expected: {Show(el)}\n  actual:   {Show(al)}";
            }
        }
        return "The texts differ.";
    }

    private static string Show(string? line) => line is null ? "<end of file>" : $"\"{line}\"";

    private static string FindDirectory()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "PerfSim.sln")))
            {
                return Path.Combine(dir.FullName, "tests", "PerfSim.Tests", "Golden");
            }
        }
        throw new InvalidOperationException($"No PerfSim.sln above {AppContext.BaseDirectory}; cannot locate golden files.");
    }
}
