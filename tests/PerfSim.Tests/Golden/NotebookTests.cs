using System.Diagnostics;
using PerfSim.IO.Config;

namespace PerfSim.Tests.Golden;

/// <summary>Every notebook in notebooks/ builds and runs (dotnet run FILE.cs -- OUTDIR) and writes its page and charts, so none rots.</summary>
public sealed class NotebookTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("perfsim-notebooks-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string NotebookDirectory => Path.GetFullPath(Path.Combine(ConfigCatalog.Locate().WorkloadsDirectory, "..", "notebooks"));

    private static List<string> Names() =>
        Directory.GetFiles(NotebookDirectory, "*.cs").Select(f => Path.GetFileNameWithoutExtension(f)).Order(StringComparer.Ordinal).ToList();

    public static TheoryData<string> Notebooks() => new(Names());

    [Fact]
    public void The_four_studies_the_team_asked_for_are_there()
    {
        Assert.Equal(["hook-mechanisms", "page-tables-by-size", "pte-batching", "vmi-vs-xen"], Names());
    }

    [Theory]
    [MemberData(nameof(Notebooks))]
    public async Task A_notebook_runs_and_writes_its_page_with_charts(string name)
    {
        var outDir = Path.Combine(_dir, name);
        var psi = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Path.GetDirectoryName(NotebookDirectory)! };
        foreach (var a in new[] { "run", Path.Combine(NotebookDirectory, name + ".cs"), "--", outDir })
        {
            psi.ArgumentList.Add(a);
        }
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        var stdout = await p.StandardOutput.ReadToEndAsync();
        await p.WaitForExitAsync();
        Assert.True(p.ExitCode == 0, $"{name}: exit {p.ExitCode}\n{stdout}\n{await stderr}");
        var page = File.ReadAllText(Path.Combine(outDir, name + ".md"));
        var charts = Directory.GetFiles(outDir, "*.svg");
        Assert.NotEmpty(charts);
        Assert.All(charts, c => Assert.Contains($"]({Path.GetFileName(c)})", page)); // every chart is on the page
        Assert.StartsWith("# ", page);
    }
}
