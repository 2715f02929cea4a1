using PerfSim.Core.Trace;
using PerfSim.IO.Recording;

namespace PerfSim.Tests.Recording;

/// <summary>valgrind lackey's reference log compressed to page touches per stream, with sampling and errors.</summary>
public sealed class LackeyParserTests
{
    private const string Log = """
        ==300== Lackey, an example Valgrind tool
        ==300== Command: sh -c ls\ |\ wc\ -l
        ==300== Parent PID: 299
        --300-- Reading syms from /usr/bin/dash
        SYSCALL[300,1](12) sys_brk ( 0x0 ) --> [pre-success] Success(0x4035000)
        I  0401ab70,3
        I  0401ab73,5
         S 1fff000628,8
        I  0401b770,1
         S 1fff000620,8
         L 1fff000620,8
        I  0401c000,2
         L 04835000,8
         M 04835008,8
         L 1fff000600,8
        """;

    private static LackeyStream Parse(string text, int sample = 1) => LackeyParser.Parse(new StringReader(text), "lk.300.1", sample);

    [Fact]
    public void Each_stream_touches_a_page_when_it_moves_to_another_and_a_store_makes_the_data_touch_a_write()
    {
        var s = Parse(Log);
        Assert.Equal((300, "sh -c ls | wc -l"), (s.Pid, s.Command));
        Assert.Equal(4, s.Instructions);
        Assert.Equal(10, s.References);
        Assert.Equal(
            [
                new PageTouch(0x401a, AccessKind.Execute, 0),
                new PageTouch(0x1fff000, AccessKind.Write, 2),
                new PageTouch(0x401b, AccessKind.Execute, 2),
                new PageTouch(0x401c, AccessKind.Execute, 3),
                new PageTouch(0x4835, AccessKind.Write, 4),   // a load, then a modify on the same page while the stream held it
            ],
            s.Touches.Select(t => t with { Place = default })); // the last load returns to a page among the data stream's last four: no new touch
        // Where they are: the interpreter (valgrind loads it at 0x4000000, the break after it), the stack (from its
        // highest page); 0x4835000 is past the break (which never grew) and no mmap: nothing the log says.
        Assert.Equal(
            [PlaceKind.Interpreter, PlaceKind.Stack, PlaceKind.Interpreter, PlaceKind.Interpreter, PlaceKind.Unknown],
            s.Touches.Select(t => t.Place.Kind));
        Assert.Equal(0x1a000, s.Touches[0].Place.Offset);
        Assert.Equal(0, s.Touches[1].Place.Offset); // the highest stack page touched
    }

    [Fact]
    public void A_page_that_fell_out_of_the_streams_last_four_is_touched_again()
    {
        var lines = string.Join('\n', new[] { 0x1000L, 0x2000, 0x3000, 0x4000, 0x5000, 0x1000, 0x5000 }.Select(a => $" L {a:x},8"));
        var s = Parse("==1== Command: x\n" + lines);
        Assert.Equal([0x1L, 0x2, 0x3, 0x4, 0x5, 0x1], s.Touches.Select(t => t.Page));
    }

