using System.Text;
using PerfSim.IO.Config;

namespace PerfSim.Tests.Config;

public sealed class LoaderErrorTests
{
    private const string Machine = "xeon-2400-2003";
    private const string File = "workloads/machines/xeon-2400-2003.json";

    private static ConfigException LoadMachine(string text) =>
        Assert.Throws<ConfigException>(() => MachineProfileLoader.Parse(Encoding.UTF8.GetBytes(text), File, Machine));

    private static ConfigException LoadKernel(string text) =>
        Assert.Throws<ConfigException>(() => KernelProfileLoader.Parse(Encoding.UTF8.GetBytes(text), "k.json", "linux-2.6.20"));

    [Fact]
    public void Unknown_key_names_the_file_line_and_key_and_suggests_the_near_key()
    {
        var text = Workloads.MachineText(Machine).Replace("\"trap_entry\":", "\"trap_entri\":", StringComparison.Ordinal);
        var e = LoadMachine(text);
        var error = Assert.Single(e.Errors, x => x.Message.StartsWith("unknown key", StringComparison.Ordinal));
        Assert.Equal(File, error.File);
        Assert.Equal(Workloads.LineOf(text, "\"trap_entri\""), error.Line);
        Assert.Equal("params.trap_entri", error.KeyPath);
        Assert.Contains("unknown key 'trap_entri' (did you mean 'trap_entry'?)", error.Message, StringComparison.Ordinal);
        Assert.Contains($"{File}:{error.Line}: params.trap_entri: unknown key 'trap_entri'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_top_level_key_is_an_error()
    {
        var text = Workloads.MachineText(Machine).Replace("\"default_kernel\":", "\"extra\": 1,\n  \"default_kernel\":", StringComparison.Ordinal);
        var error = Assert.Single(LoadMachine(text).Errors);
        Assert.Equal("extra", error.KeyPath);
        Assert.Equal(Workloads.LineOf(text, "\"extra\""), error.Line);
    }

    [Fact]
    public void Missing_parameter_is_an_error_naming_its_key_path()
    {
        var text = Workloads.MachineText(Machine);
        var start = text.IndexOf("\"cpuid\":", StringComparison.Ordinal);
        var end = text.IndexOf("\"rdtsc\":", StringComparison.Ordinal);
        text = text[..start] + text[end..];
        var error = Assert.Single(LoadMachine(text).Errors);
        Assert.Equal("params.cpuid", error.KeyPath);
        Assert.Equal("missing key 'cpuid'", error.Message);
        Assert.Equal(Workloads.LineOf(text, "\"params\""), error.Line);
    }

    [Fact]
    public void Wrong_unit_key_is_an_error_naming_the_expected_unit()
    {
        var text = Workloads.MachineText(Machine).Replace("\"mhz\": 2400", "\"cycles\": 2400", StringComparison.Ordinal);
        var e = LoadMachine(text);
        var wrong = Assert.Single(e.Errors, x => x.Message.StartsWith("wrong unit key", StringComparison.Ordinal));
        Assert.Equal("params.frequency.cycles", wrong.KeyPath);
        Assert.Contains("'mhz'", wrong.Message, StringComparison.Ordinal);
        Assert.Equal(Workloads.LineOf(text, "\"cycles\": 2400"), wrong.Line);
        Assert.Contains(e.Errors, x => x.KeyPath == "params.frequency.mhz" && x.Message == "missing key 'mhz'");
    }

    [Fact]
    public void Out_of_range_value_is_an_error_giving_the_bounds()
    {
        var text = Workloads.MachineText(Machine).Replace("\"flag\": 1", "\"flag\": 2", StringComparison.Ordinal);
        var error = Assert.Single(LoadMachine(text).Errors);
        Assert.Equal("params.global_pages.flag", error.KeyPath);
        Assert.Equal("2 is out of range [0, 1]", error.Message);
        Assert.Equal(Workloads.LineOf(text, "\"flag\": 2"), error.Line);
    }

    [Fact]
    public void Non_integer_and_wrongly_typed_values_are_errors()
    {
        var text = Workloads.MachineText(Machine)
            .Replace("\"mhz\": 2400", "\"mhz\": 2400.5", StringComparison.Ordinal)
            .Replace("\"default_kernel\": \"linux-2.4.21\"", "\"default_kernel\": 7", StringComparison.Ordinal);
        var e = LoadMachine(text);
        Assert.Contains(e.Errors, x => x.KeyPath == "params.frequency.mhz" && x.Message == "expected an integer, found 2400.5");
        Assert.Contains(e.Errors, x => x.KeyPath == "default_kernel" && x.Message == "expected a string, found a number");
    }

    [Fact]
    public void Empty_source_is_an_error()
    {
        var text = Workloads.MachineText(Machine);
        var i = text.IndexOf("\"source\": \"", text.IndexOf("\"rdtsc\"", StringComparison.Ordinal), StringComparison.Ordinal) + "\"source\": \"".Length;
        text = text[..i] + text[text.IndexOf('"', i)..];
        var error = Assert.Single(LoadMachine(text).Errors);
        Assert.Equal("params.rdtsc.source", error.KeyPath);
    }

    [Fact]
    public void Name_must_match_the_file_name()
    {
        var text = Workloads.MachineText(Machine).Replace("\"name\": \"xeon-2400-2003\"", "\"name\": \"xeon\"", StringComparison.Ordinal);
        var error = Assert.Single(LoadMachine(text).Errors);
        Assert.Equal("name", error.KeyPath);
        Assert.Equal(2, error.Line);
    }

    [Fact]
    public void Malformed_json_is_an_error_with_its_line()
    {
        var text = Workloads.MachineText(Machine);
        var at = text.IndexOf("\"store\"", StringComparison.Ordinal);
        text = text[..at] + "," + text[at..];   // ", ," style error on the line of "store"
        var error = Assert.Single(LoadMachine(text).Errors);
        Assert.Equal(File, error.File);
        Assert.StartsWith("malformed JSON", error.Message, StringComparison.Ordinal);
        Assert.Equal(Workloads.LineOf(text, "\"store\""), error.Line);
    }

    [Fact]
    public void Trailing_commas_and_comments_are_rejected()
    {
        Assert.StartsWith("malformed JSON", Assert.Single(LoadMachine("{\"name\": \"x\",}").Errors).Message, StringComparison.Ordinal);
        Assert.StartsWith("malformed JSON", Assert.Single(LoadMachine("// c\n{}").Errors).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void All_errors_of_a_file_are_reported_together()
    {
        var text = Workloads.MachineText(Machine)
            .Replace("\"trap_exit\":", "\"trap_exits\":", StringComparison.Ordinal)
            .Replace("\"flag\": 1", "\"flag\": 5", StringComparison.Ordinal)
            .Replace("\"ways\": 64", "\"way\": 64", StringComparison.Ordinal);
        var e = LoadMachine(text);
        Assert.Contains(e.Errors, x => x.KeyPath == "params.trap_exits" && x.Message.Contains("did you mean 'trap_exit'", StringComparison.Ordinal));
        Assert.Contains(e.Errors, x => x.KeyPath == "params.trap_exit" && x.Message == "missing key 'trap_exit'");
        Assert.Contains(e.Errors, x => x.KeyPath == "params.global_pages.flag");
        Assert.Contains(e.Errors, x => x.KeyPath == "params.dtlb_ways.way" && x.Message.Contains("did you mean 'ways'", StringComparison.Ordinal));
        Assert.Equal(5, e.Errors.Count);
        Assert.StartsWith("5 errors:", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Kernel_file_errors_name_the_bad_choice_and_path()
    {
        var text = Workloads.KernelText("linux-2.6.20")
            .Replace("\"paging\": \"i386\"", "\"paging\": \"i368\"", StringComparison.Ordinal)
            .Replace("\"global_kernel_pages\": true", "\"global_kernel_pages\": \"yes\"", StringComparison.Ordinal)
            .Replace("\"schedule\":", "\"schedul\":", StringComparison.Ordinal);
        var e = LoadKernel(text);
        Assert.Contains(e.Errors, x => x.KeyPath == "paging" && x.Message.Contains("did you mean 'i386'", StringComparison.Ordinal));
        Assert.Contains(e.Errors, x => x.KeyPath == "global_kernel_pages" && x.Message == "expected true or false, found a string");
        Assert.Contains(e.Errors, x => x.KeyPath == "paths.schedul" && x.Message.Contains("did you mean 'schedule'", StringComparison.Ordinal)
            && x.Line == Workloads.LineOf(text, "\"schedul\""));
        Assert.Contains(e.Errors, x => x.KeyPath == "paths.schedule" && x.Message == "missing key 'schedule'");
    }

    [Fact]
    public void Kernel_path_in_the_wrong_unit_is_an_error()
    {
        var text = System.Text.RegularExpressions.Regex.Replace(Workloads.KernelText("linux-2.6.20"), "\"instructions\": (\\d+),", "\"cycles\": $1,");
        Assert.Contains(LoadKernel(text).Errors, x => x.Message.StartsWith("wrong unit key 'cycles'", StringComparison.Ordinal));
    }

    [Fact]
    public void A_kernel_without_an_smp_table_loads_as_a_uniprocessor_build_and_a_typo_in_the_table_is_named()
    {
        var text = Workloads.KernelText("linux-2.6.20");
        var cut = text.IndexOf(",\n  \"smp_locked_ops\"", StringComparison.Ordinal);
        Assert.True(cut > 0);
        var up = text[..cut] + "\n}\n";
        Assert.Null(KernelProfileLoader.Parse(Encoding.UTF8.GetBytes(up), "k.json", "linux-2.6.20").SmpLockedOps);
        var typo = text.Replace("\"fork_per_pte\": {\n      \"locked_ops\"", "\"fork_per_ptee\": {\n      \"locked_ops\"", StringComparison.Ordinal);
        Assert.Contains(LoadKernel(typo).Errors, x => x.KeyPath == "smp_locked_ops.fork_per_ptee" && x.Message.Contains("did you mean 'fork_per_pte'", StringComparison.Ordinal));
    }

    /// <summary>A kernel text with rep_string_ops and rep_string_dwords tables (or, with <paramref name="scan"/>, rep_scan_ops and rep_scan_elements): zero everywhere but the given paths.</summary>
    private static string WithRepTables(string text, IReadOnlyDictionary<string, (long Ops, long Dwords)> given, bool ops = true, bool dwords = true, bool scan = false)
    {
        string Table(string key, Func<(long Ops, long Dwords), long> pick) =>
            $",\n  \"{key}\": {{\n" + string.Join(",\n", PerfSim.Core.Kernel.KernelPaths.Defs.Select(d =>
                $"    \"{d.Key}\": {{ \"count\": {(given.TryGetValue(d.Key, out var v) ? pick(v) : 0)}, \"source\": \"test\" }}")) + "\n  }";
        var cut = text.LastIndexOf('}');
        return text[..cut].TrimEnd() + (ops ? Table(scan ? "rep_scan_ops" : "rep_string_ops", v => v.Ops) : "")
            + (dwords ? Table(scan ? "rep_scan_elements" : "rep_string_dwords", v => v.Dwords) : "") + "\n}\n";
    }

    /// <summary>linux-2.6.20's text without its rep string and rep scan tables (they sit just before smp_coherence).</summary>
    private static string WithoutRepTables()
    {
        var shipped = Workloads.KernelText("linux-2.6.20");
        var (from, to) = (shipped.IndexOf("  \"rep_string_ops\": {", StringComparison.Ordinal), shipped.IndexOf("  \"smp_coherence\": {", StringComparison.Ordinal));
        Assert.True(from > 0 && to > from, "linux-2.6.20 carries its rep tables just before smp_coherence");
        return shipped[..from] + shipped[to..];
    }

    /// <summary>The cycles a path costs natively under <paramref name="with"/> beyond what it costs under <paramref name="without"/>.</summary>
    private static long ExtraCycles(PerfSim.Core.Machine.MachineProfile machine, PerfSim.Core.Kernel.KernelProfile without, PerfSim.Core.Kernel.KernelProfile with,
        PerfSim.Core.Kernel.KernelPath path) =>
        new PerfSim.Core.Simulation.ResolvedConfig(machine, with, PerfSim.Core.Designs.DesignSpec.Native, 1, 1).CyclesOf(path)
        - new PerfSim.Core.Simulation.ResolvedConfig(machine, without, PerfSim.Core.Designs.DesignSpec.Native, 1, 1).CyclesOf(path);

    [Fact]
    public void Rep_scan_tables_load_price_a_path_at_the_machine_s_scan_costs_and_come_in_pairs()
    {
        var text = WithoutRepTables();
        var plain = KernelProfileLoader.Parse(Encoding.UTF8.GetBytes(text), "k.json", "linux-2.6.20");
        Assert.Null(plain.RepScanOps);
        var given = new Dictionary<string, (long, long)> { ["dir_entry_scan"] = (2, 5) };
        var k = KernelProfileLoader.Parse(Encoding.UTF8.GetBytes(WithRepTables(text, given, scan: true)), "k.json", "linux-2.6.20");
        Assert.Null(k.RepStringOps);
        var machine = MachineProfileLoader.Parse(Encoding.UTF8.GetBytes(Workloads.MachineText(Machine)), File, Machine);
        var (startup, perElement) = (machine[PerfSim.Core.Machine.MachineParam.RepScanStartup], machine[PerfSim.Core.Machine.MachineParam.RepScanPerElement]);
        Assert.True(startup > 0 && perElement > 0 && startup != machine[PerfSim.Core.Machine.MachineParam.RepStringStartup]);
        Assert.Equal(2 * startup + 5 * perElement, ExtraCycles(machine, plain, k, PerfSim.Core.Kernel.KernelPath.DirEntryScan));
        Assert.Equal(0, ExtraCycles(machine, plain, k, PerfSim.Core.Kernel.KernelPath.SysNull));
        var again = KernelProfileLoader.Parse(Encoding.UTF8.GetBytes(KernelProfileWriter.Render(k)), "k.json", "linux-2.6.20");
        Assert.Equal(k.RepScanOps, again.RepScanOps);
        Assert.Equal(k.RepScanElements, again.RepScanElements);
        Assert.Contains(LoadKernel(WithRepTables(text, given, dwords: false, scan: true)).Errors, x => x.KeyPath == "rep_scan_elements" && x.Message.Contains("come together", StringComparison.Ordinal));
        Assert.Contains(LoadKernel(WithRepTables(text, given, ops: false, scan: true)).Errors, x => x.KeyPath == "rep_scan_ops");
    }

    [Fact]
    public void Rep_string_tables_load_price_a_path_at_the_machine_s_start_up_and_dword_costs_and_come_in_pairs()
    {
        var text = WithoutRepTables();
        var plain = KernelProfileLoader.Parse(Encoding.UTF8.GetBytes(text), "k.json", "linux-2.6.20");
        Assert.Null(plain.RepStringOps);
        var given = new Dictionary<string, (long, long)> { ["sys_kill"] = (3, 40), ["signal_setup_frame"] = (22, 340) };
        var k = KernelProfileLoader.Parse(Encoding.UTF8.GetBytes(WithRepTables(text, given)), "k.json", "linux-2.6.20");
        Assert.Equal(3, k.RepStringOps![(int)PerfSim.Core.Kernel.KernelPath.SysKill]);
        Assert.Equal(340, k.RepStringDwords![(int)PerfSim.Core.Kernel.KernelPath.SignalSetupFrame]);
        Assert.Equal(0, k.RepStringOps[(int)PerfSim.Core.Kernel.KernelPath.SysNull]);

        // Priced on top of the path's instructions, at the machine's costs, and not on a path without rep strings.
        var machine = MachineProfileLoader.Parse(Encoding.UTF8.GetBytes(Workloads.MachineText(Machine)), File, Machine);
        var startup = machine[PerfSim.Core.Machine.MachineParam.RepStringStartup];
        var perDword = machine[PerfSim.Core.Machine.MachineParam.RepStringPerDword];
        Assert.True(startup > 0 && perDword > 0);
        Assert.Equal(3 * startup + 40 * perDword, ExtraCycles(machine, plain, k, PerfSim.Core.Kernel.KernelPath.SysKill));
        Assert.Equal(0, ExtraCycles(machine, plain, k, PerfSim.Core.Kernel.KernelPath.SysNull));

        // The writer keeps them (a calibrated profile carries its rep strings over).
        var again = KernelProfileLoader.Parse(Encoding.UTF8.GetBytes(KernelProfileWriter.Render(k)), "k.json", "linux-2.6.20");
        Assert.Equal(k.RepStringOps, again.RepStringOps);
        Assert.Equal(k.RepStringDwords, again.RepStringDwords);

        // One table without the other is refused, naming the missing one; a typo in a path key is named.
        Assert.Contains(LoadKernel(WithRepTables(text, given, dwords: false)).Errors, x => x.KeyPath == "rep_string_dwords" && x.Message.Contains("come together", StringComparison.Ordinal));
        Assert.Contains(LoadKernel(WithRepTables(text, given, ops: false)).Errors, x => x.KeyPath == "rep_string_ops" && x.Line > 1);
        var typo = WithRepTables(text, given).Replace("\"sys_kill\": { \"count\": 3", "\"sys_kil\": { \"count\": 3", StringComparison.Ordinal);
        Assert.Contains(LoadKernel(typo).Errors, x => x.KeyPath == "rep_string_ops.sys_kil" && x.Message.Contains("did you mean 'sys_kill'", StringComparison.Ordinal));
    }

    [Fact]
    public void The_teardown_knobs_load_by_kernel_version_and_a_typo_or_a_bad_value_is_named()
    {
        var k24 = KernelProfileLoader.Parse(Encoding.UTF8.GetBytes(Workloads.KernelText("linux-2.4.21")), "k.json", "linux-2.4.21");
        Assert.True(k24.ZapFlushesPerVma && k24.ExecReusesMm);
        var text = Workloads.KernelText("linux-2.6.20");
        var k26 = KernelProfileLoader.Parse(Encoding.UTF8.GetBytes(text), "k.json", "linux-2.6.20");
        Assert.False(k26.ZapFlushesPerVma || k26.ExecReusesMm);
        var typo = text.Replace("\"zap_flushes_per_vma\":", "\"zap_flush_per_vma\":", StringComparison.Ordinal);
        Assert.Contains(LoadKernel(typo).Errors, x => x.KeyPath == "zap_flush_per_vma" && x.Message.Contains("did you mean 'zap_flushes_per_vma'", StringComparison.Ordinal));
        var notBool = text.Replace("\"exec_reuses_mm\": false", "\"exec_reuses_mm\": 0", StringComparison.Ordinal);
        Assert.Contains(LoadKernel(notBool).Errors, x => x.KeyPath == "exec_reuses_mm" && x.Line > 1);
    }

    [Fact]
    public void Scheduler_settings_load_and_a_typo_or_a_bad_value_is_named()
    {
        var text = Workloads.KernelText("linux-2.6.20");
        var k = KernelProfileLoader.Parse(Encoding.UTF8.GetBytes(text), "k.json", "linux-2.6.20");
        Assert.Equal(new PerfSim.Core.Kernel.SchedulerParams(100_000, true, 4000, k.Scheduler!.Source), k.Scheduler);
        var typo = text.Replace("\"idle_balance_us\":", "\"idle_balance_ms\":", StringComparison.Ordinal);
        Assert.Contains(LoadKernel(typo).Errors, x => x.KeyPath == "scheduler.idle_balance_ms" && x.Message.Contains("did you mean 'idle_balance_us'", StringComparison.Ordinal));
        Assert.Contains(LoadKernel(typo).Errors, x => x.KeyPath == "scheduler.idle_balance_us" && x.Message == "missing key 'idle_balance_us'");
        var zero = text.Replace("\"timeslice_us\": 100000", "\"timeslice_us\": 0", StringComparison.Ordinal);
        Assert.Contains(LoadKernel(zero).Errors, x => x.KeyPath == "scheduler.timeslice_us" && x.Message.Contains("out of range", StringComparison.Ordinal));
    }

    [Fact]
    public void A_byte_order_mark_is_accepted()
    {
        var bytes = Encoding.UTF8.GetPreamble().Concat(Encoding.UTF8.GetBytes(Workloads.MachineText(Machine))).ToArray();
        Assert.Equal(Machine, MachineProfileLoader.Parse(bytes, File, Machine).Name);
    }

    [Fact]
    public void A_missing_file_is_a_config_error()
    {
        var e = Assert.Throws<ConfigException>(() => MachineProfileLoader.Load(Path.Combine(Path.GetTempPath(), "no-such-perfsim-machine.json")));
        Assert.Contains("cannot read the file", e.Message, StringComparison.Ordinal);
    }
}
