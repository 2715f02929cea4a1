using PerfSim.Tests.Golden;

namespace PerfSim.Tests.Output;

public sealed class GoldenFileTests
{
    [Fact]
    public void Equal_texts_have_no_difference_whatever_the_line_endings()
    {
        Assert.Null(GoldenFile.Difference("a\nb\n", "a\r\nb\r\n"));
    }

    [Fact]
    public void A_difference_names_the_first_differing_line()
    {
        var difference = GoldenFile.Difference("a\nb\nc\n", "a\nB\nC\n");

        Assert.Equal("First difference at line 2:\n  expected: \"b\"\n  actual:   \"B\"", difference);
    }

    [Fact]
    public void A_missing_line_is_shown_as_end_of_file()
    {
        var difference = GoldenFile.Difference("a", "a\nextra");

        Assert.Contains("expected: <end of file>", difference, StringComparison.Ordinal);
    }

    [Fact]
    public void The_golden_directory_is_in_the_source_tree()
    {
        Assert.True(File.Exists(Path.Combine(GoldenFile.Directory, "GoldenFile.cs")));
    }
}
