using PerfSim.Core.Kernel;
using PerfSim.Core.Machine;

namespace PerfSim.IO.Config;

/// <summary>
/// The machine and kernel profiles shipped in a <c>workloads/</c> folder (<c>machines/*.json</c>, <c>kernels/*.json</c>),
/// listed and loaded by name.
/// </summary>
public sealed class ConfigCatalog
{
    /// <summary>Environment variable naming the PerfSim home: the folder that contains <c>workloads/</c>.</summary>
    public const string HomeVariable = "PERFSIM_HOME";

    public ConfigCatalog(string workloadsDirectory)
    {
        WorkloadsDirectory = Path.GetFullPath(workloadsDirectory);
    }

    /// <summary>The absolute path of the <c>workloads/</c> folder.</summary>
    public string WorkloadsDirectory { get; }

    public string MachinesDirectory => Path.Combine(WorkloadsDirectory, "machines");

    public string KernelsDirectory => Path.Combine(WorkloadsDirectory, "kernels");

    public string DesignsDirectory => Path.Combine(WorkloadsDirectory, "designs");

    /// <summary>
    /// Finds the <c>workloads/</c> folder: under <c>$PERFSIM_HOME</c> if set, else the nearest one (containing
    /// <c>machines/</c>) walking up from the current directory, else walking up from the application's base directory.
    /// </summary>
    /// <exception cref="ConfigException">No workloads folder was found.</exception>
    public static ConfigCatalog Locate()
    {
        var home = Environment.GetEnvironmentVariable(HomeVariable);
        if (!string.IsNullOrEmpty(home))
        {
            var w = Path.Combine(home, "workloads");
            if (!Directory.Exists(Path.Combine(w, "machines")))
            {
                throw new ConfigException(new ConfigError(w, null, null, $"{HomeVariable} is set to '{home}', but it has no workloads/machines folder"));
            }
            return new ConfigCatalog(w);
        }
        var found = FindUpwards(Directory.GetCurrentDirectory()) ?? FindUpwards(AppContext.BaseDirectory);
        return found is not null
            ? new ConfigCatalog(found)
            : throw new ConfigException(new ConfigError("workloads", null, null,
                $"no workloads/machines folder found above '{Directory.GetCurrentDirectory()}' or '{AppContext.BaseDirectory}'; set {HomeVariable}"));
    }

    /// <summary>The nearest <c>workloads</c> folder containing <c>machines/</c> in <paramref name="start"/> or above it, or null.</summary>
    public static string? FindUpwards(string start)
    {
        for (var dir = new DirectoryInfo(Path.GetFullPath(start)); dir is not null; dir = dir.Parent)
        {
            var w = Path.Combine(dir.FullName, "workloads");
            if (Directory.Exists(Path.Combine(w, "machines")))
            {
                return w;
            }
        }
        return null;
    }

    /// <summary>Names of the machine profiles, sorted ordinally.</summary>
    public IReadOnlyList<string> MachineNames => NamesIn(MachinesDirectory);

    /// <summary>Names of the kernel profiles, sorted ordinally.</summary>
    public IReadOnlyList<string> KernelNames => NamesIn(KernelsDirectory);

    /// <exception cref="ConfigException">No such machine, or its file is invalid.</exception>
    public MachineProfile LoadMachine(string name) =>
        MachineProfileLoader.Load(PathOf(MachinesDirectory, "machine", name, MachineNames));

    /// <exception cref="ConfigException">No such kernel, or its file is invalid.</exception>
    public KernelProfile LoadKernel(string name) =>
        KernelProfileLoader.Load(PathOf(KernelsDirectory, "kernel", name, KernelNames));

    public IReadOnlyList<string> DesignNames => NamesIn(DesignsDirectory);

    public PerfSim.Core.Designs.DesignSpec LoadDesign(string name) =>
        DesignLoader.Load(PathOf(DesignsDirectory, "design", name, DesignNames));

    private static IReadOnlyList<string> NamesIn(string dir)
    {
        if (!Directory.Exists(dir))
        {
            return [];
        }
        var names = Directory.EnumerateFiles(dir, "*.json").Select(f => Path.GetFileNameWithoutExtension(f)).ToList();
        names.Sort(StringComparer.Ordinal);
        return names;
    }

    private static string PathOf(string dir, string what, string name, IReadOnlyList<string> available)
    {
        if (available.Contains(name, StringComparer.Ordinal))
        {
            return Path.Combine(dir, name + ".json");
        }
        var list = available.Count == 0 ? "none" : string.Join(", ", available);
        throw new ConfigException(new ConfigError(dir, null, null,
            $"unknown {what} '{name}'{KeySuggester.Hint(name, available)}; available: {list}"));
    }
}
