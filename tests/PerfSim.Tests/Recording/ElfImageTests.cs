using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using PerfSim.Core.Simulation;
using PerfSim.IO.Recording;

namespace PerfSim.Tests.Recording;

public sealed class ElfImageTests : IDisposable
{
    private const uint PtLoad = 1;
    private const uint PtDynamic = 2;
    private const uint PtInterp = 3;
    private const uint PtPhdr = 6;
    private const uint PtGnuStack = 0x6474e551;
    private const uint PtGnuRelro = 0x6474e552;
    private const uint R = 4;
    private const uint RW = 6;
    private const uint RX = 5;
    private const string X64Loader = "/lib64/ld-linux-x86-64.so.2";

    private string? _dir;

    private string Dir => _dir ??= Directory.CreateTempSubdirectory("perfsim-elf-").FullName;

    public void Dispose()
    {
        if (_dir is not null)
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    // ---- The page rules, on hand-built images ----

    [Fact]
    public void A_dynamic_pie_has_text_data_and_bss_pages_its_loader_and_only_its_load_segments()
    {
        var image = Read(Pie64());

        Assert.Equal((3L, 2L, 2L), Pages(image)); // text 0x0-0x3000, data 0x3dd0-0x4028, bss to 0x6030
        Assert.Equal(X64Loader, image.Interpreter);
        Assert.True(image.Is64Bit);
        Assert.True(image.PositionIndependent);
        Assert.Equal(
        [
            new ElfSegment(0x0, 0x0, 0x300, 0x300, Read: true, Write: false, Execute: false),
            new ElfSegment(0x1000, 0x1000, 0x800, 0x800, Read: true, Write: false, Execute: true),
            new ElfSegment(0x2000, 0x2000, 0x100, 0x100, Read: true, Write: false, Execute: false),
            new ElfSegment(0x3dd0, 0x2dd0, 0x258, 0x2260, Read: true, Write: true, Execute: false),
        ], image.Segments);
    }

    [Fact]
    public void A_32_bit_i386_executable_is_read_with_its_own_header_layout()
    {
        var image = Read(Elf32());

        Assert.Equal((2L, 3L, 3L), Pages(image)); // text 0x08048000-0x0804a000, data to 0x0804d000, bss to 0x08050000
        Assert.False(image.Is64Bit);
        Assert.False(image.PositionIndependent);
        Assert.Equal("/lib/ld-linux.so.2", image.Interpreter);
        Assert.Equal(
        [
            new ElfSegment(0x08048000, 0x0, 0x1234, 0x1234, Read: true, Write: false, Execute: true),
            new ElfSegment(0x0804a234, 0x1234, 0x2000, 0x5000, Read: true, Write: true, Execute: false),
        ], image.Segments);
    }

    [Fact]
    public void Text_is_one_span_over_the_non_writable_segments_with_the_gaps_between_them()
    {
        var image = Read(new TestElf
        {
            Length = 0x6000,
            Headers =
            [
                new(PtLoad, R, 0x0, 0x0, 0x500, 0x500), // page 0
                new(PtLoad, RX, 0x1000, 0x1000, 0x800, 0x800), // page 1
                new(PtLoad, R, 0x5000, 0x5000, 0x100, 0x100), // page 5, after a 3-page gap
                new(PtLoad, R, 0x0, 0x900000, 0, 0), // maps nothing, so does not stretch the span
            ],
        });

        Assert.Equal((6L, 0L, 0L), Pages(image));
    }

    [Theory]
    [InlineData(0x258L, 2L, 0L)] // the bss tail ends inside the last data page: data
    [InlineData(0x260L, 2L, 0L)]
    [InlineData(0x1230L, 2L, 0L)] // ends exactly at that page's end
    [InlineData(0x1231L, 2L, 1L)] // one byte into the next page: one bss page
    [InlineData(0x3230L, 2L, 2L)]
    public void A_bss_tail_that_shares_the_last_data_page_counts_as_data(long memorySize, long data, long bss)
    {
        // The file part is 0x3dd0-0x4028: pages 3 and 4.
        var image = Read(new TestElf
        {
            Length = 0x4000,
            Headers = [new(PtLoad, RX, 0, 0, 0x100, 0x100), new(PtLoad, RW, 0x2dd0, 0x3dd0, 0x258, (ulong)memorySize)],
        });

        Assert.Equal((1L, data, bss), Pages(image));
    }

    [Fact]
    public void A_writable_segment_without_file_bytes_is_all_bss_from_its_first_page()
    {
        var image = Read(new TestElf
        {
            Headers = [new(PtLoad, RX, 0, 0, 0x100, 0x100), new(PtLoad, RW, 0x800, 0x10800, 0, 0x1000)],
        });

        Assert.Equal((1L, 0L, 2L), Pages(image)); // 0x10800-0x11800 touches pages 0x10 and 0x11
    }

    [Fact]
    public void Several_writable_segments_add_their_data_and_bss_pages()
    {
        var image = Read(new TestElf
        {
            Headers =
            [
                new(PtLoad, RX, 0, 0, 0x100, 0x100),
                new(PtLoad, RW, 0x1000, 0x11000, 0x1800, 0x3000), // data 2, bss 1
                new(PtLoad, RW, 0x2800, 0x22800, 0x100, 0x4000), // data 1, bss 4 (0x23000-0x27000)
            ],
        });

        Assert.Equal((1L, 3L, 5L), Pages(image));
    }

    // ---- What is refused ----

    public static TheoryData<string> RefusalCases => new(Refusals.Keys);

    [Theory]
    [MemberData(nameof(RefusalCases))]
    public void A_file_the_kernel_could_not_map_is_an_elf_exception_naming_the_file_and_the_reason(string name)
    {
        var (bytes, reason) = Refusals[name]();

        var e = Assert.Throws<ElfException>(() => ElfReader.Read(new MemoryStream(bytes), "prog"));

        Assert.Equal("prog", e.Path);
        Assert.StartsWith("prog: ", e.Message);
        Assert.Contains(reason, e.Reason);
    }

    private static readonly Dictionary<string, Func<(byte[] Bytes, string Reason)>> Refusals = new()
    {
        ["empty"] = () => ([], "empty"),
        ["text"] = () => ("hello, world\n"u8.ToArray(), "not an ELF file"),
        ["script"] = () => ("#!/bin/sh\necho hi\n"u8.ToArray(), "#! script"),
        ["class 3"] = () => (Patch(Pie64().Build(), 4, 3), "unknown ELF class 3"),
        ["big-endian"] = () => ((Pie64() with { BigEndian = true }).Build(), "big-endian"),
        ["EI_VERSION 0"] = () => (Patch(Pie64().Build(), 6, 0), "ELF version 0"),
        ["object file"] = () => ((Pie64() with { Type = 1 }).Build(), "ET_REL"),
        ["core dump"] = () => ((Pie64() with { Type = 4 }).Build(), "ET_CORE"),
        ["32-byte entries in a 64-bit file"] = () => ((Pie64() with { PhEntSize = 32 }).Build(), "e_phentsize is 32"),
        ["no program headers"] = () => ((Pie64() with { PhNum = 0 }).Build(), "e_phnum is 0"),
        ["PN_XNUM"] = () => ((Pie64() with { PhNum = 0xFFFF }).Build(), "more than the 65536"),
        ["phoff past the end"] = () => ((Pie64() with { PhOff = 0x10000 }).Build(), "program header table (e_phoff 65536"),
        ["phoff straddles the end"] = () => ((Pie64() with { PhOff = 0x4F00 }).Build(), "lies beyond the end of the file (20480 bytes)"),
        ["phoff near 2^64"] = () => ((Pie64() with { PhOff = ulong.MaxValue - 8 }).Build(), "program header table"),
        ["phoff beyond 4 GB in a 32-bit file"] = () => ((Elf32() with { PhOff = 0xFFFFFFF0 }).Build(), "program header table"),
        ["p_filesz above p_memsz"] = () => (Load(new(PtLoad, RW, 0x1000, 0x1000, 0x200, 0x100)), "p_filesz 512 is larger than p_memsz 256"),
        ["file part past the end"] = () => (Load(new(PtLoad, RX, 0x1000, 0x1000, 0x4000, 0x4000)), "truncated"),
        ["file part near 2^64"] = () => (Load(new(PtLoad, RX, ulong.MaxValue - 0xFFF, 0x1000, 0x2000, 0x2000)), "beyond the end of the file"),
        ["address near 2^64"] = () => (Load(new(PtLoad, RW, 0, 0xFFFF_FFFF_FFFF_F000, 0, 0x2000)), "largest address"),
        ["vaddr and offset not congruent"] = () => (Load(new(PtLoad, RX, 0x1000, 0x1800, 0x100, 0x100)), "differ modulo"),
        ["no PT_LOAD"] = () => (new TestElf { Headers = [new(PtGnuStack, RW, 0, 0, 0, 0)] }.Build(), "no PT_LOAD"),
        ["interpreter without NUL"] = () => (Patch(Pie64().Build(), Pie64InterpOffset + X64Loader.Length, (byte)'x'), "not NUL-terminated"),
        ["interpreter of 5000 bytes"] = () => (Load(new(PtInterp, R, 0x100, 0x100, 5000, 5000)), "between 2 and 4096"),
        ["interpreter of 1 byte"] = () => (Load(new(PtInterp, R, 0x100, 0x100, 1, 1)), "between 2 and 4096"),
        ["interpreter past the end"] = () => (Load(new(PtInterp, R, 0x2F00, 0x100, 0x200, 0x200)), "interpreter path"),
    };

    [Fact]
    public void Every_prefix_of_a_valid_file_is_refused_as_truncated()
    {
        var whole = (Pie64() with { Length = 0x3028 }).Build(); // ends with the data segment's file part
        ElfReader.Read(new MemoryStream(whole), "whole");

        for (var length = 1; length < whole.Length; length++)
        {
            var e = Assert.Throws<ElfException>(() => ElfReader.Read(new MemoryStream(whole, 0, length), $"first {length} bytes"));
            Assert.Contains("truncated", e.Reason);
        }
    }

    [Fact]
    public void A_real_binary_cut_after_its_program_headers_is_refused_as_truncated()
    {
        var bytes = File.ReadAllBytes("/bin/sh");

        var e = Assert.Throws<ElfException>(() => ElfReader.Read(new MemoryStream(bytes, 0, 4096), "/bin/sh (first 4 KB)"));

        Assert.Contains("truncated", e.Reason);
    }

    [Fact]
    public void Random_corruption_of_the_headers_gives_an_image_or_an_elf_exception_and_nothing_else()
    {
        var rng = new SplitMix64(2026);
        var images = 0;
        var refused = 0;
        foreach (var valid in new[] { Pie64().Build(), Elf32().Build() })
        {
            var headerBytes = valid[4] == 2 ? 64 + 9 * 56 : 52 + 3 * 32;
            for (var trial = 0; trial < 3000; trial++)
            {
                var bytes = (byte[])valid.Clone();
                var changes = 1 + rng.NextBelow(6);
                for (var c = 0; c < changes; c++)
                {
                    var at = (int)rng.NextBelow(headerBytes);
                    if (rng.NextBelow(4) == 0 && at + 8 <= bytes.Length)
                    {
                        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(at), rng.Next() >> (int)rng.NextBelow(64));
                    }
                    else
                    {
                        bytes[at] = (byte)rng.Next();
                    }
                }
                try
                {
                    var image = ElfReader.Read(new MemoryStream(bytes), "fuzzed");
                    Assert.True(image.TextPages >= 0 && image.DataPages >= 0 && image.BssPages >= 0);
                    images++;
                }
                catch (ElfException)
                {
                    refused++; // any other exception fails the test
                }
            }
        }
        Assert.True(images > 100 && refused > 100, $"{images} read, {refused} refused");
    }

