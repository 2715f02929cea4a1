using PerfSim.IO.Calibration;
using PerfSim.IO.Config;

namespace PerfSim.Tests.Support;

/// <summary>The shipped copy of Xen SOSP'03 Tables 3-5 (workloads/validation/xen-sosp03-lmbench.csv), loaded once.</summary>
internal static class XenSosp03
{
    private static readonly Lazy<IReadOnlyList<PublishedCell>> Lazy = new(() =>
        PublishedTable.Load(Path.Combine(ConfigCatalog.Locate().WorkloadsDirectory, "validation", "xen-sosp03-lmbench.csv")));

    public static IReadOnlyList<PublishedCell> Cells => Lazy.Value;

    public static IReadOnlyList<string> Benchmarks => Cells.Select(c => c.Benchmark).Distinct().ToList();

    /// <summary>A configuration's published time over L-UP's for one benchmark.</summary>
    public static double RatioToNative(string benchmark, string config) =>
        Cells.Single(c => c.Benchmark == benchmark && c.Config == config).Value / Cells.Single(c => c.Benchmark == benchmark && c.Config == "L-UP").Value;
}
