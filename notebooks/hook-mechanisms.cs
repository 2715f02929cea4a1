#:project ../src/PerfSim.IO/PerfSim.IO.csproj
#:property PublishAot=false
// (d) What the hooks cost on bare metal: inline instructions, patched NOP sites, function pointers, ROM calls.
// dotnet run notebooks/hook-mechanisms.cs [OUTDIR]
using PerfSim.IO.Charts;
using PerfSim.IO.Notebooks;

var study = new Study("hook-mechanisms", "Function-pointer hooks against patched NOPs on native hardware", args);
string[] machines = ["xeon-2400-2003", "p4-672-2006", "skylake-sp-2017"];
string[] designs = ["native-pvops", "native-pvops-indirect", "vmi-native"];
string[] workloads = ["null-call", "ctx-2p-0k", "fork", "page-fault"];
study.Text("""
A paravirtualized kernel that boots on bare metal still goes through its hooks. `native-pvops` patches each call
site at boot (the native instruction inline, or a direct call padded with NOPs); `native-pvops-indirect` calls through
the function-pointer table every time; `vmi-native` calls the native ROM. The cost is the paravirtualization tax a
distribution kernel pays on every machine that never runs a hypervisor.
""");
var largest = new List<string>();
var patchedSmallest = true;
foreach (var m in machines)
{
    var series = designs.Select(d => new Series(d, workloads.Select(w => study.Overhead(m, d, w)).ToList())).ToList();
    var worst = series[1].Values.Select((v, i) => (v, i)).MaxBy(x => x.v);
    patchedSmallest &= workloads.Select((_, i) => i).All(i => series[0].Values[i] <= series[1].Values[i] && series[0].Values[i] <= series[2].Values[i]);
    largest.Add($"on {m}, {workloads[worst.i]} (+{Study.F((worst.v - 1) * 100, "F1")}% with function pointers, +{Study.F((series[0].Values[worst.i] - 1) * 100, "F1")}% patched)");
    study.Chart($"tax-{m}", new BarChart($"Hooks on bare metal, {m}", "time relative to native (×)", workloads, series, Reference: 1.0, ReferenceLabel: "native"),
        $"time relative to native on {m}");
    study.Table(["workload", .. designs], workloads.Select((w, i) => (IReadOnlyList<string>)[w, .. series.Select(s => $"+{Study.F((s.Values[i] - 1) * 100, "F1")}%")]));
}
study.Text($"""
{(patchedSmallest ? "Patched call sites keep the smallest tax on every machine and workload here" : "Patched call sites do not always keep the smallest tax (see the tables)")};
function pointers and ROM calls pay a call, and for function pointers an indirect branch, on every hook. The workload
that feels it most: {string.Join("; ", largest)}.
""");
study.Save();
