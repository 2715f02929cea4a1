using System.Text;
using PerfSim.IO.Output;

namespace PerfSim.Tests.Output;

public sealed class AtomicFileTests
{
    [Fact]
    public void Write_creates_the_file_and_leaves_no_temp_files()
    {
        using var dir = new TempDirectory();

        AtomicFile.WriteAllText(dir.File("a.csv"), "x,y\n1,2\n");

        Assert.Equal(["a.csv"], dir.FileNames());
        Assert.Equal("x,y\n1,2\n", File.ReadAllText(dir.File("a.csv")));
    }

    [Fact]
    public void Text_is_utf8_without_bom_with_lf_newlines()
    {
        using var dir = new TempDirectory();

        AtomicFile.WriteAllText(dir.File("a.txt"), "Größe\r\nµs\n");

        Assert.Equal(Encoding.UTF8.GetBytes("Größe\nµs\n"), File.ReadAllBytes(dir.File("a.txt")));
    }

    [Fact]
    public void An_existing_file_is_replaced_whole()
    {
        using var dir = new TempDirectory();
        var path = dir.File("a.csv");
        File.WriteAllText(path, "a much longer old content that must not survive as a tail\n");

        AtomicFile.WriteAllText(path, "new\n");

        Assert.Equal("new\n", File.ReadAllText(path));
        Assert.Equal(["a.csv"], dir.FileNames());
    }

    [Fact]
    public void A_failed_write_keeps_the_old_file_and_deletes_the_temp_file()
    {
        using var dir = new TempDirectory();
        var path = dir.File("a.csv");
        File.WriteAllText(path, "old\n");

        var ex = Assert.Throws<InvalidOperationException>(() => AtomicFile.Write(path, stream =>
        {
            stream.Write("partial new content"u8);
            throw new InvalidOperationException("writer failed");
        }));

        Assert.Equal("writer failed", ex.Message);
        Assert.Equal("old\n", File.ReadAllText(path));
        Assert.Equal(["a.csv"], dir.FileNames());
    }

    [Fact]
    public void A_failed_first_write_creates_no_file()
    {
        using var dir = new TempDirectory();

        Assert.Throws<InvalidOperationException>(() =>
            AtomicFile.Write(dir.File("a.csv"), _ => throw new InvalidOperationException()));

        Assert.Empty(dir.FileNames());
    }

    [Fact]
    public void The_temp_file_is_hidden_in_the_target_directory_while_writing()
    {
        using var dir = new TempDirectory();
        string[] during = [];

        AtomicFile.Write(dir.File("a.csv"), _ => during = dir.FileNames());

        var temp = Assert.Single(during);
        Assert.StartsWith(".a.csv.", temp, StringComparison.Ordinal);
        Assert.True(AtomicFile.IsTempName(temp));
    }
}
