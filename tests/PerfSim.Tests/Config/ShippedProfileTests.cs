using PerfSim.Core.Kernel;
using PerfSim.Core.Machine;
using PerfSim.IO.Config;

namespace PerfSim.Tests.Config;

public sealed class ShippedProfileTests
{
    public static TheoryData<string> MachineNames() => new(Workloads.Catalog.MachineNames);

    public static TheoryData<string> KernelNames() => new(Workloads.Catalog.KernelNames);

    [Fact]
    public void The_required_machines_and_kernels_are_shipped()
    {
        Assert.Subset(Workloads.Catalog.MachineNames.ToHashSet(), new HashSet<string> { "xeon-2400-2003", "p4-672-2006", "nehalem-x5570-2009" });
        Assert.Contains(Workloads.Catalog.MachineNames, n => n.StartsWith("skylake", StringComparison.Ordinal));
        Assert.Equal(["linux-2.4.21", "linux-2.6.20", "nanokernel"], Workloads.Catalog.KernelNames);
    }

    [Theory]
    [MemberData(nameof(MachineNames))]
    public void Every_shipped_machine_loads_with_a_source_for_every_parameter(string name)
    {
        var m = Workloads.Catalog.LoadMachine(name);
        Assert.Equal(name, m.Name);
        for (var i = 0; i < MachineParams.Count; i++)
        {
            Assert.False(string.IsNullOrWhiteSpace(m.SourceOf((MachineParam)i)));
        }
    }

    [Theory]
    [MemberData(nameof(MachineNames))]
    public void Every_shipped_machine_names_a_shipped_default_kernel(string name) =>
        Assert.Contains(Workloads.Catalog.LoadMachine(name).DefaultKernel, Workloads.Catalog.KernelNames);

    [Theory]
    [MemberData(nameof(MachineNames))]
    public void Every_shipped_machine_has_global_pages_and_consistent_tlb_geometry(string name)
    {
        var m = Workloads.Catalog.LoadMachine(name);
        Assert.Equal(1, m[MachineParam.GlobalPages]);
        Assert.Equal(0, m[MachineParam.DtlbEntries] % m[MachineParam.DtlbWays]);
        Assert.Equal(0, m[MachineParam.ItlbEntries] % m[MachineParam.ItlbWays]);
        Assert.Equal(m[MachineParam.StlbEntries] == 0, m[MachineParam.StlbWays] == 0);
        if (m[MachineParam.StlbEntries] > 0)
        {
            Assert.Equal(0, m[MachineParam.StlbEntries] % m[MachineParam.StlbWays]);
        }
    }

    [Theory]
    [MemberData(nameof(MachineNames))]
    public void Every_kernel_cpi_is_marked_as_to_be_fitted(string name) =>
        Assert.Contains("to be fitted", Workloads.Catalog.LoadMachine(name).SourceOf(MachineParam.KernelCpi), StringComparison.Ordinal);

    [Fact]
    public void Xeon_trap_round_trip_fits_inside_the_measured_null_system_call()
    {
        // lmbench null call on the SOSP'03 Xeon: 0.45 us = 1,080 cycles for int 0x80 + dispatch + getppid, so the
        // fitted pair must leave room for getppid's counted instructions, each at least a cycle at kernel_cpi.
        var m = Workloads.Catalog.LoadMachine("xeon-2400-2003");
        var k = Workloads.Catalog.LoadKernel("linux-2.4.21");
        var counted = (k[PerfSim.Core.Kernel.KernelPath.SyscallDispatch] + k[PerfSim.Core.Kernel.KernelPath.SysNull]) * m[MachineParam.KernelCpi] / 1000;
        Assert.True(m[MachineParam.TrapEntry] + m[MachineParam.TrapExit] + counted < 1080,
            $"trap pair {m[MachineParam.TrapEntry]} + {m[MachineParam.TrapExit]} and {counted} cycles of dispatch and getppid exceed the 1,080-cycle null call");
        // The split is the estimate's 60/40, which a tied fit keeps.
        Assert.InRange(100 * m[MachineParam.TrapEntry] / (m[MachineParam.TrapEntry] + m[MachineParam.TrapExit]), 59, 63);
    }

    [Fact]
    public void P4_672_trap_round_trip_fits_inside_the_measured_divide_error()
    {
        // Adams & Agesen 2006: divzero native = 889 cycles = entry + exit + a minimal handler.
        var m = Workloads.Catalog.LoadMachine("p4-672-2006");
        Assert.True(m[MachineParam.TrapEntry] + m[MachineParam.TrapExit] < 889);
    }

    [Theory]
    [MemberData(nameof(KernelNames))]
    public void Every_shipped_kernel_loads_with_an_estimate_for_every_path(string name)
    {
        var k = Workloads.Catalog.LoadKernel(name);
        Assert.Equal(name, k.Name);
        for (var i = 0; i < KernelPaths.Count; i++)
        {
            Assert.StartsWith("estimate: ", k.SourceOf((KernelPath)i), StringComparison.Ordinal);
            Assert.True(k[(KernelPath)i] > 0);
        }
    }

