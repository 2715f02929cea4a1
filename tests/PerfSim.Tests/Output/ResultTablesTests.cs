using System.Globalization;
using PerfSim.Core.Stats;
using PerfSim.IO.Output;

namespace PerfSim.Tests.Output;

public sealed class ResultTablesTests
{
    [Fact]
    public void Results_columns_are_exactly_the_documented_ones()
    {
        var table = ResultTables.Results(SampleResults.NativeAndXenPv(), SampleResults.Info);

        Assert.Equal(
            "workload,design,machine,cpus,iterations,cycles_per_iter,us_per_iter,overhead_vs_native,kernel,seed,config_hash",
            string.Join(',', table.Columns));
        Assert.Equal("workload,design,machine,cpus,category,cycles_per_iter", string.Join(',', ResultTables.Breakdown([]).Columns));
        Assert.Equal("workload,design,machine,cpus,counter,per_iter", string.Join(',', ResultTables.Counters([]).Columns));
    }

    [Fact]
    public void Breakdown_rows_of_a_scenario_sum_to_its_total()
    {
        var results = SampleResults.NativeAndXenPv();
        var breakdown = ResultTables.Breakdown(results);

        for (var s = 0; s < results.Count; s++)
        {
            var rows = breakdown.Rows.Skip(s * Metrics.CategoryCount).Take(Metrics.CategoryCount).ToList();
            Assert.All(rows, r => Assert.Equal(results[s].Design, r[1]));
            var sum = rows.Sum(r => double.Parse(r[5], CultureInfo.InvariantCulture));
            Assert.Equal(results[s].CyclesPerIter, sum, precision: 1);
        }
    }

    [Fact]
    public void Breakdown_has_every_category_in_enum_order_even_when_zero()
    {
        var breakdown = ResultTables.Breakdown([SampleResults.Make()]);

        Assert.Equal(Enum.GetValues<CostCategory>().Select(c => Metrics.Of(c).Name), breakdown.Rows.Select(r => r[4]));
        Assert.All(breakdown.Rows, r => Assert.Equal("0.00", r[5]));
    }

    [Fact]
    public void Counters_have_every_counter_in_enum_order_with_four_decimals()
    {
        var counters = ResultTables.Counters([SampleResults.Make(counters: new Dictionary<Counter, double> { [Counter.Forks] = 1.0 / 3 })]);

        Assert.Equal(Enum.GetValues<Counter>().Select(c => Metrics.Of(c).Name), counters.Rows.Select(r => r[4]));
        Assert.Equal("0.3333", counters.Rows[(int)Counter.Forks][5]);
        Assert.Equal("0.0000", counters.Rows[(int)Counter.Syscalls][5]);
    }

    [Fact]
    public void Overhead_divides_by_the_native_row_of_the_same_workload_machine_kernel_and_cpus()
    {
        var results = SampleResults.NativeAndXenPv();
        var table = ResultTables.Results(results, SampleResults.Info);

        Assert.Equal("1.0000", table.Rows[0][7]);
        Assert.Equal((results[1].CyclesPerIter / results[0].CyclesPerIter).ToString("F4", CultureInfo.InvariantCulture), table.Rows[1][7]);
    }

    [Fact]
    public void Overhead_is_empty_without_a_native_row()
    {
        var table = ResultTables.Results([SampleResults.Make(design: "xen-pv", categories: Cost(100))], SampleResults.Info);

        Assert.Equal("", Assert.Single(table.Rows)[7]);
    }

    [Theory]
    [InlineData("workload", "other")]
    [InlineData("machine", "other")]
    [InlineData("kernel", "other")]
    [InlineData("cpus", "2")]
    public void Overhead_is_empty_when_native_differs_in_a_key(string key, string value)
    {
        var native = SampleResults.Make(design: "native", categories: Cost(100));
        var other = SampleResults.Make(design: "xen-pv", categories: Cost(250));
        other = key switch
        {
            "workload" => other with { Workload = value },
            "machine" => other with { Machine = value },
            "kernel" => other with { Kernel = value },
            _ => other with { Cpus = int.Parse(value, CultureInfo.InvariantCulture) },
        };

        var table = ResultTables.Results([native, other], SampleResults.Info);

        Assert.Equal("", table.Rows[1][7]);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-5.0)]
    public void Overhead_is_empty_when_native_is_not_positive(double nativeCycles)
    {
        var native = SampleResults.Make(design: "native", categories: Cost(nativeCycles));
        var other = SampleResults.Make(design: "xen-pv", categories: Cost(250));

        var table = ResultTables.Results([native, other], SampleResults.Info);

        Assert.Equal(["", ""], table.Rows.Select(r => r[7]));
    }

    [Fact]
    public void Results_rows_carry_seed_hash_and_formatted_totals_in_input_order()
    {
        var results = new[]
        {
            SampleResults.Make(workload: "b", design: "x", categories: Cost(1234.5678), frequencyMhz: 2000),
            SampleResults.Make(workload: "a", design: "native", categories: Cost(1000)),
        };

        var table = ResultTables.Results(results, SampleResults.Info with { Seed = ulong.MaxValue });

        Assert.Equal(["b", "a"], table.Rows.Select(r => r[0]));
        Assert.Equal(
            ["b", "x", "p4-3ghz", "1", "1000", "1234.57", "0.6173", "", "linux-2.6.12", "18446744073709551615", "cfg0a1b2c3d"],
            table.Rows[0]);
    }

    [Theory]
    [InlineData(-0.0)]
    [InlineData(-0.001)]
    public void Negative_zero_is_printed_as_zero(double value)
    {
        var breakdown = ResultTables.Breakdown([SampleResults.Make(categories: Cost(value))]);
        var counters = ResultTables.Counters([SampleResults.Make(counters: new Dictionary<Counter, double> { [Counter.Syscalls] = value / 100 })]);

        Assert.Equal("0.00", breakdown.Rows[0][5]);
        Assert.Equal("0.0000", counters.Rows[0][5]);
    }

    [Fact]
    public void Negative_values_keep_their_sign()
    {
        var breakdown = ResultTables.Breakdown([SampleResults.Make(categories: Cost(-0.5))]);

        Assert.Equal("-0.50", breakdown.Rows[0][5]);
    }

    [Fact]
    public void A_result_with_the_wrong_number_of_categories_is_rejected()
    {
        var bad = SampleResults.Make() with { CyclesPerIterByCategory = [1.0] };

        var ex = Assert.Throws<ArgumentException>(() => ResultTables.Breakdown([bad]));
        Assert.Contains("fork-exit/native", ex.Message, StringComparison.Ordinal);
    }

    private static Dictionary<CostCategory, double> Cost(double userCompute) => new() { [CostCategory.UserCompute] = userCompute };
}
