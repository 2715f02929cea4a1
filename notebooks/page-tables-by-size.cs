#:project ../src/PerfSim.IO/PerfSim.IO.csproj
#:property PublishAot=false
// (b) Shadow, direct and nested page tables as the process grows.
// dotnet run notebooks/page-tables-by-size.cs [OUTDIR]
using PerfSim.Core.Workloads;
using PerfSim.IO.Charts;
using PerfSim.IO.Notebooks;

var study = new Study("page-tables-by-size", "Shadow, direct and nested page tables as the process grows", args);
const string machine = "nehalem-x5570-2009"; // it has EPT, so nested paging can run
string[] designs = ["paging-direct", "paging-shadow", "paging-shadow-oos", "paging-nested"];
double[] heaps = [0, 256, 1024, 4096, 16384];
study.Text($"""
fork copies (or write-protects) every page-table entry of the parent, so its cost grows with the process. How each
page-table mode pays for that differs: direct validated tables (Xen) validate each entry the guest writes, shadow
tables (VMware, early HVM) rebuild the shadow of what the guest changed, nested paging (EPT/NPT) leaves the guest's
tables alone and pays on every TLB miss instead. The process's heap is swept from 0 to 64 MB (`process.heap_pages`)
on `{machine}`; fork's time relative to native at each size:
""");
var series = designs.Select(d => new Series(d, heaps.Select(h => study.Overhead(machine, d, "fork", ProcessShape.Default with { HeapPages = (int)h })).ToList())).ToList();
var chart = new LineChart($"fork on {machine}: time relative to native as the heap grows", "heap (4 KB pages)", "time relative to native (×)", heaps, series, Reference: 1.0);
study.Chart("fork-by-heap", chart, "fork's time relative to native against the heap size");
study.Table(["heap pages", .. designs], heaps.Select((h, i) => (IReadOnlyList<string>)[Study.F(h, "F0"), .. series.Select(s => Study.F(s.Values[i]))]));
var crossings = chart.Crossovers();
study.Text(crossings.Count == 0
    ? "No two modes change places over this range."
    : "Where two modes change places: " + string.Join("; ", crossings.Select(c => $"{c.A} and {c.B} at about {Study.F(c.X, "F0")} heap pages")) + ".");
study.Save();
