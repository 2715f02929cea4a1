using System.Text;
using PerfSim.Core.Designs;
using PerfSim.Core.Designs.Hooks;
using PerfSim.IO.Config;

namespace PerfSim.Tests.Config;

public sealed class DesignLoaderTests
{
    private const string File = "workloads/designs/study.json";

    private static string Design(string body) =>
        "{\n  \"name\": \"study\",\n  \"description\": \"a study\",\n" + body + "\n}\n";

    private static DesignSpec Load(string text) => DesignLoader.Parse(Encoding.UTF8.GetBytes(text), File, "study");

    private static ConfigError Error(string text) =>
        Assert.Single(Assert.Throws<ConfigException>(() => Load(text)).Errors);

    [Fact]
    public void Hook_overrides_and_ipi_are_read_and_each_class_takes_its_override_or_the_design_hook()
    {
        var d = Load(Design("""
              "hook": "patched",
              "hypervisor": "present",
              "cpu_state": "hypercall",
              "hook_overrides": { "set_debugreg": "trap", "read_cr2": "rom" },
              "ipi": "pv-flush"
            """));
        Assert.Equal(IpiMechanism.PvFlush, d.Ipi);
        Assert.Equal(2, d.HookOverrides.Count);
        Assert.Equal(HookMechanism.Trap, d.HookFor(HookOp.SetDebugReg));
        Assert.Equal(HookMechanism.Rom, d.HookFor(HookOp.ReadCr2));
        Assert.Equal(HookMechanism.Patched, d.HookFor(HookOp.IrqDisable));
    }

    [Fact]
    public void Without_the_new_keys_a_design_has_no_overrides_and_native_ipis()
    {
        var d = Load(Design("  \"hook\": \"rom\""));
        Assert.Empty(d.HookOverrides);
        Assert.Equal(IpiMechanism.Native, d.Ipi);
        Assert.All(Enum.GetValues<HookOp>(), op => Assert.Equal(HookMechanism.Rom, d.HookFor(op)));
    }

    [Fact]
    public void A_trapped_interrupt_flag_makes_the_four_flag_classes_trap_unless_overridden()
    {
        var d = Load(Design("""
              "hook": "patched",
              "hypervisor": "present",
              "irq_flag": "trapped",
              "hook_overrides": { "restore_fl": "indirect" }
            """));
        Assert.Equal(IrqFlagMechanism.Trapped, d.IrqFlag);
        Assert.Equal(HookMechanism.Trap, d.HookFor(HookOp.IrqDisable));
        Assert.Equal(HookMechanism.Trap, d.HookFor(HookOp.SaveFlags));
        Assert.Equal(HookMechanism.Indirect, d.HookFor(HookOp.RestoreFlags));
        Assert.Equal(HookMechanism.Patched, d.HookFor(HookOp.Iret));
    }

    [Fact]
    public void An_unknown_operation_class_names_the_file_line_and_key_and_suggests_the_near_class()
    {
        var text = Design("""
              "hypervisor": "present",
              "hook_overrides": {
                "irq_disabel": "trap"
              }
            """);
        var e = Error(text);
        Assert.Equal(File, e.File);
        Assert.Equal(Workloads.LineOf(text, "\"irq_disabel\""), e.Line);
        Assert.Equal("hook_overrides.irq_disabel", e.KeyPath);
        Assert.Equal("unknown key 'irq_disabel' (did you mean 'irq_disable'?)", e.Message);
    }

