#:project ../src/PerfSim.IO/PerfSim.IO.csproj
#:property PublishAot=false
// (a) The 2005 argument in numbers: VMI's ROM calls against Xen's hypercalls on fork, exec, context switch and faults.
// dotnet run notebooks/vmi-vs-xen.cs [OUTDIR]
using PerfSim.IO.Charts;
using PerfSim.IO.Notebooks;

var study = new Study("vmi-vs-xen", "VMI against Xen: fork, exec, context switch and page faults", args);
string[] workloads = ["fork", "exec", "ctx-2p-0k", "page-fault"];
string[] designs = ["vmi-native", "vmi-hypervisor", "xen-1.0", "xen-pv"];
const string machine = "p4-672-2006";
study.Text($"""
The debate of 2005 was about cycles on exactly these paths. Each design runs the lmbench-style workload on `{machine}`
(a 3.8 GHz Pentium 4, `linux-2.6.20`); every figure is the design's time over native's for the same workload.
`vmi-native` is the VMI kernel on bare metal (the ROM's native implementation), `vmi-hypervisor` the same kernel under
VMware's hypervisor (shadow page tables, queued PTE updates), `xen-1.0` the 2003 XenoLinux interface and `xen-pv`
its 2005 successor (direct validated page tables, multicalls, patched call sites).
""");
var overhead = designs.Select(d => new Series(d, workloads.Select(w => study.Overhead(machine, d, w)).ToList())).ToList();
study.Chart("overhead", new BarChart("VMI against Xen on p4-672-2006", "time relative to native (×)", workloads, overhead, Reference: 1.0, ReferenceLabel: "native"),
    "time relative to native per workload and design");
study.Table(["workload", .. designs, "cheaper under a hypervisor"], workloads.Select((w, i) =>
{
    var vmi = overhead[1].Values[i];
    var xen = overhead[3].Values[i];
    return (IReadOnlyList<string>)[w, .. overhead.Select(s => Study.F(s.Values[i])), vmi < xen ? $"VMI by {Study.F((xen / vmi - 1) * 100, "F0")}%" : $"Xen by {Study.F((vmi / xen - 1) * 100, "F0")}%"];
}));
var nativeCost = overhead[0].Values.Max();
study.Text($"""
What the numbers say: on bare metal the VMI kernel costs at most {Study.F((nativeCost - 1) * 100, "F1")}% over native
(the indirection through the ROM); under the hypervisors the order depends on the path. Where a workload writes
many page-table entries (fork, exec), Xen's validated direct page tables and batched updates compete with VMI's shadow
tables and queued updates; on the context switch and the page fault the cost of entering the hypervisor dominates. The
breakdown charts of `perfsim run` show which category each difference comes from.
""");
study.Save();