    [Theory]
    [MemberData(nameof(KernelNames))]
    public void Every_shipped_kernel_has_a_sourced_smp_locked_op_count_for_every_path(string name)
    {
        var k = Workloads.Catalog.LoadKernel(name);
        if (name == "nanokernel")
        {
            Assert.Null(k.SmpLockedOps); // a uniprocessor test kernel: --cpus > 1 is refused
            return;
        }
        Assert.NotNull(k.SmpLockedOps);
        for (var i = 0; i < KernelPaths.Count; i++)
        {
            Assert.InRange(k.SmpLockedOps![i], 0, 100_000);
            Assert.False(string.IsNullOrWhiteSpace(k.SmpLockedOpSources![i]));
        }
    }

    [Fact]
    public void Linux_2_4_uses_int80_and_copies_file_ptes_at_fork()
    {
        var k = Workloads.Catalog.LoadKernel("linux-2.4.21");
        Assert.Equal(SyscallEntry.Int80, k.SyscallEntry);
        Assert.Equal(PagingMode.I386, k.Paging);
        Assert.True(k.ForkCopiesFilePtes);
    }

    [Fact]
    public void Linux_2_6_20_uses_sysenter_and_write_protects_read_only_ptes_at_fork()
    {
        var k = Workloads.Catalog.LoadKernel("linux-2.6.20");
        Assert.Equal(SyscallEntry.Sysenter, k.SyscallEntry);
        Assert.False(k.ForkCopiesFilePtes);
        Assert.True(k.ForkWriteProtectsReadOnlyPtes);
    }

    [Fact]
    public void Linux_2_6_20_carries_the_factors_linux_2_4_21_is_fitted_with_today()
    {
        // Each 2.6.20 path scaled by a carried fit names the 2.4.21 group factor it carries, and the factor it applies
        // (that one, or that one times the conversion to the counting method's scale); a refit of 2.4.21 that is not
        // carried over leaves them stale, which this catches.
        var k24 = Workloads.Catalog.LoadKernel("linux-2.4.21");
        var fitted = new Dictionary<string, double>();
        for (var i = 0; i < KernelPaths.Count; i++)
        {
            var m = System.Text.RegularExpressions.Regex.Match(k24.SourceOf((KernelPath)i), @"\| fitted ×([0-9.]+) \((\w+) group");
            if (m.Success)
            {
                fitted[m.Groups[2].Value] = double.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            }
        }
        Assert.Equal(4, fitted.Count);
        var k26 = Workloads.Catalog.LoadKernel("linux-2.6.20");
        var checkedPaths = 0;
        for (var i = 0; i < KernelPaths.Count; i++)
        {
            var source = k26.SourceOf((KernelPath)i);
            var m = System.Text.RegularExpressions.Regex.Match(source, @"scaled ×([0-9.]+) \((\w+) group\)(.*)$");
            if (!m.Success)
            {
                continue;
            }
            checkedPaths++;
            double Num(string s) => double.Parse(s, System.Globalization.CultureInfo.InvariantCulture);
            var (applied, group, rest) = (Num(m.Groups[1].Value), m.Groups[2].Value, m.Groups[3].Value);
            var conv = System.Text.RegularExpressions.Regex.Match(rest, @"\(×([0-9.]+)\) carried over to an estimate made the earlier way, first converted ×([0-9.]+)");
            if (conv.Success)
            {
                Assert.Equal(fitted[group], Num(conv.Groups[1].Value));
                Assert.Equal(Math.Round(Num(conv.Groups[2].Value) * fitted[group], 3), applied, 3);
            }
            else
            {
                Assert.Equal(fitted[group], applied);
            }
        }
        Assert.True(checkedPaths > 50, $"{checkedPaths} carried paths");
    }

    [Theory]
    [MemberData(nameof(KernelNames))]
    public void Every_shipped_kernel_survives_the_writer_that_calibrate_uses(string name)
    {
        var k = Workloads.Catalog.LoadKernel(name);
        var dir = Directory.CreateTempSubdirectory("perfsim-kernel-").FullName;
        try
        {
            var path = Path.Combine(dir, name + ".json");
            File.WriteAllText(path, PerfSim.IO.Config.KernelProfileWriter.Render(k));
            var back = PerfSim.IO.Config.KernelProfileLoader.Load(path);
            Assert.Equal(k.Journal, back.Journal);
            Assert.Equal(name == "nanokernel", k.Journal is null); // the Linux profiles journal (ext3); the nanokernel has no file system
            for (var i = 0; i < KernelPaths.Count; i++)
            {
                Assert.Equal((k[(KernelPath)i], k.SourceOf((KernelPath)i)), (back[(KernelPath)i], back.SourceOf((KernelPath)i)));
            }
            Assert.Equal(File.ReadAllText(Path.Combine(Workloads.Catalog.KernelsDirectory, name + ".json")), File.ReadAllText(path));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
