using System.Globalization;
using System.Text.RegularExpressions;
using PerfSim.Cli;
using PerfSim.IO.Calibration;
using PerfSim.IO.Config;
using PerfSim.IO.Output;
using PerfSim.Tests.Support;

namespace PerfSim.Tests.Validation;

/// <summary>
/// perfsim validate over the shipped tables: the fidelity the model has today is the floor (thresholds a little
/// below today's figures, so a regression fails CI), the output is deterministic, a user's own table works without
/// code, and bad mapping files and tables are reported with their file, line and key.
/// </summary>
public sealed class ValidateTests : IDisposable
{
    private static readonly ConfigCatalog Catalog = ConfigCatalog.Locate();
    private readonly string _dir = Directory.CreateTempSubdirectory("perfsim-validate-test-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static ValidationSummary Summary(string name) =>
        Validator.Run(ValidationMapping.Load(Path.Combine(Catalog.WorkloadsDirectory, "validation", name + ".json")), Catalog, 1).Summary;

    private static double PerConfig(ValidationSummary s, string config) => s.PerConfig.Single(c => c.Config == config).MedianPct;

    [Fact]
    public void The_xen_table_stays_as_close_as_it_is_today()
    {
        var s = Summary("xen-sosp03-lmbench");
        Assert.Equal(56, s.Cells);
        // Today: Xen 3.4%, VMW 9.7%, L-SMP 4.6% median |error| of the ratio to native; native 8.4%; Spearman 0.95.
        Assert.True(PerConfig(s, "Xen") < 5, Validator.Format(s));
        Assert.True(PerConfig(s, "VMW") < 12, Validator.Format(s));
        Assert.True(PerConfig(s, "L-SMP") < 6, Validator.Format(s));
        Assert.True(s.NativeMedianPct < 10, Validator.Format(s));
        Assert.True(s.MeanSpearman > 0.93, Validator.Format(s));
        // Native cells within 20%: 13 of 14 (not create_0k, -63%).
        Assert.True(Validator.Run(ValidationMapping.Load(Path.Combine(Catalog.WorkloadsDirectory, "validation", "xen-sosp03-lmbench.json")), Catalog, 1)
            .Rows.Count(r => r.IsBaseline && Math.Abs(r.ErrorPct) <= 20) >= 13);
        // L-UP, Xen and VMW in the published order in every row.
        Assert.Equal(["L-UP", "Xen", "VMW"], s.OrderConfigs);
        Assert.Empty(s.OrderViolations);
        Assert.Equal(14, s.RowsInOrder);
        // And all four configurations, L-SMP included, in the published order in every row.
        Assert.Empty(s.AllOrderViolations);
    }

    [Fact]
    public void The_nanobenchmarks_stay_as_close_as_they_are_today()
    {
        var s = Summary("nanobench-p4-672");
        Assert.Equal(8, s.Cells); // three rows skipped with reasons in the mapping
        // Today: native 6.6%, ratios 12.3% median |error|.
        Assert.True(s.NativeMedianPct < 10, Validator.Format(s));
        Assert.True(s.RatioMedianPct < 15, Validator.Format(s));
        Assert.True(s.RowsInOrder >= 2, Validator.Format(s));
    }

    [Fact]
    public void Validate_prints_the_summary_writes_three_files_and_is_deterministic()
    {
        var stdout = new StringWriter();
        var err = new StringWriter();
        Assert.True(CliApp.Run(["validate", "--out", Path.Combine(_dir, "a")], stdout, err) == 0, err.ToString());
        Assert.Equal(0, CliApp.Run(["validate", "--out", Path.Combine(_dir, "b")], new StringWriter(), new StringWriter()));
        var text = stdout.ToString();
        Assert.Contains("xen-sosp03-lmbench: 56 cells", text);
        Assert.Contains("nanobench-p4-672: 8 cells", text);
        Assert.Matches(new Regex(@"order right: +14 of 14 rows \(L-UP, Xen, VMW\)"), text);
        var csv = File.ReadAllLines(Path.Combine(_dir, "a", "validation.csv"));
        Assert.Equal("source,table,benchmark,config,scenario,published,predicted,unit,ratio_published,ratio_predicted,error_pct", csv[0]);
        Assert.Equal(64, csv.Length - 1);
        Assert.Contains(csv, l => l.Contains(",fork_proc,Xen,fork/xen-1.0/xeon-2400-2003/1cpu,198,", StringComparison.Ordinal));
        Assert.Contains(csv, l => l.Contains(",null_call,L-SMP,null-call/native/xeon-2400-2003/2cpu,", StringComparison.Ordinal));
        Assert.Equal(File.ReadAllBytes(Path.Combine(_dir, "a", "validation.csv")), File.ReadAllBytes(Path.Combine(_dir, "b", "validation.csv")));
        Assert.Contains("![predicted against published](validation.svg)", File.ReadAllText(Path.Combine(_dir, "a", "validation.md")));
    }

    private (string Csv, string Json) UserTable(string csv, string json)
    {
        var table = Path.Combine(_dir, "my-lmbench.csv");
        var mapping = Path.Combine(_dir, "my-lmbench.json");
        File.WriteAllText(table, csv);
        File.WriteAllText(mapping, json);
        return (table, mapping);
    }

    private const string UserMapping = """
        {
          "source": "our lab's lmbench run, <Xeon> & friends",
          "table": "my-lmbench.csv",
          "machine": "xeon-2400-2003",
          "baseline": "linux",
          "configs": {
            "linux": { "design": "native" },
            "xen": { "design": "xen-pv" }
          },
          "benchmarks": { "getppid": "null-call" }
        }
        """;

    [Fact]
    public void A_users_own_table_validates_with_no_code_change()
    {
        var (table, _) = UserTable("benchmark,config,value_us\ngetppid,linux,0.40\ngetppid,xen,0.45\nfork_proc,linux,100\nfork_proc,xen,180\n", UserMapping);
        var stdout = new StringWriter();
        var err = new StringWriter();
        Assert.True(CliApp.Run(["validate", "--table", table, "--out", Path.Combine(_dir, "o")], stdout, err) == 0, err.ToString());
        Assert.Contains("my-lmbench: 4 cells", stdout.ToString());
        var csv = File.ReadAllLines(Path.Combine(_dir, "o", "validation.csv"));
        Assert.Equal(5, csv.Length);
        Assert.Contains(csv, l => l.Contains(",getppid,xen,null-call/xen-pv/xeon-2400-2003/1cpu,0.45,", StringComparison.Ordinal));
        // The source's markup is escaped in the chart.
        var svg = File.ReadAllText(Path.Combine(_dir, "o", "validation.svg"));
        Assert.Contains("&lt;Xeon&gt; &amp; friends", svg);
        Assert.DoesNotContain("<Xeon>", svg);
    }

    [Fact]
    public void A_typo_in_a_mapping_names_the_file_line_and_key_and_exits_2()
    {
        var (_, mapping) = UserTable("benchmark,config,value_us\nfork_proc,linux,100\n",
            UserMapping.Replace("\"baseline\"", "\"baseline\": \"linux\",\n  \"basline\"", StringComparison.Ordinal));
        var err = new StringWriter();
        Assert.Equal(2, CliApp.Run(["validate", "--table", mapping, "--out", Path.Combine(_dir, "o")], new StringWriter(), err));
        Assert.Matches(new Regex(@"my-lmbench\.json:\d+: basline: unknown key 'basline'"), err.ToString());
    }

    [Fact]
    public void A_table_cell_the_mapping_cannot_run_names_the_tables_line_and_exits_2()
    {
        var (table, _) = UserTable("benchmark,config,value_us\nfork_proc,linux,100\nfork_proc,kvm,150\nlat_mystery,linux,3\n", UserMapping);
        var err = new StringWriter();
        Assert.Equal(2, CliApp.Run(["validate", "--table", table, "--out", Path.Combine(_dir, "o")], new StringWriter(), err));
        var text = err.ToString();
        Assert.Contains("my-lmbench.csv:3: config: 'kvm' is not mapped", text);
        Assert.Contains("my-lmbench.csv:4: benchmark: 'lat_mystery' maps to no PerfSim workload", text);
    }

    [Fact]
    public void Tables_in_cycles_are_read_and_bad_headers_are_reported()
    {
        var path = Path.Combine(_dir, "t.csv");
        File.WriteAllText(path, "benchmark,config,value_cycles,note\nin,native,3209,an in\n");
        var cell = Assert.Single(PublishedTable.Load(path));
        Assert.Equal(("in", "native", 3209.0, "cycles", ""), (cell.Benchmark, cell.Config, cell.Value, cell.Unit, cell.Table));
        Assert.Equal(3209.0 / 3800, PublishedTable.InMicroseconds([cell], 3800)[0].Value, 9);
        File.WriteAllText(path, "benchmark,config,value_us,value_cycles,colour\nin,native,1,2,red\n");
        var e = Assert.Throws<ConfigException>(() => PublishedTable.Load(path));
        Assert.Contains(e.Errors, x => x.Line == 1 && x.KeyPath == "colour");
        Assert.Contains(e.Errors, x => x.Line == 1 && x.Message.Contains("each once", StringComparison.Ordinal));
        File.WriteAllText(path, "benchmark,config,value_us\nfork,native,1\nfork,native,2\n");
        Assert.Contains(Assert.Throws<ConfigException>(() => PublishedTable.Load(path)).Errors, x => x.Line == 3 && x.KeyPath == "config");
    }

    [Fact]
    public void The_chart_has_a_point_per_cell_a_legend_entry_per_table_and_axes_that_cover_the_data()
    {
        var rows = Validator.Run(ValidationMapping.Load(Path.Combine(Catalog.WorkloadsDirectory, "validation", "xen-sosp03-lmbench.json")), Catalog, 1).Rows;
        var svg = ValidationChart.Svg(rows);
        var doc = System.Xml.Linq.XDocument.Parse(svg); // well-formed
        var ns = doc.Root!.Name.Namespace;
        var points = doc.Descendants(ns + "circle").Where(c => (string?)c.Attribute("class") == "point").ToList();
        Assert.Equal(rows.Count(r => !r.IsBaseline), points.Count);
        Assert.Single(doc.Descendants(ns + "g"), g => (string?)g.Attribute("class") == "legend");
        Assert.Single(doc.Descendants(ns + "line"), l => (string?)l.Attribute("class") == "identity");
        var ticks = doc.Descendants(ns + "text").Where(t => (string?)t.Attribute("class") == "tick")
            .Select(t => double.Parse(t.Value.TrimEnd('×'), CultureInfo.InvariantCulture)).ToList();
        var values = rows.Where(r => !r.IsBaseline).SelectMany(r => new[] { r.RatioPublished, r.RatioPredicted }).ToList();
        Assert.True(ticks.Min() <= values.Min() && ticks.Max() >= values.Max(), $"ticks {ticks.Min()}..{ticks.Max()}, data {values.Min()}..{values.Max()}");
        Assert.Equal([0.5, 1, 2, 5, 10], PerfSim.IO.Charts.Axis.LogTicks(0.5, 10));
        Assert.Equal((0.2, 50.0), (PerfSim.IO.Charts.Axis.Step125(0.3, down: true), PerfSim.IO.Charts.Axis.Step125(23.4, down: false)));
    }

    [Fact]
    public void ValidationDoc_tables_match_the_model()
    {
        var mappings = Directory.GetFiles(Path.Combine(Catalog.WorkloadsDirectory, "validation"), "*.json").Order(StringComparer.Ordinal).Select(ValidationMapping.Load).ToList();
        var runs = mappings.Select(m => Validator.Run(m, Catalog, 1)).ToList();
        var generated = Validator.BeginMarker + "\n\n" + Validator.Markdown(mappings, runs.Select(r => r.Summary).ToList(), runs.SelectMany(r => r.Rows).ToList()) + GeneratedSection.EndMarker + "\n";
        GeneratedDoc.AssertCurrent(Path.Combine(Catalog.WorkloadsDirectory, "..", "docs", "validation.md"),
            doc => GeneratedSection.Splice(doc, Validator.BeginMarker, generated), "ValidationDoc");
    }

    [Fact]
    public void Calibrate_fits_only_the_free_groups_and_names_a_wrong_one()
    {
        var stdout = new StringWriter();
        var table = Path.Combine(Catalog.WorkloadsDirectory, "validation", "xen-sosp03-lmbench.csv");
        Assert.Equal(0, CliApp.Run(["calibrate", "--table", table, "--free", "scheduler", "--out", Path.Combine(_dir, "c")], stdout, new StringWriter()));
        Assert.Contains("Scheduler", stdout.ToString());
        Assert.DoesNotContain("FileSystem", stdout.ToString());
        var err = new StringWriter();
        Assert.Equal(2, CliApp.Run(["calibrate", "--table", table, "--free", "sycall", "--out", Path.Combine(_dir, "d")], new StringWriter(), err));
        Assert.Contains("'sycall' is not a kernel path group", err.ToString());
    }

    [Fact]
    public void The_documented_example_table_validates()
    {
        var doc = File.ReadAllText(Path.Combine(Catalog.WorkloadsDirectory, "..", "docs", "validation.md")).ReplaceLineEndings("\n");
        string Block(string after, string fence)
        {
            var start = doc.IndexOf(after, StringComparison.Ordinal);
            var open = doc.IndexOf(fence + "\n", start, StringComparison.Ordinal) + fence.Length + 1;
            return doc[open..doc.IndexOf("```", open, StringComparison.Ordinal)];
        }
        File.WriteAllText(Path.Combine(_dir, "my-lmbench.csv"), Block("`my-lmbench.csv`:", "```"));
        File.WriteAllText(Path.Combine(_dir, "my-lmbench.json"), Block("`my-lmbench.json`:", "```json"));
        var err = new StringWriter();
        Assert.True(CliApp.Run(["validate", "--table", Path.Combine(_dir, "my-lmbench.json"), "--out", Path.Combine(_dir, "o")], new StringWriter(), err) == 0, err.ToString());
        Assert.Equal(5, File.ReadAllLines(Path.Combine(_dir, "o", "validation.csv")).Length);
    }
}
