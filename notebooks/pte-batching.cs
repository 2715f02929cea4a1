#:project ../src/PerfSim.IO/PerfSim.IO.csproj
#:property PublishAot=false
// (c) Batched against immediate PTE updates, and the hazards batching creates.
// dotnet run notebooks/pte-batching.cs [OUTDIR]
using PerfSim.IO.Charts;
using PerfSim.IO.Notebooks;

var study = new Study("pte-batching", "Batched against immediate page-table updates, and the hazards batching creates", args);
const string machine = "xeon-2400-2003";
string[] designs = ["paging-direct", "paging-direct-multicall32", "paging-direct-queue128", "paging-direct-queue128-audit"];
string[] workloads = ["fork", "exec", "mmap", "page-fault"];
study.Text($"""
A direct-paging guest can hand each PTE write to the hypervisor at once (`paging-direct`), batch them into multicalls of
32 (`paging-direct-multicall32`), or queue up to 128 and flush before anything can observe them
(`paging-direct-queue128`); `-audit` reads the queue wherever the kernel reads a PTE, as a debugging build would. On
`{machine}`:
""");
var overhead = designs.Select(d => new Series(d, workloads.Select(w => study.Overhead(machine, d, w)).ToList())).ToList();
study.Chart("overhead", new BarChart($"PTE update policies on {machine}", "time relative to native (×)", workloads, overhead, Reference: 1.0, ReferenceLabel: "native"),
    "time relative to native by PTE update policy");
// A hazard: the kernel reads a PTE whose update still sits in the queue (the value it reads is stale).
var hazards = designs.Select(d => new Series(d, workloads.Select(w => study.Run(machine, d, w).HazardsPerIterBySite.Sum()).ToList())).ToList();
study.Chart("hazards", new BarChart($"Reads of still-queued PTEs on {machine}", "hazards per iteration", workloads, hazards),
    "reads of PTEs whose update is still queued, per iteration");
study.Table(["workload", .. designs.Select(d => d + " (×, hazards)")], workloads.Select((w, i) =>
    (IReadOnlyList<string>)[w, .. designs.Select((_, j) => $"{Study.F(overhead[j].Values[i])}, {Study.F(hazards[j].Values[i], "F1")}")]));
// What batching changed, workload by workload, against immediate updates.
var lines = workloads.Select((w, i) =>
{
    var immediate = overhead[0].Values[i];
    string Change(int j) => overhead[j].Values[i] < immediate * 0.995 ? $"{Study.F((1 - overhead[j].Values[i] / immediate) * 100, "F0")}% faster"
        : overhead[j].Values[i] > immediate * 1.005 ? $"{Study.F((overhead[j].Values[i] / immediate - 1) * 100, "F0")}% slower" : "no different";
    return $"- **{w}**: multicalls of 32 {Change(1)}, a queue of 128 {Change(2)} than immediate updates.";
});
study.Text(string.Join("\n", lines));
study.Text("""
Batching pays where a path writes page-table entries back to back and would otherwise enter the hypervisor for each;
where a path must flush the queue before it can go on (a TLB flush, a read of the entry), it pays for the queue and saves
little. The price of batching is correctness work: every place the kernel reads a PTE while updates are queued must flush
first. The hazard counts are those reads - each would see a stale entry without its flush (hazards.csv in a run names the
kernel path that read it); immediate updates have none.
""");
study.Save();
