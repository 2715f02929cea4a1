using PerfSim.Cli;

namespace PerfSim.Tests.Cli;

/// <summary>perfsim sweep and merge: the cross product, deterministic output, resuming after an interruption, shards that merge into the unsharded files.</summary>
public sealed class SweepTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("perfsim-sweep-test-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    // 5 x 4 points x 2 workloads x 3 designs (native, xen-pv, vmi-hypervisor) = 120 scenarios.
    private static readonly string[] Sweep =
        ["sweep", "--param", "hypercall=500:2500:500", "--param", "kernel.schedule=100,200,300,400", "--workloads", "null-call,fork", "--designs", "xen-pv,vmi-hypervisor"];

    private string Out(string name) => Path.Combine(_dir, name);

    private static void Ok(params string[] args)
    {
        var err = new StringWriter();
        Assert.True(CliApp.Run(args, new StringWriter(), err) == 0, err.ToString());
    }

    [Fact]
    public void A_two_parameter_sweep_of_120_scenarios_has_a_row_each_with_the_swept_values_as_columns_and_is_deterministic()
    {
        Ok([.. Sweep, "--out", Out("a")]);
        Ok([.. Sweep, "--out", Out("b")]);
        var lines = File.ReadAllLines(Path.Combine(Out("a"), SweepCommand.SweepFile));
        Assert.Equal("hypercall,kernel.schedule,workload,design,machine,cpus,cycles_per_iter,us_per_iter,kernel,seed,overhead_vs_native", lines[0]);
        Assert.Equal(120, lines.Length - 1);
        Assert.Equal(120, lines.Skip(1).Select(l => string.Join(',', l.Split(',')[..4])).Distinct().Count()); // every point, workload and design once
        Assert.Contains(lines, l => l.StartsWith("2500,400,null-call,xen-pv,", StringComparison.Ordinal));
        Assert.Equal(File.ReadAllBytes(Path.Combine(Out("a"), SweepCommand.SweepFile)), File.ReadAllBytes(Path.Combine(Out("b"), SweepCommand.SweepFile)));
        Assert.All(lines.Skip(1).Where(l => l.Contains(",native,", StringComparison.Ordinal)), l => Assert.EndsWith(",1.0000", l));
        // Each row is its own scenario: xen-pv's fork (page-table updates by hypercall) grows with the swept hypercall
        // cost; native's does not.
        double Cycles(string prefix) => double.Parse(lines.Single(l => l.StartsWith(prefix, StringComparison.Ordinal)).Split(',')[6], System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(Cycles("2500,100,fork,xen-pv,") > Cycles("500,100,fork,xen-pv,"));
        Assert.Equal(Cycles("2500,100,fork,native,"), Cycles("500,100,fork,native,"));
        // A chart per workload and value of the second parameter: time relative to native against the first.
        var charts = Directory.GetFiles(Path.Combine(Out("a"), "charts"), "*.svg").Select(Path.GetFileName).Order().ToList();
        Assert.Equal(8, charts.Count);
        Assert.Contains("sweep-hypercall-fork-400.svg", charts);
        Assert.Contains("hypercall (cycles)", File.ReadAllText(Path.Combine(Out("a"), "charts", "sweep-hypercall-fork-400.svg")));
    }

    [Fact]
    public void An_interrupted_sweep_resumes_with_no_row_lost_or_repeated()
    {
        Ok([.. Sweep, "--out", Out("full")]);
        // An interruption: 40 scenarios' rows, then a line cut short while it was written.
        var rows = File.ReadAllLines(Path.Combine(Out("full"), SweepCommand.RowsFile));
        Directory.CreateDirectory(Out("cut"));
        File.Copy(Path.Combine(Out("full"), SweepCommand.SpecFile), Path.Combine(Out("cut"), SweepCommand.SpecFile));
        File.WriteAllText(Path.Combine(Out("cut"), SweepCommand.RowsFile), string.Join('\n', rows.Take(41)) + "\n" + rows[41][..(rows[41].Length / 2)]);
        var err = new StringWriter();
        Assert.Equal(0, CliApp.Run([.. Sweep, "--out", Out("cut")], new StringWriter(), err));
        Assert.Contains("80 to run, 40 already", err.ToString());
        Assert.Equal(File.ReadAllText(Path.Combine(Out("full"), SweepCommand.SweepFile)), File.ReadAllText(Path.Combine(Out("cut"), SweepCommand.SweepFile)));
        // The journal: every scenario once (the cut-short row was dropped and its scenario run again).
        var indices = File.ReadAllLines(Path.Combine(Out("cut"), SweepCommand.RowsFile)).Skip(1).Select(l => l.Split(',')[0]).ToList();
        Assert.Equal(120, indices.Count);
        Assert.Equal(120, indices.Distinct().Count());
    }

    [Fact]
    public void Three_shards_merge_into_exactly_the_unsharded_files()
    {
        Ok([.. Sweep, "--out", Out("whole")]);
        for (var k = 1; k <= 3; k++)
        {
            Ok([.. Sweep, "--shard", $"{k}/3", "--out", Out($"s{k}")]);
            Assert.Equal(40, File.ReadAllLines(Path.Combine(Out($"s{k}"), SweepCommand.RowsFile)).Length - 1);
        }
        Ok(["merge", Out("s1"), Out("s2"), Out("s3"), "--out", Out("merged")]);
        foreach (var f in new[] { SweepCommand.SweepFile, SweepCommand.RowsFile, SweepCommand.SpecFile })
        {
            Assert.Equal(File.ReadAllText(Path.Combine(Out("whole"), f)), File.ReadAllText(Path.Combine(Out("merged"), f)));
        }
    }

    [Theory]
    [InlineData("--param", "hypercall")]
    [InlineData("--param", "hypercall=5:1:1")]
    [InlineData("--param", "hypercall=1,x")]
    [InlineData("--param", "hypercal=1,2")]
    [InlineData("--shard", "4/3")]
    public void Bad_sweep_arguments_exit_with_code_2_and_say_why(string option, string value)
    {
        var args = new List<string> { "sweep", "--workloads", "null-call", "--designs", "xen-pv", "--out", Out("bad") };
        if (option != "--param")
        {
            args.AddRange(["--param", "hypercall=1,2"]);
        }
        args.AddRange([option, value]);
        var err = new StringWriter();
        Assert.Equal(2, CliApp.Run([.. args], new StringWriter(), err));
        Assert.Contains(option == "--param" && value.StartsWith("hypercal=", StringComparison.Ordinal) ? "hypercal" : option, err.ToString());
    }

    [Fact]
    public void A_folder_of_another_sweep_is_not_resumed_and_shards_of_different_sweeps_do_not_merge()
    {
        Ok(["sweep", "--param", "hypercall=1000,2000", "--workloads", "null-call", "--designs", "xen-pv", "--out", Out("one")]);
        var err = new StringWriter();
        Assert.Equal(2, CliApp.Run(["sweep", "--param", "hypercall=1000,3000", "--workloads", "null-call", "--designs", "xen-pv", "--out", Out("one")], new StringWriter(), err));
        Assert.Contains("holds another sweep", err.ToString());
        Ok(["sweep", "--param", "hypercall=1000,3000", "--workloads", "null-call", "--designs", "xen-pv", "--out", Out("two")]);
        err = new StringWriter();
        Assert.Equal(2, CliApp.Run(["merge", Out("one"), Out("two"), "--out", Out("m")], new StringWriter(), err));
        Assert.Contains("another sweep", err.ToString());
    }

    [Fact]
    public void A_sweep_killed_while_it_runs_resumes_into_the_same_sweep_csv()
    {
        string[] big = ["sweep", "--param", "hypercall=100:3000:100", "--param", "kernel.schedule=100,200,300,400", "--workloads", "null-call,fork", "--designs", "xen-pv,vmi-hypervisor"];
        var cli = typeof(CliApp).Assembly.Location;
        var psi = new System.Diagnostics.ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in new[] { cli }.Concat(big).Concat(["--out", Out("killed")]))
        {
            psi.ArgumentList.Add(a);
        }
        var journal = Path.Combine(Out("killed"), SweepCommand.RowsFile);
        using (var p = System.Diagnostics.Process.Start(psi)!)
        {
            p.ErrorDataReceived += (_, _) => { };
            p.BeginErrorReadLine();
            p.BeginOutputReadLine();
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (!p.HasExited && DateTime.UtcNow < deadline && (!File.Exists(journal) || File.ReadAllLines(journal).Length < 50))
            {
                Thread.Sleep(5);
            }
            if (!p.HasExited)
            {
                p.Kill(entireProcessTree: true);
            }
            p.WaitForExit();
        }
        var kept = File.ReadAllLines(journal).Length - 1;
        Ok([.. big, "--out", Out("killed")]);
        Ok([.. big, "--out", Out("clean")]);
        Assert.Equal(File.ReadAllText(Path.Combine(Out("clean"), SweepCommand.SweepFile)), File.ReadAllText(Path.Combine(Out("killed"), SweepCommand.SweepFile)));
        Assert.Equal(720, File.ReadAllLines(Path.Combine(Out("killed"), SweepCommand.SweepFile)).Length - 1);
        Assert.True(kept is > 0 and < 720, $"the killed sweep had written {kept} of 720 rows");
    }

    [Fact]
    public void Physical_cpus_under_four_vcpus_can_be_swept()
    {
        Ok(["sweep", "--param", "pcpus=1,2,4", "--cpus", "4", "--workloads", "mt-munmap", "--designs", "xen-pv,xen-1.0", "--out", Out("v")]);
        var rows = File.ReadAllLines(Path.Combine(Out("v"), SweepCommand.SweepFile)).Skip(1).Select(l => l.Split(',')).ToList();
        double Us(string pcpus, string design) => double.Parse(rows.Single(r => r[0] == pcpus && r[2] == design)[6], System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(9, rows.Count);
        // Overcommitted vCPUs wait for their time slices; native has no hypervisor and always runs on 4 real CPUs.
        Assert.True(Us("2", "xen-pv") > 10 * Us("4", "xen-pv") && Us("1", "xen-1.0") > Us("2", "xen-1.0"));
        Assert.Equal(Us("1", "native"), Us("4", "native"));
    }
}
