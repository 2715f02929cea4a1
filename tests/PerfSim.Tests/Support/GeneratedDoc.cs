namespace PerfSim.Tests.Support;

/// <summary>Checks a document's generated section against what the model renders now; PERFSIM_UPDATE_DOCS=1 rewrites it instead.</summary>
internal static class GeneratedDoc
{
    /// <param name="path">The document.</param>
    /// <param name="splice">Puts the freshly rendered section into the document's text.</param>
    /// <param name="filter">The dotnet test filter that refreshes it, for the failure message.</param>
    public static void AssertCurrent(string path, Func<string, string> splice, string filter)
    {
        var doc = File.ReadAllText(path).ReplaceLineEndings("\n");
        var expected = splice(doc);
        if (Environment.GetEnvironmentVariable("PERFSIM_UPDATE_DOCS") == "1" && expected != doc)
        {
            File.WriteAllText(path, expected);
            doc = expected;
        }
        Assert.True(expected == doc, $"{Path.GetFileName(path)} is out of date; run PERFSIM_UPDATE_DOCS=1 dotnet test --filter {filter}");
    }
}