    [Fact]
    public void The_system_call_trace_says_which_file_offset_or_anonymous_mapping_a_page_is()
    {
        const string log = """
            ==7== Command: /usr/bin/ls
            SYSCALL[7,1](12) sys_brk ( 0x0 ) --> [pre-success] Success(0x4035000)
            SYSCALL[7,1](39) sys_getpid ( )[sync] --> Success(0x7)
            SYSCALL[7,1](257) sys_openat ( 4294967196, 0x4835540(/lib/x86_64-linux-gnu/libc.so.6), 524288 ) --> [async] ...
            SYSCALL[7,1](257) ... [async] --> Success(0x3)
            SYSCALL[7,1](9) sys_mmap ( 0x0, 1974096, 1, 2050, 3, 0 ) --> [pre-success] Success(0x4845000)
            SYSCALL[7,1](9) sys_mmap ( 0x486b000, 1400832, 5, 2066, 3, 155648 )--7-- Reading syms from /lib/x86_64-linux-gnu/libc.so.6
             --> [pre-success] Success(0x486b000)
            SYSCALL[7,1](3) sys_close ( 3 )[sync] --> Success(0x0)
            SYSCALL[7,1](9) sys_mmap ( 0x0, 8192, 3, 34, 4294967295, 0 ) --> [pre-success] Success(0x4a27000)
            SYSCALL[7,1](9) sys_mmap ( 0x0, 8192, 3, 34, 4294967295, 0 ) --> [pre-success] Success(0x4a29000)
            I  0486c010,4
             L 04846010,8
             S 04a2a008,8
             L 00109040,8
             L 00108000,8
            SYSCALL[7,1](12) sys_brk ( 0x4056000 ) --> [pre-success] Success(0x4056000)
             L 04040010,8
            SYSCALL[7,1](11) sys_munmap ( 0x4a29000, 8192 )[sync] --> Success(0x0)
             L 04a29010,8
            """;
        var s = LackeyParser.Parse(new StringReader(log), "lk");
        Assert.Equal(
            [
                new Place(PlaceKind.File, 155648 + 0x1000, "/lib/x86_64-linux-gnu/libc.so.6"), // the text segment's second page
                new Place(PlaceKind.File, 0x1000, "/lib/x86_64-linux-gnu/libc.so.6"),
                new Place(PlaceKind.Anonymous, 0x1000, null, 1),                             // the second anonymous mmap
                new Place(PlaceKind.Image, 0x1000),                                          // from the lowest image page touched
                new Place(PlaceKind.Image, 0),
                new Place(PlaceKind.Heap, 0xb000),                                           // the break grew from 0x4035000
                new Place(PlaceKind.Unknown, 0x4a29000),                                     // unmapped: no longer the mmap
            ],
            s.Touches.Select(t => t.Place));
    }

    [Fact]
    public void Sampling_keeps_every_nth_repeat_touch_but_every_pages_first_touch_and_first_write()
    {
        // Five pages, visited round and round: a read pass, then a write pass, then reads again (each a new touch: the
        // stream remembers only four pages).
        var pages = new[] { 0x1000L, 0x2000, 0x3000, 0x4000, 0x5000 };
        var lines = new List<string> { "==1== Command: x" };
        foreach (var pass in new[] { 'L', 'S', 'L', 'L' })
        {
            lines.AddRange(pages.Select(a => $" {pass} {a:x},8"));
        }
        var text = string.Join('\n', lines);
        var all = Parse(text).Touches;
        Assert.Equal(20, all.Count);
        var sampled = Parse(text, sample: 4).Touches;
        // Kept: the first pass (first touches), the write pass (first writes), and of the remaining ten every fourth
        // of all touches counted (the 12th and the 16th of the stream).
        var expected = all.Where((t, i) => i < 10 || i % 4 == 0).ToList();
        Assert.Equal(expected, sampled);
        Assert.Equal(12, sampled.Count);
        Assert.Throws<ArgumentOutOfRangeException>(() => Parse(text, sample: 0));
    }