    // ---- Streams ----

    [Fact]
    public void The_file_starts_at_the_streams_position()
    {
        var elf = Pie64().Build();
        var stream = new MemoryStream([.. new byte[100], .. elf]) { Position = 100 };

        Assert.Equal((3L, 2L, 2L), Pages(ElfReader.Read(stream, "at 100")));
    }

    [Fact]
    public void A_stream_that_cannot_seek_is_read_from_its_first_64_KB()
    {
        var image = ElfReader.Read(new ForwardOnlyStream(Pie64().Build()), "pipe");

        Assert.Equal((3L, 2L, 2L), Pages(image));
        Assert.Equal(X64Loader, image.Interpreter);
    }

    [Fact]
    public void Program_headers_beyond_the_first_64_KB_are_read_by_seeking_and_refused_from_a_pipe()
    {
        var far = (Pie64() with { PhOff = 0x11000, Length = 0x12000 }).Build();

        Assert.Equal((3L, 2L, 2L), Pages(ElfReader.Read(new MemoryStream(far), "far")));
        var e = Assert.Throws<ElfException>(() => ElfReader.Read(new ForwardOnlyStream(far), "far pipe"));
        Assert.Contains("cannot seek", e.Reason);
    }

    // ---- #! scripts ----

    [Theory]
    [InlineData("#!/bin/sh -e\necho hi\n", "/bin/sh", "-e")]
    [InlineData("#!/bin/sh\n", "/bin/sh", null)]
    [InlineData("#!/bin/sh", "/bin/sh", null)] // no newline in a short file
    [InlineData("#! \t/usr/bin/env  python3 \t\n", "/usr/bin/env", "python3")]
    [InlineData("#!/usr/bin/env -S awk -f\n", "/usr/bin/env", "-S awk -f")] // one argument, inner spaces kept
    [InlineData("#!/bin/sh\r\n", "/bin/sh\r", null)] // only spaces and tabs are blanks, as in the kernel
    [InlineData("#!/bin/sh -e\0ignored\n", "/bin/sh", "-e")] // a NUL ends the line
    public void A_shebang_line_gives_the_interpreter_and_one_optional_argument(string text, string interpreter, string? argument)
    {
        var path = Path.Combine(Dir, "script");
        File.WriteAllText(path, text);

        Assert.Equal<(string, string?)?>((interpreter, argument), ElfReader.ReadShebang(path));
    }

