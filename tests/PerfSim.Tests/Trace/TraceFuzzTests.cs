using System.Text;
using PerfSim.Core.Simulation;
using PerfSim.Core.Trace;
using PerfSim.IO.Config;
using PerfSim.IO.Trace;

namespace PerfSim.Tests.Trace;

/// <summary>A crash is a bug: arbitrary input gets a TraceException or ConfigException, nothing else.</summary>
public sealed class TraceFuzzTests
{
    private static readonly string[] Words =
    [
        "syscall", "fork", "exec", "exit", "wait", "switch", "fault", "mmap", "munmap", "mprotect", "sigaction", "signal",
        "touch", "compute", "mark", "exception", "io", "debugreg", "set=1", "pid=1", "cpu=0", "child=2", "addr=0x1000", "len=4096", "access=w",
        "name=null", "prot=rw", "map=file,shared", "what=iter", "vector=0", "port=128", "=", "==", "#", "0x", "-1",
        "99999999999999999999", "pid=", "len=0x", "flags=thread", "kind=cow", "\t", "é", "\0",
    ];

    [Fact]
    public void Random_text_lines_are_read_or_rejected_with_a_trace_error()
    {
        var rng = new SplitMix64(99);
        for (var round = 0; round < 3000; round++)
        {
            var line = new StringBuilder();
            var n = 1 + (int)rng.NextBelow(6);
            for (var i = 0; i < n; i++)
            {
                line.Append(Words[rng.NextBelow(Words.Length)]).Append(rng.NextBelow(4) == 0 ? "" : " ");
            }
            try
            {
                using var reader = new TextTraceReader(new StringReader(line.ToString()), "fuzz");
                while (reader.TryRead(out _))
                {
                }
            }
            catch (TraceException)
            {
            }
        }
    }

    [Fact]
    public void Random_bytes_after_a_valid_header_are_read_or_rejected_with_a_trace_error()
    {
        var rng = new SplitMix64(7);
        for (var round = 0; round < 3000; round++)
        {
            var bytes = new List<byte>("PSTR"u8.ToArray()) { (byte)(1 + rng.NextBelow(2)), 0, 0, 0 };
            var n = (int)rng.NextBelow(40);
            for (var i = 0; i < n; i++)
            {
                bytes.Add((byte)rng.NextBelow(256));
            }
            try
            {
                using var reader = new BinaryTraceReader(new MemoryStream(bytes.ToArray()), "fuzz");
                while (reader.TryRead(out _))
                {
                }
            }
            catch (TraceException)
            {
            }
        }
    }

    [Fact]
    public void Mutated_data_files_load_or_fail_with_a_config_error()
    {
        var catalog = ConfigCatalog.Locate();
        var sources = new[]
        {
            (File.ReadAllBytes(Path.Combine(catalog.MachinesDirectory, "xeon-2400-2003.json")), 0),
            (File.ReadAllBytes(Path.Combine(catalog.KernelsDirectory, "linux-2.6.20.json")), 1),
            (File.ReadAllBytes(Path.Combine(catalog.DesignsDirectory, "xen-1.0.json")), 2),
        };
        var rng = new SplitMix64(3);
        for (var round = 0; round < 600; round++)
        {
            var (original, kind) = sources[rng.NextBelow(sources.Length)];
            var bytes = (byte[])original.Clone();
            var mutations = 1 + (int)rng.NextBelow(3);
            for (var m = 0; m < mutations; m++)
            {
                bytes[rng.NextBelow(bytes.Length)] = (byte)"{}[]\":,0-9ae \n"[(int)rng.NextBelow(14)];
            }
            try
            {
                _ = kind switch
                {
                    0 => (object)MachineProfileLoader.Parse(bytes, "fuzz.json"),
                    1 => KernelProfileLoader.Parse(bytes, "fuzz.json"),
                    _ => DesignLoader.Parse(bytes, "fuzz.json"),
                };
            }
            catch (ConfigException)
            {
            }
        }
    }

    [Fact]
    public void A_data_file_that_is_not_utf8_is_a_config_error_naming_the_line()
    {
        var bytes = Encoding.UTF8.GetBytes("{\n  \"name\": \"x\",\n  \"description\": \"ab\"\n}");
        var at = Array.LastIndexOf(bytes, (byte)'a'); // in "ab", line 3
        bytes[at] = 0xC3; // a lead byte with no continuation
        var e = Assert.Throws<ConfigException>(() => DesignLoader.Parse(bytes, "bad.json"));
        Assert.Contains(e.Errors, x => x.Line == 3 && x.Message.Contains("UTF-8", StringComparison.Ordinal));
    }
}