    [Fact]
    public void An_unknown_mechanism_names_the_line_and_key_lists_the_choices_and_suggests_the_near_one()
    {
        var text = Design("""
              "hypervisor": "present",
              "hook_overrides": {
                "clts": "trapp"
              }
            """);
        var e = Error(text);
        Assert.Equal(Workloads.LineOf(text, "\"trapp\""), e.Line);
        Assert.Equal("hook_overrides.clts", e.KeyPath);
        Assert.StartsWith("'trapp' is not one of 'inline', 'patched', 'indirect', 'rom', 'bt', 'union', 'trap'", e.Message, StringComparison.Ordinal);
        Assert.EndsWith("(did you mean 'trap'?)", e.Message, StringComparison.Ordinal);
        Assert.Contains($"{File}:{e.Line}: hook_overrides.clts:", e.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Hook_overrides_must_be_an_object()
    {
        var text = Design("  \"hook_overrides\": [\"clts\"]");
        var e = Error(text);
        Assert.Equal("hook_overrides", e.KeyPath);
        Assert.Equal("expected an object, found an array", e.Message);
        Assert.Equal(Workloads.LineOf(text, "[\"clts\"]"), e.Line);
    }

    [Fact]
    public void An_unknown_ipi_mechanism_is_an_error_with_a_suggestion()
    {
        var text = Design("  \"hypervisor\": \"present\",\n  \"ipi\": \"pvflush\"");
        var e = Error(text);
        Assert.Equal("ipi", e.KeyPath);
        Assert.Equal(Workloads.LineOf(text, "\"pvflush\""), e.Line);
        Assert.Equal("'pvflush' is not one of 'native', 'hypercall', 'trapped', 'pv-flush' (did you mean 'pv-flush'?)", e.Message);
    }

    [Theory]
    [InlineData("write_cr3", "", "page_table_mode")]
    [InlineData("set_pte", "", "count the hypervisor twice")]
    [InlineData("iret", "", "never faults")]
    [InlineData("load_tls", "", "not a privileged instruction")]
    [InlineData("send_ipi", "", "ipi")]
    [InlineData("irq_disable", "\"trap_via\": \"vm-exit\",", "VT-x/AMD-V cannot exit on cli")]
    [InlineData("read_cr2", "\"trap_via\": \"vm-exit\",", "cannot exit on mov from %cr2")]
    public void A_trap_override_the_class_cannot_take_is_refused_at_its_own_line_with_the_reason(string cls, string extra, string reason)
    {
        var text = Design($$"""
              "hypervisor": "present",
              {{extra}}
              "hook_overrides": {
                "clts": "trap",
                "{{cls}}": "trap"
              }
            """);
        var e = Error(text);
        Assert.Equal("hook_overrides." + cls, e.KeyPath);
        Assert.Equal(Workloads.LineOf(text, $"\"{cls}\": \"trap\""), e.Line);
        Assert.StartsWith("'trap' refused: ", e.Message, StringComparison.Ordinal);
        Assert.Contains(reason, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Classes_with_an_exit_control_may_trap_by_vm_exit()
    {
        var d = Load(Design("""
              "hypervisor": "present",
              "trap_via": "vm-exit",
              "hook_overrides": { "clts": "trap", "write_cr0": "trap", "set_debugreg": "trap", "set_ldt": "trap" }
            """));
        Assert.Equal(4, d.HookOverrides.Count);
    }

    [Fact]
    public void A_trap_needs_a_hypervisor()
    {
        var e = Error(Design("  \"hook_overrides\": { \"clts\": \"trap\" }"));
        Assert.Equal("hook_overrides.clts", e.KeyPath);
        Assert.Equal("'trap' faults to a hypervisor (hypervisor: present)", e.Message);
    }

    [Theory]
    [InlineData("\"hook_overrides\": { \"clts\": \"bt\" }", "hook_overrides.clts", "rewrites the whole kernel")]
    [InlineData("\"hook\": \"bt\", \"page_table_mode\": \"shadow\", \"hook_overrides\": { \"clts\": \"rom\" }", "hook_overrides.clts", "can only be overridden to 'trap'")]
    [InlineData("\"page_table_mode\": \"shadow\", \"hook_overrides\": { \"set_pte\": \"rom\" }", "hook_overrides.set_pte", "keep the design's hook")]
    [InlineData("\"supervisor_mode_kernel\": true, \"hook_overrides\": { \"clts\": \"trap\" }", "hook_overrides.clts", "ring 0")]
    public void Overrides_that_make_no_sense_are_refused(string body, string key, string reason)
    {
        var e = Error(Design("  \"hypervisor\": \"present\",\n  " + body));
        Assert.Equal(key, e.KeyPath);
        Assert.Contains(reason, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\"hook\": \"trap\", \"hypervisor\": \"present\"", "choose it per class")]
    [InlineData("\"irq_flag\": \"trapped\", \"hypervisor\": \"present\", \"trap_via\": \"vm-exit\"", "cannot exit on cli, sti, pushf or popf")]
    [InlineData("\"irq_flag\": \"trapped\", \"hypervisor\": \"present\", \"hook\": \"bt\", \"page_table_mode\": \"shadow\"", "binary translation rewrites")]
    [InlineData("\"irq_flag\": \"trapped\"", "need a hypervisor")]
    [InlineData("\"irq_flag\": \"trapped\", \"hypervisor\": \"present\", \"supervisor_mode_kernel\": true", "in ring 0 cli and sti do not fault")]
    [InlineData("\"ipi\": \"hypercall\"", "need a hypervisor")]
    public void Impossible_combinations_of_the_new_mechanisms_are_refused_with_the_reason(string body, string reason)
    {
        var e = Error(Design("  " + body));
        Assert.Equal("", e.KeyPath);
        Assert.Contains(reason, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_shipped_preset_loads_and_its_overrides_are_valid()
    {
        foreach (var name in Workloads.Catalog.DesignNames)
        {
            var d = Workloads.Catalog.LoadDesign(name);
            Assert.Empty(d.Problems());
        }
        var rare = Workloads.Catalog.LoadDesign("xen-pv-trap-rare");
        Assert.Equal(HookMechanism.Trap, rare.HookFor(HookOp.SetDebugReg));
        Assert.Equal(HookMechanism.Inline, rare.HookFor(HookOp.LoadEsp0));
    }
}