    [Fact]
    public void An_argument_cut_off_by_the_256_byte_limit_is_kept_as_far_as_it_goes()
    {
        var text = "#!/bin/sh " + new string('x', 300) + "\n";

        Assert.Equal<(string, string?)?>(("/bin/sh", new string('x', 255 - 10)), ElfReader.ReadShebang(Utf8(text), "long"));
    }

    [Theory]
    [InlineData("#!\n")]
    [InlineData("#!  \t \n")]
    [InlineData("#!")]
    public void A_shebang_line_without_an_interpreter_is_an_elf_exception(string text)
    {
        var e = Assert.Throws<ElfException>(() => ElfReader.ReadShebang(Utf8(text), "bad script"));

        Assert.StartsWith("bad script: ", e.Message);
        Assert.Contains("no interpreter", e.Reason);
    }

    [Fact]
    public void An_interpreter_cut_off_by_the_256_byte_limit_is_an_elf_exception()
    {
        var text = "#!/usr/bin/" + new string('i', 300) + " -e\n";

        var e = Assert.Throws<ElfException>(() => ElfReader.ReadShebang(Utf8(text), "long interpreter"));

        Assert.Contains("cut off", e.Reason);
    }

    [Fact]
    public void A_file_that_is_not_a_script_has_no_shebang()
    {
        Assert.Null(ElfReader.ReadShebang("/bin/sh"));
        Assert.Null(ElfReader.ReadShebang(Utf8(""), "empty"));
        Assert.Null(ElfReader.ReadShebang(Utf8("#"), "hash"));
        Assert.Null(ElfReader.ReadShebang(Utf8(" #!/bin/sh\n"), "space first"));
    }

    [Fact]
    public void Reading_a_script_as_elf_says_it_is_a_script()
    {
        var path = Path.Combine(Dir, "script.sh");
        File.WriteAllText(path, "#!/bin/sh\necho hi\n");

        var e = Assert.Throws<ElfException>(() => ElfReader.Read(path));

        Assert.Equal(path, e.Path);
        Assert.Contains("#! script", e.Reason);
    }

