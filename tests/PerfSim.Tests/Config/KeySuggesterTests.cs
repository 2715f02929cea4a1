using PerfSim.IO.Config;

namespace PerfSim.Tests.Config;

public sealed class KeySuggesterTests
{
    [Theory]
    [InlineData("kitten", "sitting", 3)]
    [InlineData("", "abc", 3)]
    [InlineData("trap_entri", "trap_entry", 1)]
    public void Distance_is_levenshtein(string a, string b, int expected) => Assert.Equal(expected, KeySuggester.Distance(a, b));

    [Fact]
    public void A_far_key_gets_no_suggestion() => Assert.Null(KeySuggester.Nearest("zzzzzzzz", ["trap_entry", "store"]));
}
