using System.Text.RegularExpressions;
using PerfSim.IO.Trace;

namespace PerfSim.Tests.Trace;

/// <summary>docs/trace-format.md must describe exactly what <see cref="TraceSchema"/> defines.</summary>
public sealed partial class TraceFormatDocTests
{
    private static readonly string Doc = File.ReadAllText(Path.Combine(RepositoryRoot(), "docs", "trace-format.md"));

    [Fact]
    public void Every_kind_has_a_section_in_the_format_document()
    {
        foreach (var spec in TraceSchema.Kinds)
        {
            Assert.Contains($"### `{spec.Name}`", Doc);
        }

        Assert.Equal(TraceSchema.Kinds.Count, KindSection().Count(Doc));
    }

    [Fact]
    public void Every_key_is_documented_in_its_kinds_section_with_slot_and_default()
    {
        foreach (var spec in TraceSchema.Kinds)
        {
            var section = Section(spec.Name);
            foreach (var key in spec.Keys.Where(k => k.Field is not (TraceField.Cpu or TraceField.Pid)))
            {
                var row = Assert.Single(section.Split('\n'), l => l.StartsWith($"| `{key.Key}` |", StringComparison.Ordinal));
                var cells = row.Split('|', StringSplitOptions.TrimEntries);
                Assert.Equal(key.Field.ToString(), cells[2]);
                var expectedDefault = key.Required ? "required"
                    : TraceValues.Names(key.Type) is { } names ? $"`{names[(int)key.Default]}`"
                    : key.Default.ToString(System.Globalization.CultureInfo.InvariantCulture);
                Assert.Equal(expectedDefault, cells[4]);
            }

            var documentedKeys = DocumentedKey().Matches(section).Select(m => m.Groups[1].Value);
            Assert.Equal(
                spec.Keys.Where(k => k.Field is not (TraceField.Cpu or TraceField.Pid)).Select(k => k.Key).Order(),
                documentedKeys.Order());
        }
    }

    [Fact]
    public void Every_value_name_appears_in_the_format_document()
    {
        foreach (var type in Enum.GetValues<TraceValueType>())
        {
            foreach (var name in TraceValues.Names(type) ?? [])
            {
                Assert.Contains($"`{name}`", Doc);
            }
        }
    }

    [Fact]
    public void The_example_in_the_format_document_parses()
    {
        var start = Doc.IndexOf("### Example", StringComparison.Ordinal);
        var block = Doc[(Doc.IndexOf("```", start, StringComparison.Ordinal) + 3)..];
        block = block[..block.IndexOf("```", StringComparison.Ordinal)];

        var events = TraceSamples.ReadAll(new TextTraceReader(new StringReader(block), "docs/trace-format.md"));

        Assert.Equal(11, events.Count);
    }

    private static string Section(string kind)
    {
        var start = Doc.IndexOf($"### `{kind}`", StringComparison.Ordinal);
        var end = Doc.IndexOf("\n##", start + 1, StringComparison.Ordinal);
        return Doc[start..end];
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "PerfSim.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("PerfSim.sln not found above " + AppContext.BaseDirectory);
    }

    [GeneratedRegex(@"^### `[a-z]+`", RegexOptions.Multiline)]
    private static partial Regex KindSection();

    [GeneratedRegex(@"^\| `([a-z_]+)` \|", RegexOptions.Multiline)]
    private static partial Regex DocumentedKey();
}