    // ---- Real binaries ----

    [Theory]
    [InlineData("/bin/sh")]
    [InlineData("/usr/bin/ls")]
    public void A_system_binary_is_a_dynamic_pie_whose_pages_follow_from_readelfs_program_headers(string path)
    {
        var image = ElfReader.Read(path);

        Assert.True(image.Is64Bit);
        Assert.True(image.PositionIndependent);
        if (RuntimeInformation.OSArchitecture == Architecture.X64)
        {
            Assert.Equal(X64Loader, image.Interpreter);
        }
        Assert.NotNull(image.Interpreter);
        Assert.True(image.TextPages > 0 && image.DataPages > 0, $"{path}: {Pages(image)}");
        if (Readelf(path) is { } readelf) // readelf comes with gcc (binutils); without it the facts above are what is checked
        {
            AssertAgreesWith(readelf, image);
        }
    }

    [Fact]
    public void The_kernel_maps_bin_sh_as_its_program_headers_say()
    {
        // dash prints its own /proc/<pid>/maps with builtins only; the kernel names the file by its real path.
        var (exit, maps, error) = Run("/bin/sh", "-c", "while read -r l; do echo \"$l\"; done < /proc/$$/maps");
        Assert.True(exit == 0, error);

        AssertKernelMappedTheSamePages(maps, RealPath("/bin/sh"), ElfReader.Read("/bin/sh"));
    }

    /// <summary>The path with every symbolic link resolved (/bin/sh is /usr/bin/dash when /bin links to usr/bin).</summary>
    private static string RealPath(string path)
    {
        var resolved = "/";
        var pending = new Queue<string>(Path.GetFullPath(path).Split('/', StringSplitOptions.RemoveEmptyEntries));
        for (var links = 0; pending.TryDequeue(out var part);)
        {
            var next = Path.Combine(resolved, part);
            if (new FileInfo(next).LinkTarget is { } target)
            {
                Assert.True(++links < 40, $"{path}: too many symbolic links");
                pending = new Queue<string>([.. Path.GetFullPath(target, resolved).Split('/', StringSplitOptions.RemoveEmptyEntries), .. pending]);
                resolved = "/";
            }
            else
            {
                resolved = next;
            }
        }
        return resolved;
    }

    public static TheoryData<string> GccProgramNames => new(GccPrograms.Keys);

    /// <summary>
    /// Each program's headers as gcc 12.2 (Debian 12) built them are checked in, with the pages the kernel mapped for
    /// them (read from /proc/self/maps when they were recorded), so the test means something without gcc. With gcc,
    /// the program is also built here and compared with readelf and with the running kernel's mappings.
    /// </summary>
    [Theory]
    [MemberData(nameof(GccProgramNames))]
    public void A_gcc_built_program_has_the_pages_readelf_and_the_kernel_give(string name)
    {
        var program = GccPrograms[name];
        var recorded = new byte[program.RecordedLength];
        Convert.FromBase64String(program.RecordedHeaders).CopyTo(recorded, 0);

        var image = ElfReader.Read(new MemoryStream(recorded), name + " (recorded headers)");

        Assert.Equal(program.RecordedPages, Pages(image));
        program.Shape(image);

        var built = Build(name, program);
        if (built is null)
        {
            return; // no gcc, or no 32-bit libraries for -m32: the recorded headers above are the test
        }
        var fresh = ElfReader.Read(built);
        program.Shape(fresh);
        if (Readelf(built) is { } readelf)
        {
            AssertAgreesWith(readelf, fresh);
        }
        if (program.PrintsItsMaps)
        {
            var (exit, maps, error) = Run(built);
            Assert.True(exit == 0, $"{built} exited with {exit}: {error}");
            AssertKernelMappedTheSamePages(maps, RealPath(built), fresh);
        }
    }

    private sealed record GccProgram(
        string Source,
        string Flags,
        string RecordedHeaders,
        int RecordedLength,
        (long Text, long Data, long Bss) RecordedPages,
        bool PrintsItsMaps,
        Action<ElfImage> Shape);

    /// <summary>Prints /proc/self/maps with read and write only: no stdio, so no malloc and no brk heap next to the bss.</summary>
    private const string PrintMaps = """
        #include <fcntl.h>
        #include <unistd.h>
        static void print_maps(void)
        {
            char buf[4096];
            int fd = open("/proc/self/maps", O_RDONLY);
            ssize_t n;
            while ((n = read(fd, buf, sizeof buf)) > 0)
                write(1, buf, n);
        }

        """;

