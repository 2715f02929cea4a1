using PerfSim.Cli;
using PerfSim.IO.Config;
using PerfSim.IO.Output;

namespace PerfSim.Tests.Golden;

/// <summary>
/// results/reference/ holds the output of the default <c>perfsim run</c> (CSVs, charts, report). This test runs the
/// default run again and fails when a committed CSV or the resolved configuration no longer matches what the code
/// produces. Refresh with <c>dotnet run --project src/PerfSim.Cli -c Release -- run --out results/reference</c> (from the
/// repository's root, so the reports name the folder as a reader would) and review the diff.
/// </summary>
public sealed class ReferenceResultsTests : IDisposable
{
    private static readonly string[] Compared =
    [
        CsvExporter.ResultsFile, CsvExporter.BreakdownFile, CsvExporter.CountersFile, CsvExporter.HazardsFile, CsvExporter.HooksFile,
        CsvExporter.LatencyFile, CsvExporter.ProcessesFile, "resolved-config.json",
    ];

    private readonly string _dir = Directory.CreateTempSubdirectory("perfsim-reference-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string ReferenceDirectory => Path.Combine(ConfigCatalog.Locate().WorkloadsDirectory, "..", "results", "reference");

    [Fact]
    public void The_committed_reference_run_is_what_the_default_run_writes_today()
    {
        var err = new StringWriter();
        Assert.True(CliApp.Run(["run", "--out", _dir], new StringWriter(), err) == 0, err.ToString());
        foreach (var file in Compared)
        {
            var committed = Path.Combine(ReferenceDirectory, file);
            Assert.True(File.Exists(committed), $"results/reference/{file} is missing: run `dotnet run --project src/PerfSim.Cli -c Release -- run --out results/reference`");
            Assert.True(File.ReadAllText(committed) == File.ReadAllText(Path.Combine(_dir, file)),
                $"results/reference/{file} no longer matches the default run: if the change is intended, run `dotnet run --project src/PerfSim.Cli -c Release -- run --out results/reference` and review the diff");
        }
        // The report and the charts are there too, so a reader of the repository sees them without running anything.
        Assert.True(File.Exists(Path.Combine(ReferenceDirectory, RunReport.ReportHtml)));
        Assert.True(File.Exists(Path.Combine(ReferenceDirectory, RunReport.ChartsFolder, "overhead-fork.svg")));
    }
}
