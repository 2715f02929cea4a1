using PerfSim.IO.Config;

namespace PerfSim.Tests.Config;

/// <summary>The repository's shipped data, found from the test binaries (ignores PERFSIM_HOME).</summary>
internal static class Workloads
{
    public static ConfigCatalog Catalog { get; } = new(
        ConfigCatalog.FindUpwards(AppContext.BaseDirectory) ?? throw new InvalidOperationException("workloads/ not found above the test binaries"));

    public static string RepoRoot => Path.GetDirectoryName(Catalog.WorkloadsDirectory)!;

    public static string MachineText(string name) => File.ReadAllText(Path.Combine(Catalog.MachinesDirectory, name + ".json"));

    public static string KernelText(string name) => File.ReadAllText(Path.Combine(Catalog.KernelsDirectory, name + ".json"));

    /// <summary>1-based line of the first occurrence of <paramref name="fragment"/>.</summary>
    public static int LineOf(string text, string fragment)
    {
        var i = text.IndexOf(fragment, StringComparison.Ordinal);
        Assert.True(i >= 0, $"'{fragment}' not in the text");
        return text[..i].Count(c => c == '\n') + 1;
    }
}