    private static readonly Dictionary<string, GccProgram> GccPrograms = new()
    {
        ["static_hello"] = new(
            PrintMaps + "int main(void) { print_maps(); return 0; }\n",
            "-O2 -static -no-pie",
            "f0VMRgIBAQMAAAAAAAAAAAIAPgABAAAAQBVAAAAAAABAAAAAAAAAADiaCwAAAAAAAAAAAEAAOAAKAEAAHgAdAAEAAAAEAAAAAAAAAAAAAAAAAEAAAAAAAAAAQAAAAAAAGAUAAAAAAAAYBQAAAAAAAAAQAAAAAAAAAQAAAAUAAAAAEAAAAAAAAAAQQAAAAAAAABBAAAAAAABBewcAAAAAAEF7BwAAAAAAABAAAAAAAAABAAAABAAAAACQBwAAAAAAAJBHAAAAAAAAkEcAAAAAAE5vAgAAAAAATm8CAAAAAAAAEAAAAAAAAAEAAAAGAAAA2AYKAAAAAADYBkoAAAAAANgGSgAAAAAAmFsAAAAAAADIswAAAAAAAAAQAAAAAAAABAAAAAQAAABwAgAAAAAAAHACQAAAAAAAcAJAAAAAAAAgAAAAAAAAACAAAAAAAAAACAAAAAAAAAAEAAAABAAAAJACAAAAAAAAkAJAAAAAAACQAkAAAAAAAEQAAAAAAAAARAAAAAAAAAAEAAAAAAAAAAcAAAAEAAAA2AYKAAAAAADYBkoAAAAAANgGSgAAAAAAGAAAAAAAAABgAAAAAAAAAAgAAAAAAAAAU+V0ZAQAAABwAgAAAAAAAHACQAAAAAAAcAJAAAAAAAAgAAAAAAAAACAAAAAAAAAACAAAAAAAAABR5XRkBgAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAQAAAAAAAAAFLldGQEAAAA2AYKAAAAAADYBkoAAAAAANgGSgAAAAAAKDkAAAAAAAAoOQAAAAAAAAEAAAAAAAAA",
            762296,
            (160, 7, 5),
            PrintsItsMaps: true,
            image =>
            {
                Assert.True(image.Is64Bit);
                Assert.False(image.PositionIndependent);
                Assert.Null(image.Interpreter);
            }),
        ["pie_hello"] = new(
            PrintMaps + "int main(void) { print_maps(); return 0; }\n",
            "-O2",
            "f0VMRgIBAQAAAAAAAAAAAAMAPgABAAAAwBAAAAAAAABAAAAAAAAAAAA3AAAAAAAAAAAAAEAAOAANAEAAHwAeAAYAAAAEAAAAQAAAAAAAAABAAAAAAAAAAEAAAAAAAAAA2AIAAAAAAADYAgAAAAAAAAgAAAAAAAAAAwAAAAQAAAAYAwAAAAAAABgDAAAAAAAAGAMAAAAAAAAcAAAAAAAAABwAAAAAAAAAAQAAAAAAAAABAAAABAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAIgGAAAAAAAAiAYAAAAAAAAAEAAAAAAAAAEAAAAFAAAAABAAAAAAAAAAEAAAAAAAAAAQAAAAAAAAtQEAAAAAAAC1AQAAAAAAAAAQAAAAAAAAAQAAAAQAAAAAIAAAAAAAAAAgAAAAAAAAACAAAAAAAAD0AAAAAAAAAPQAAAAAAAAAABAAAAAAAAABAAAABgAAANAtAAAAAAAA0D0AAAAAAADQPQAAAAAAAFgCAAAAAAAAYAIAAAAAAAAAEAAAAAAAAAIAAAAGAAAA4C0AAAAAAADgPQAAAAAAAOA9AAAAAAAA4AEAAAAAAADgAQAAAAAAAAgAAAAAAAAABAAAAAQAAAA4AwAAAAAAADgDAAAAAAAAOAMAAAAAAAAgAAAAAAAAACAAAAAAAAAACAAAAAAAAAAEAAAABAAAAFgDAAAAAAAAWAMAAAAAAABYAwAAAAAAAEQAAAAAAAAARAAAAAAAAAAEAAAAAAAAAFPldGQEAAAAOAMAAAAAAAA4AwAAAAAAADgDAAAAAAAAIAAAAAAAAAAgAAAAAAAAAAgAAAAAAAAAUOV0ZAQAAAAUIAAAAAAAABQgAAAAAAAAFCAAAAAAAAAsAAAAAAAAACwAAAAAAAAABAAAAAAAAABR5XRkBgAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAQAAAAAAAAAFLldGQEAAAA0C0AAAAAAADQPQAAAAAAANA9AAAAAAAAMAIAAAAAAAAwAgAAAAAAAAEAAAAAAAAAL2xpYjY0L2xkLWxpbnV4LXg4Ni02NC5zby4yAA==",
            16064,
            (3, 2, 0), // 8 bytes of bss share the last data page
            PrintsItsMaps: true,
            image =>
            {
                Assert.True(image.Is64Bit);
                Assert.True(image.PositionIndependent);
                Assert.NotNull(image.Interpreter);
            }),
        ["big_arrays"] = new(
            PrintMaps + """
                static char big[1 << 20];
                static int table[1 << 18] = { [0 ... (1 << 18) - 1] = 7 };
                int main(int argc, char **argv)
                {
                    big[argc] = 1;
                    table[argc] = argc;
                    print_maps();
                    return big[2] + table[argc + 1] - 7;
                }

                """,
            "-O2",
            "f0VMRgIBAQAAAAAAAAAAAAMAPgABAAAAABEAAAAAAABAAAAAAAAAAFA3EAAAAAAAAAAAAEAAOAANAEAAHwAeAAYAAAAEAAAAQAAAAAAAAABAAAAAAAAAAEAAAAAAAAAA2AIAAAAAAADYAgAAAAAAAAgAAAAAAAAAAwAAAAQAAAAYAwAAAAAAABgDAAAAAAAAGAMAAAAAAAAcAAAAAAAAABwAAAAAAAAAAQAAAAAAAAABAAAABAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAIgGAAAAAAAAiAYAAAAAAAAAEAAAAAAAAAEAAAAFAAAAABAAAAAAAAAAEAAAAAAAAAAQAAAAAAAA9QEAAAAAAAD1AQAAAAAAAAAQAAAAAAAAAQAAAAQAAAAAIAAAAAAAAAAgAAAAAAAAACAAAAAAAAAIAQAAAAAAAAgBAAAAAAAAABAAAAAAAAABAAAABgAAANAtAAAAAAAA0D0AAAAAAADQPQAAAAAAAHACEAAAAAAAkAIgAAAAAAAAEAAAAAAAAAIAAAAGAAAA4C0AAAAAAADgPQAAAAAAAOA9AAAAAAAA4AEAAAAAAADgAQAAAAAAAAgAAAAAAAAABAAAAAQAAAA4AwAAAAAAADgDAAAAAAAAOAMAAAAAAAAgAAAAAAAAACAAAAAAAAAACAAAAAAAAAAEAAAABAAAAFgDAAAAAAAAWAMAAAAAAABYAwAAAAAAAEQAAAAAAAAARAAAAAAAAAAEAAAAAAAAAFPldGQEAAAAOAMAAAAAAAA4AwAAAAAAADgDAAAAAAAAIAAAAAAAAAAgAAAAAAAAAAgAAAAAAAAAUOV0ZAQAAAAUIAAAAAAAABQgAAAAAAAAFCAAAAAAAAAsAAAAAAAAACwAAAAAAAAABAAAAAAAAABR5XRkBgAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAQAAAAAAAAAFLldGQEAAAA0C0AAAAAAADQPQAAAAAAANA9AAAAAAAAMAIAAAAAAAAwAgAAAAAAAAEAAAAAAAAAL2xpYjY0L2xkLWxpbnV4LXg4Ni02NC5zby4yAA==",
            1064720,
            (3, 258, 256),
            PrintsItsMaps: true,
            image =>
            {
                Assert.True(image.PositionIndependent);
                // The 1 MB table is data (plus the pages it shares with .got and .data), the 1 MB array is bss.
                Assert.InRange(image.DataPages, 256, 256 + 3);
                Assert.InRange(image.BssPages, 256, 256 + 1);
            }),
        ["i386_static"] = new(
            """
                static char bss[3 * 4096];
                static int data[2048] = { 1 };
                void _start(void)
                {
                    bss[100] = (char)data[5];
                    data[6] = bss[7];
                    __asm__ volatile("movl $1, %%eax\n\txorl %%ebx, %%ebx\n\tint $0x80" ::: "memory");
                }

                """,
            "-m32 -nostdlib -static -no-pie -O0",
            "f0VMRgEBAQAAAAAAAAAAAAIAAwABAAAAAJAECDQAAACEUQAAAAAAADQAIAAHACgACwAKAAEAAAAAAAAAAIAECACABAg4AQAAOAEAAAQAAAAAEAAAAQAAAAAQAAAAkAQIAJAECDkAAAA5AAAABQAAAAAQAAABAAAAACAAAACgBAgAoAQITAAAAEwAAAAEAAAAABAAAAEAAAD0LwAA9L8ECPS/BAgMIAAADFAAAAYAAAAAEAAABAAAABQBAAAUgQQIFIEECCQAAAAkAAAABAAAAAQAAABR5XRkAAAAAAAAAAAAAAAAAAAAAAAAAAAGAAAAEAAAAFLldGT0LwAA9L8ECPS/BAgMAAAADAAAAAQAAAABAAAA",
            21308,
            (3, 3, 3), // data starts 12 bytes before a page boundary (.got.plt), so it touches 3 pages for 8 KB
            PrintsItsMaps: false,
            image =>
            {
                Assert.False(image.Is64Bit);
                Assert.False(image.PositionIndependent);
                Assert.Null(image.Interpreter);
            }),
    };