    [Fact]
    public void The_logs_system_calls_give_its_parent_forks_exec_and_the_instructions_before_each_call()
    {
        const string log = """
            ==400== Command: sh -c ls
            ==400== Parent PID: 399
            I  0401ab70,3
            SYSCALL[400,1](12) sys_brk ( 0x0 ) --> [pre-success] Success(0x4035000)
            I  0401ab73,5
            SYSCALL[400,1](56) sys_clone ( 1200011, 0x0, 0x0, 0x4a27a10, 0x0 )   clone(fork): process 400 created child 401
            SYSCALL[400,1](257) sys_openat ( -100, 0x4a2b000(/etc/x), 0 ) --> [async] ...
            I  0401ab78,2
            SYSCALL[400,1](257) ... [async] --> Success(0x3)
            SYSCALL[400,1](59) sys_execve ( 0x4035f18(/usr/bin/nothere), 0x4035d80, 0x4035d98 ) --> Failure(0x2)
            SYSCALL[400,1](59) sys_execve ( 0x4035f18(/usr/bin/ls), 0x4035d80, 0x4035d98 )
            I  0401ab7a,2
            """;
        var s = Parse(log);
        Assert.Equal((400, 399), (s.Pid, s.ParentPid));
        Assert.Equal([401], s.Forks.Select(f => f.Pid));
        Assert.Equal("/usr/bin/ls", s.ExecPath); // the failed one is not it; valgrind's own work after the exec does not count
        Assert.Equal(
            [new LackeyCall("brk", 1), new LackeyCall("clone", 2), new LackeyCall("openat", 2), new LackeyCall("execve", 3), new LackeyCall("execve", 3)],
            s.Calls); // the result line of the asynchronous openat is not a call of its own
        // An exec followed by more calls failed after all: not the image's last.
        Assert.Null(Parse(log + "\nSYSCALL[400,1](39) sys_getpid ()[sync] --> Success(0x190)").ExecPath);
    }

    [Fact]
    public void A_forked_childs_log_starts_from_the_parents_address_space_at_the_fork()
    {
        const string parent = """
            ==500== Command: p
            SYSCALL[500,1](257) sys_openat ( -100, 0x1(/usr/lib/libx.so), 0 )[sync] --> Success(0x3)
            SYSCALL[500,1](9) sys_mmap ( 0x0, 8192, 1, 2, 3, 0 ) --> [pre-success] Success(0x4a00000)
            SYSCALL[500,1](56) sys_clone ( 1200011, 0x0, 0x0, 0x0, 0x0 )   clone(fork): process 500 created child 501
            SYSCALL[500,1](9) sys_mmap ( 0x0, 4096, 3, 34, -1, 0 ) --> [pre-success] Success(0x4b00000)
            """;
        var p = Parse(parent);
        var child = LackeyParser.Parse(new StringReader("==501== Command: p\n L 4a01000,8\n L 4b00000,8\n"), "lk.501.2", 1, p.Forks[0].Layout);
        Assert.Equal(new Place(PlaceKind.File, 0x1000, "/usr/lib/libx.so"), child.Touches[0].Place); // inherited from the parent
        Assert.NotEqual(PlaceKind.Anonymous, child.Touches[1].Place.Kind); // the parent mapped it after the fork
    }

    [Fact]
    public void A_malformed_reference_names_the_line()
    {
        var ex = Assert.Throws<TraceException>(() => Parse("==1== Command: x\n L zz,8\n"));
        Assert.Equal((2L, "address"), (ex.Line, ex.Field));
    }

    [Fact]
    public void A_real_lackey_log_compresses_by_orders_of_magnitude_when_valgrind_is_here()
    {
        if (Recorder.Find("valgrind") is null)
        {
            return; // the parser's rules are covered above; this only measures the compression on a real log
        }
        var dir = Directory.CreateTempSubdirectory("lackey-").FullName;
        try
        {
            var psi = new System.Diagnostics.ProcessStartInfo("valgrind") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in new[] { "--tool=lackey", "--trace-mem=yes", $"--log-file={dir}/lk.%p", "/bin/true" })
            {
                psi.ArgumentList.Add(a);
            }
            using (var p = System.Diagnostics.Process.Start(psi)!)
            {
                p.StandardOutput.ReadToEnd();
                p.StandardError.ReadToEnd();
                p.WaitForExit();
            }
            var file = Directory.GetFiles(dir).Single();
            using var reader = new StreamReader(file);
            var s = LackeyParser.Parse(reader, file);
            Assert.True(s.Instructions > 10_000, $"{s.Instructions} instructions");
            Assert.True(s.Touches.Count * 20 < s.References, $"{s.Touches.Count} touches for {s.References} references");
            Assert.Contains(s.Touches, t => t.Access == AccessKind.Write);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
