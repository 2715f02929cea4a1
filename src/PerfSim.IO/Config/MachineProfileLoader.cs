using PerfSim.Core.Machine;

namespace PerfSim.IO.Config;

/// <summary>
/// Loads a machine profile (<c>workloads/machines/&lt;name&gt;.json</c>) strictly: every parameter present, integer,
/// within its bounds, with a non-empty source; unknown keys are errors. All errors of a file are reported together.
/// </summary>
public static class MachineProfileLoader
{
    private static readonly string[] TopKeys = ["name", "description", "default_kernel", "params"];

    /// <summary>Loads and validates a machine profile file. The profile's name must equal the file name stem.</summary>
    /// <exception cref="ConfigException">The file is missing, malformed or invalid.</exception>
    public static MachineProfile Load(string path) =>
        Parse(ConfigFile.ReadUtf8(path), path, Path.GetFileNameWithoutExtension(path));

    /// <summary>Parses a machine profile from UTF-8 JSON. <paramref name="expectedName"/>, if given, must equal the "name" field.</summary>
    /// <exception cref="ConfigException">The JSON is malformed or invalid.</exception>
    public static MachineProfile Parse(byte[] utf8, string file, string? expectedName = null)
    {
        var r = new ConfigReader(file, ConfigFile.StripBom(utf8));
        var root = r.Parse();
        r.ThrowIfErrors();
        var top = r.Object(root!, "", TopKeys, TopKeys);
        string? name = null, description = null, defaultKernel = null;
        long[] values = new long[MachineParams.Count];
        string[] sources = new string[MachineParams.Count];
        if (top is not null)
        {
            (name, description) = r.NameAndDescription(top, expectedName, allowEmptyDescription: true);
            if (top.TryGetValue("default_kernel", out var k))
            {
                defaultKernel = r.String(k.Value, "default_kernel", allowEmpty: false);
            }
            if (top.TryGetValue("params", out var p))
            {
                (values, sources) = ParamTableReader.Read(r, p.Value, "params", MachineParams.Defs);
            }
        }
        r.ThrowIfErrors();
        return new MachineProfile(name!, description!, defaultKernel!, values, sources);
    }
}