    // ---- Oracles ----

    /// <summary>What readelf -lW says about a file: its type, its interpreter and its LOAD lines.</summary>
    private sealed record ReadelfView(bool PositionIndependent, string? Interpreter, List<ElfSegment> Loads);

    private static void AssertAgreesWith(ReadelfView readelf, ElfImage image)
    {
        Assert.Equal(readelf.PositionIndependent, image.PositionIndependent);
        Assert.Equal(readelf.Interpreter, image.Interpreter);
        Assert.Equal(readelf.Loads, image.Segments);
        Assert.Equal(PagesByTheRules(readelf.Loads), Pages(image));
    }

    /// <summary>The counting rules of <see cref="ElfReader"/>, spelled out on readelf's numbers.</summary>
    private static (long Text, long Data, long Bss) PagesByTheRules(List<ElfSegment> loads)
    {
        static long Down(long a) => a / 4096;
        static long Up(long a) => (a + 4095) / 4096;
        var text = loads.Where(s => !s.Write && s.MemorySize > 0).ToList();
        var writable = loads.Where(s => s.Write && s.MemorySize > 0).ToList();
        var textPages = text.Count == 0 ? 0 : text.Max(s => Up(s.VirtualAddress + s.MemorySize)) - text.Min(s => Down(s.VirtualAddress));
        var dataPages = writable.Where(s => s.FileSize > 0).Sum(s => Up(s.VirtualAddress + s.FileSize) - Down(s.VirtualAddress));
        var bssPages = writable.Sum(s => Up(s.VirtualAddress + s.MemorySize) - (s.FileSize > 0 ? Up(s.VirtualAddress + s.FileSize) : Down(s.VirtualAddress)));
        return (textPages, dataPages, bssPages);
    }

