using PerfSim.IO.Config;

namespace PerfSim.Tests.Config;

public sealed class ConfigCatalogTests
{
    [Fact]
    public void Catalog_lists_machine_and_kernel_names_sorted_ordinally()
    {
        var machines = Workloads.Catalog.MachineNames;
        Assert.Equal(machines.OrderBy(n => n, StringComparer.Ordinal), machines);
        Assert.Contains("xeon-2400-2003", machines);
        Assert.Equal(["linux-2.4.21", "linux-2.6.20", "nanokernel"], Workloads.Catalog.KernelNames);
    }

    [Fact]
    public void Unknown_machine_name_lists_the_available_ones_and_suggests_the_nearest()
    {
        var e = Assert.Throws<ConfigException>(() => Workloads.Catalog.LoadMachine("xeon-2400-2030"));
        Assert.Contains("unknown machine 'xeon-2400-2030' (did you mean 'xeon-2400-2003'?)", e.Message, StringComparison.Ordinal);
        foreach (var name in Workloads.Catalog.MachineNames)
        {
            Assert.Contains(name, e.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Unknown_kernel_name_lists_the_available_ones()
    {
        var e = Assert.Throws<ConfigException>(() => Workloads.Catalog.LoadKernel("linux-3.0"));
        Assert.Contains("available: linux-2.4.21, linux-2.6.20", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Catalog_is_found_by_walking_up_from_a_subdirectory()
    {
        var sub = Workloads.Catalog.MachinesDirectory;
        Assert.Equal(Workloads.Catalog.WorkloadsDirectory, ConfigCatalog.FindUpwards(sub));
    }

    [Fact]
    public void A_directory_without_workloads_above_it_finds_nothing()
    {
        Assert.Null(ConfigCatalog.FindUpwards(Path.GetPathRoot(Path.GetTempPath())!));
    }

    [Fact]
    public void A_catalog_over_an_empty_folder_reports_none_available()
    {
        var dir = Directory.CreateTempSubdirectory("perfsim-catalog-");
        try
        {
            var e = Assert.Throws<ConfigException>(() => new ConfigCatalog(dir.FullName).LoadMachine("x"));
            Assert.Contains("available: none", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