    /// <summary>
    /// The kernel maps TextPages + DataPages pages of the file (text without gaps, as gcc lays it out) and, right after
    /// them, BssPages anonymous pages: what the program saw in its own /proc/self/maps.
    /// </summary>
    private static void AssertKernelMappedTheSamePages(string mapsText, string program, ElfImage image)
    {
        var maps = mapsText.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(MapsLine.Parse).ToList();
        var own = maps.Where(m => m.Path == program).ToList();
        Assert.NotEmpty(own);

        Assert.Equal(image.TextPages + image.DataPages, own.Sum(m => m.Pages));
        var after = maps.FirstOrDefault(m => m.Start == own.Max(o => o.End) && m.Inode == 0);
        if (after?.Path == "[heap]")
        {
            Assert.True(after.Pages >= image.BssPages); // brk not randomised: the heap was merged with the bss
        }
        else
        {
            Assert.Equal(image.BssPages, after is { Path: "" } ? after.Pages : 0);
        }
    }

    private sealed record MapsLine(long Start, long End, long Inode, string Path)
    {
        public long Pages => (End - Start) / 4096;

        public static MapsLine Parse(string line)
        {
            // 55c620da2000-55c620da3000 r--p 00000000 fe:00 11682060   /tmp/perfsim-elf-x/big_arrays
            var f = line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries);
            var range = f[0].Split('-');
            return new MapsLine(Hex(range[0]), Hex(range[1]), long.Parse(f[4], CultureInfo.InvariantCulture), f.Length > 5 ? f[5].Trim() : "");
        }
    }

    private static ReadelfView? Readelf(string path)
    {
        if (FindTool("readelf") is not { } readelf)
        {
            return null;
        }
        var (exit, output, error) = Run(readelf, "-lW", path);
        Assert.True(exit == 0, $"readelf -lW {path}: {error}");
        var pie = false;
        string? interpreter = null;
        var loads = new List<ElfSegment>();
        foreach (var line in output.Split('\n'))
        {
            var t = line.Trim();
            if (t.StartsWith("Elf file type is ", StringComparison.Ordinal))
            {
                pie = t.StartsWith("Elf file type is DYN", StringComparison.Ordinal);
            }
            else if (t.StartsWith("[Requesting program interpreter: ", StringComparison.Ordinal))
            {
                interpreter = t["[Requesting program interpreter: ".Length..^1];
            }
            else if (t.StartsWith("LOAD ", StringComparison.Ordinal))
            {
                // LOAD Offset VirtAddr PhysAddr FileSiz MemSiz Flg Align, where Flg is "R E", "RW", ...
                var f = t.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                var flags = string.Concat(f[6..^1]);
                loads.Add(new ElfSegment(Hex(f[2]), Hex(f[1]), Hex(f[4]), Hex(f[5]),
                    Read: flags.Contains('R'), Write: flags.Contains('W'), Execute: flags.Contains('E')));
            }
        }
        return new ReadelfView(pie, interpreter, loads);
    }

    private string? Build(string name, GccProgram program)
    {
        if (FindTool("gcc") is not { } gcc)
        {
            return null;
        }
        var source = Path.Combine(Dir, name + ".c");
        var output = Path.Combine(Dir, name);
        File.WriteAllText(source, program.Source);
        var (exit, _, _) = Run(gcc, [.. program.Flags.Split(' '), "-o", output, source]);
        return exit == 0 ? output : null;
    }

    private static string? FindTool(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists);

    private static (int Exit, string Output, string Error) Run(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }
        start.Environment["LC_ALL"] = "C";
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output, error.Result);
    }

    private static long Hex(string s) => long.Parse(s.StartsWith("0x", StringComparison.Ordinal) ? s[2..] : s, NumberStyles.HexNumber, CultureInfo.InvariantCulture);

    // ---- Hand-built ELF files ----

    private static (long, long, long) Pages(ElfImage image) => (image.TextPages, image.DataPages, image.BssPages);

    private static ElfImage Read(TestElf elf) => ElfReader.Read(new MemoryStream(elf.Build()), "test.elf");

    private static MemoryStream Utf8(string text) => new(Encoding.UTF8.GetBytes(text));

    private static byte[] Patch(byte[] bytes, int at, byte value)
    {
        bytes[at] = value;
        return bytes;
    }

    /// <summary>A 64-bit ET_EXEC with a one-page text segment and the given program header, 0x3000 bytes long.</summary>
    private static byte[] Load(Ph header) =>
        new TestElf { Headers = [new(PtLoad, RX, 0, 0, 0x100, 0x100), header] }.Build();

    /// <summary>Where <see cref="Pie64"/> keeps its interpreter path, after its program header table (as gcc does).</summary>
    private const int Pie64InterpOffset = 0x250;

    /// <summary>A gcc-like x86_64 PIE: PHDR, INTERP, r-- r-x r-- rw- loads, DYNAMIC, GNU_STACK, GNU_RELRO.</summary>
    private static TestElf Pie64() => new()
    {
        Type = 3,
        Length = 0x5000,
        Interpreter = (Pie64InterpOffset, X64Loader),
        Headers =
        [
            new(PtPhdr, R, 0x40, 0x40, 9 * 56, 9 * 56),
            new(PtInterp, R, Pie64InterpOffset, Pie64InterpOffset, (ulong)X64Loader.Length + 1, (ulong)X64Loader.Length + 1),
            new(PtLoad, R, 0x0, 0x0, 0x300, 0x300),
            new(PtLoad, RX, 0x1000, 0x1000, 0x800, 0x800),
            new(PtLoad, R, 0x2000, 0x2000, 0x100, 0x100),
            new(PtLoad, RW, 0x2dd0, 0x3dd0, 0x258, 0x2260),
            new(PtDynamic, RW, 0x2de0, 0x3de0, 0x1e0, 0x1e0),
            new(PtGnuStack, RW, 0, 0, 0, 0),
            new(PtGnuRelro, R, 0x2dd0, 0x3dd0, 0x230, 0x230),
        ],
    };

    /// <summary>An i386 ET_EXEC at 0x08048000, as 2.4-era binaries were laid out, with a PT_INTERP.</summary>
    private static TestElf Elf32() => new()
    {
        Is64 = false,
        Length = 0x4000,
        Interpreter = (0x100, "/lib/ld-linux.so.2"),
        Headers =
        [
            new(PtInterp, R, 0x100, 0x08048100, 19, 19),
            new(PtLoad, RX, 0x0, 0x08048000, 0x1234, 0x1234),
            new(PtLoad, RW, 0x1234, 0x0804a234, 0x2000, 0x5000),
        ],
    };

    private sealed record Ph(uint Type, uint Flags, ulong Offset, ulong VirtualAddress, ulong FileSize, ulong MemorySize);

    /// <summary>An ELF file built byte by byte: header, program headers at <see cref="PhOff"/>, an interpreter string.</summary>
    private sealed record TestElf
    {
        public bool Is64 { get; init; } = true;
        public bool BigEndian { get; init; }
        public ushort Type { get; init; } = 2;
        public int Length { get; init; } = 0x3000;
        public ulong? PhOff { get; init; }
        public ushort? PhEntSize { get; init; }
        public ushort? PhNum { get; init; }
        public (int Offset, string Path)? Interpreter { get; init; }
        public Ph[] Headers { get; init; } = [];

        public byte[] Build()
        {
            var b = new byte[Length];
            var headerSize = Is64 ? 64 : 52;
            var entrySize = Is64 ? 56 : 32;
            var phoff = PhOff ?? (ulong)headerSize;
            b[0] = 0x7F;
            b[1] = (byte)'E';
            b[2] = (byte)'L';
            b[3] = (byte)'F';
            b[4] = (byte)(Is64 ? 2 : 1);
            b[5] = (byte)(BigEndian ? 2 : 1);
            b[6] = 1;
            U16(b, 16, Type);
            U16(b, 18, (ushort)(Is64 ? 62 : 3)); // EM_X86_64, EM_386
            U32(b, 20, 1);
            if (Is64)
            {
                U64(b, 32, phoff);
                U16(b, 52, (ushort)headerSize);
                U16(b, 54, PhEntSize ?? (ushort)entrySize);
                U16(b, 56, PhNum ?? (ushort)Headers.Length);
            }
            else
            {
                U32(b, 28, (uint)phoff);
                U16(b, 40, (ushort)headerSize);
                U16(b, 42, PhEntSize ?? (ushort)entrySize);
                U16(b, 44, PhNum ?? (ushort)Headers.Length);
            }
            for (var i = 0; i < Headers.Length; i++)
            {
                var at = phoff + (ulong)(i * entrySize);
                if (phoff > (ulong)Length || at + (ulong)entrySize > (ulong)Length)
                {
                    break; // a table placed outside the file is the point of the test
                }
                var h = Headers[i];
                var o = (int)at;
                U32(b, o, h.Type);
                if (Is64)
                {
                    U32(b, o + 4, h.Flags);
                    U64(b, o + 8, h.Offset);
                    U64(b, o + 16, h.VirtualAddress);
                    U64(b, o + 24, h.VirtualAddress);
                    U64(b, o + 32, h.FileSize);
                    U64(b, o + 40, h.MemorySize);
                    U64(b, o + 48, 0x1000);
                }
                else
                {
                    U32(b, o + 4, (uint)h.Offset);
                    U32(b, o + 8, (uint)h.VirtualAddress);
                    U32(b, o + 12, (uint)h.VirtualAddress);
                    U32(b, o + 16, (uint)h.FileSize);
                    U32(b, o + 20, (uint)h.MemorySize);
                    U32(b, o + 24, h.Flags);
                    U32(b, o + 28, 0x1000);
                }
            }
            if (Interpreter is { } interp)
            {
                Encoding.ASCII.GetBytes(interp.Path).CopyTo(b, interp.Offset); // the NUL is already there
            }
            return b;
        }

        private void U16(byte[] b, int at, ushort v)
        {
            if (BigEndian)
            {
                BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(at), v);
            }
            else
            {
                BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(at), v);
            }
        }

        private void U32(byte[] b, int at, uint v)
        {
            if (BigEndian)
            {
                BinaryPrimitives.WriteUInt32BigEndian(b.AsSpan(at), v);
            }
            else
            {
                BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(at), v);
            }
        }

        private void U64(byte[] b, int at, ulong v)
        {
            if (BigEndian)
            {
                BinaryPrimitives.WriteUInt64BigEndian(b.AsSpan(at), v);
            }
            else
            {
                BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(at), v);
            }
        }
    }

    /// <summary>A stream over bytes that can only be read forward, like a pipe.</summary>
    private sealed class ForwardOnlyStream(byte[] bytes) : Stream
    {
        private readonly MemoryStream _inner = new(bytes);

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, count);
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
