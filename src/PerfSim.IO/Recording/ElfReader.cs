using System.Buffers.Binary;
using System.Text;

namespace PerfSim.IO.Recording;

/// <summary>
/// Reads what execve maps for a program: the program headers of a little-endian ELF file (32- or 64-bit), turned into
/// the page counts of an <see cref="ElfImage"/>, and the <c>#!</c> line of a script.
/// </summary>
/// <remarks>
/// <para>Rules, with P = 4096 (<see cref="PageSize"/>) and a segment [a, b) covering pages floor(a/P) up to ceil(b/P):</para>
/// <list type="bullet">
/// <item>Only PT_LOAD (type 1) program headers are mapped, and only PT_INTERP (type 3) is read besides (the first one,
/// as the kernel does); every other type (PHDR, DYNAMIC, NOTE, GNU_STACK, GNU_RELRO, ...) is ignored. A PT_LOAD with a
/// memory size of 0 is listed in <see cref="ElfImage.Segments"/> but maps no pages.</item>
/// <item>Text pages: the non-writable PT_LOAD segments (r--, r-x; current linkers split text into r--, r-x, r--)
/// counted as one span, from the first page of the lowest one to the last page of the highest one, gaps included:
/// the model maps text as one contiguous area (for an ET_DYN image the kernel, too, reserves the whole span with one
/// mmap; gcc leaves no gaps between them). Each covers [p_vaddr, p_vaddr + p_memsz).</item>
/// <item>Data pages: for each writable PT_LOAD segment, the pages of its file part [p_vaddr, p_vaddr + p_filesz).
/// A bss tail that shares the last of those pages is data: the kernel maps that page from the file and zeroes its
/// tail.</item>
/// <item>Bss pages: for each writable PT_LOAD segment, the whole pages from ceil((p_vaddr + p_filesz)/P) to
/// ceil((p_vaddr + p_memsz)/P), which the kernel maps anonymously (from floor(p_vaddr/P) when p_filesz is 0).</item>
/// <item>A segment is text or data by PF_W alone: a single RWX segment (ld -N) is all data and bss, with no text.</item>
/// <item>Counts of several writable segments add up; PerfSim's kernel model places text, data and bss one after the
/// other, so gaps between the text span and the data are not counted.</item>
/// </list>
/// <para>Validation follows what the kernel refuses (fs/binfmt_elf.c) and what would make the counts meaningless: the
/// \x7fELF magic, EI_CLASS 1 or 2, EI_DATA 1 (big-endian files are refused), EI_VERSION 1, e_type ET_EXEC (2) or ET_DYN
/// (3, <see cref="ElfImage.PositionIndependent"/>), e_phentsize equal to the program header size (32 or 56 bytes),
/// 1 to 64 KB of program headers inside the file, p_filesz no larger than p_memsz, file parts inside the file and
/// congruent with their address modulo P, addresses below 2^63, a NUL-terminated PT_INTERP of 2 to 4096 bytes, and at
/// least one PT_LOAD. Every violation, including a truncated or hostile file, is an <see cref="ElfException"/>.</para>
/// <para>Reads the first 64 KB of the file (program headers follow the ELF header in practice) and seeks for a
/// program header table or interpreter string beyond it; nothing else of the file is read.</para>
/// </remarks>
public static class ElfReader
{
    /// <summary>The page size the counts are in, in bytes.</summary>
    public const int PageSize = 4096;

    /// <summary>How much of the start of a file is read at once, in bytes.</summary>
    private const int PrefixBytes = 64 * 1024;

    /// <summary>The largest program header table the kernel accepts (load_elf_phdrs), in bytes.</summary>
    private const int MaxProgramHeaderBytes = 64 * 1024;

    /// <summary>The longest PT_INTERP the kernel accepts, in bytes including the NUL (PATH_MAX).</summary>
    private const int MaxInterpreterBytes = 4096;

    /// <summary>How much of a file the kernel reads to find a <c>#!</c> line (BINPRM_BUF_SIZE), in bytes.</summary>
    private const int ShebangBytes = 256;

    /// <summary>The largest end (address or file offset) accepted, so that rounding up to a page cannot overflow.</summary>
    private const long MaxEnd = long.MaxValue - PageSize;

    private const uint PtLoad = 1;
    private const uint PtInterp = 3;
    private const ushort EtExec = 2;
    private const ushort EtDyn = 3;
    private const uint PfX = 1;
    private const uint PfW = 2;
    private const uint PfR = 4;

    /// <summary>Reads the program headers of the ELF file at <paramref name="path"/>.</summary>
    /// <exception cref="ElfException">The file is not a little-endian ELF executable the kernel could map.</exception>
    /// <exception cref="IOException">The file cannot be opened or read.</exception>
    public static ElfImage Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var stream = OpenForHeaders(path);
        return Read(stream, path);
    }

    /// <summary>
    /// Reads the program headers of an ELF file whose first byte is at the stream's current position. A stream that
    /// cannot seek must hold the program headers and the interpreter string in its first 64 KB.
    /// </summary>
    /// <param name="stream">The file's bytes.</param>
    /// <param name="name">The file's name, for errors.</param>
    /// <exception cref="ElfException">The bytes are not a little-endian ELF executable the kernel could map.</exception>
    public static ElfImage Read(Stream stream, string name)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(name);
        var file = new FileBytes(stream, name);
        var ident = file.Prefix;
        ReadOnlySpan<byte> magic = [0x7F, (byte)'E', (byte)'L', (byte)'F'];
        if (ident.Length == 0)
        {
            throw new ElfException(name, "not an ELF file: it is empty.");
        }
        if (!ident[..Math.Min(ident.Length, magic.Length)].SequenceEqual(magic[..Math.Min(ident.Length, magic.Length)]))
        {
            var script = ident.Length >= 2 && ident[0] == '#' && ident[1] == '!' ? " (it is a #! script)" : "";
            throw new ElfException(name, $"not an ELF file: it does not start with the bytes 7f 45 4c 46 (\\x7fELF){script}.");
        }
        if (ident.Length < 16)
        {
            throw Truncated(name, $"the file ends after {ident.Length} bytes, inside the 16-byte ELF identification");
        }
        var is64 = ident[4] switch
        {
            1 => false,
            2 => true,
            var c => throw new ElfException(name, $"unknown ELF class {c} in e_ident[EI_CLASS] (1 is 32-bit, 2 is 64-bit)."),
        };
        switch (ident[5])
        {
            case 1:
                break;
            case 2:
                throw new ElfException(name, "big-endian ELF (e_ident[EI_DATA] = 2) is not supported; only little-endian files are read.");
            default:
                throw new ElfException(name, $"unknown ELF data encoding {ident[5]} in e_ident[EI_DATA] (1 is little-endian).");
        }
        if (ident[6] != 1)
        {
            throw new ElfException(name, $"unknown ELF version {ident[6]} in e_ident[EI_VERSION] (expected 1).");
        }

        var headerSize = is64 ? 64 : 52;
        if (ident.Length < headerSize)
        {
            throw Truncated(name, $"the file ends after {ident.Length} bytes, inside the {headerSize}-byte ELF header");
        }
        var header = ident[..headerSize];
        var type = U16(header, 16);
        if (type != EtExec && type != EtDyn)
        {
            var what = type switch { 0 => " (ET_NONE)", 1 => " (ET_REL, an object file)", 4 => " (ET_CORE, a core dump)", _ => "" };
            throw new ElfException(name, $"e_type {type}{what} is not an executable: expected ET_EXEC (2) or ET_DYN (3).");
        }
        var phoff = is64 ? U64(header, 32) : U32(header, 28);
        var phentsize = U16(header, is64 ? 54 : 42);
        var phnum = U16(header, is64 ? 56 : 44);
        var entrySize = is64 ? 56 : 32;
        if (phnum == 0)
        {
            throw new ElfException(name, "no program headers (e_phnum is 0): nothing to map.");
        }
        if (phentsize != entrySize)
        {
            throw new ElfException(name, $"e_phentsize is {phentsize}; a {(is64 ? 64 : 32)}-bit program header is {entrySize} bytes.");
        }
        var tableBytes = phnum * entrySize;
        if (tableBytes > MaxProgramHeaderBytes)
        {
            throw new ElfException(name, $"{phnum} program headers take {tableBytes} bytes, more than the {MaxProgramHeaderBytes} the kernel accepts.");
        }
        var table = file.Get(phoff, tableBytes, $"the program header table (e_phoff {phoff}, {phnum} × {entrySize} bytes)");

        var segments = new List<ElfSegment>();
        ulong interpOffset = 0;
        ulong interpSize = 0;
        var interpIndex = -1;
        for (var i = 0; i < phnum; i++)
        {
            var h = table.Slice(i * entrySize, entrySize);
            var ptype = U32(h, 0);
            if (ptype == PtInterp && interpIndex < 0)
            {
                interpIndex = i;
                interpOffset = is64 ? U64(h, 8) : U32(h, 4);
                interpSize = is64 ? U64(h, 32) : U32(h, 16);
            }
            if (ptype != PtLoad)
            {
                continue;
            }
            var flags = U32(h, is64 ? 4 : 24);
            var offset = is64 ? U64(h, 8) : U32(h, 4);
            var vaddr = is64 ? U64(h, 16) : U32(h, 8);
            var filesz = is64 ? U64(h, 32) : U32(h, 16);
            var memsz = is64 ? U64(h, 40) : U32(h, 20);
            var at = $"program header {i} (PT_LOAD)";
            if (filesz > memsz)
            {
                throw new ElfException(name, $"{at}: p_filesz {filesz} is larger than p_memsz {memsz}.");
            }
            if (vaddr > MaxEnd || memsz > MaxEnd - vaddr)
            {
                throw new ElfException(name, $"{at}: p_vaddr 0x{vaddr:x} + p_memsz 0x{memsz:x} ends beyond the largest address (2^63).");
            }
            if (filesz > 0)
            {
                if (offset > MaxEnd || filesz > MaxEnd - offset || (file.Length is { } length && (long)(offset + filesz) > length))
                {
                    throw Truncated(name, $"{at}: its file part, {filesz} bytes at offset {offset}, lies beyond the end of the file ({file.LengthText})");
                }
                if (vaddr % PageSize != offset % PageSize)
                {
                    throw new ElfException(name, $"{at}: p_vaddr 0x{vaddr:x} and p_offset 0x{offset:x} differ modulo the {PageSize}-byte page, so the file part cannot be mapped.");
                }
            }
            segments.Add(new ElfSegment((long)vaddr, (long)offset, (long)filesz, (long)memsz,
                Read: (flags & PfR) != 0, Write: (flags & PfW) != 0, Execute: (flags & PfX) != 0));
        }
        if (segments.Count == 0)
        {
            throw new ElfException(name, "no PT_LOAD program header: nothing to map.");
        }

        string? interpreter = null;
        if (interpIndex >= 0)
        {
            var at = $"program header {interpIndex} (PT_INTERP)";
            if (interpSize < 2 || interpSize > MaxInterpreterBytes)
            {
                throw new ElfException(name, $"{at}: p_filesz {interpSize} is not between 2 and {MaxInterpreterBytes} bytes.");
            }
            var bytes = file.Get(interpOffset, (int)interpSize, $"{at}'s interpreter path ({interpSize} bytes at offset {interpOffset})");
            if (bytes[^1] != 0)
            {
                throw new ElfException(name, $"{at}: the interpreter path is not NUL-terminated.");
            }
            interpreter = Encoding.UTF8.GetString(bytes[..bytes.IndexOf((byte)0)]);
        }

        var (text, data, bss) = CountPages(segments);
        return new ElfImage(text, data, bss, interpreter, is64, PositionIndependent: type == EtDyn, segments);
    }

    /// <summary>
    /// For a script, the interpreter and the optional argument of its <c>#!</c> line, parsed as the kernel does
    /// (fs/binfmt_script.c, Linux 5.1 and later): within the first 256 bytes, after <c>#!</c> and any spaces or tabs,
    /// the interpreter runs to the next space, tab or NUL; the rest of the line, without surrounding spaces and tabs, is
    /// one argument (spaces inside it are kept: <c>#!/usr/bin/env -S a b</c> gives the argument "-S a b"). Only
    /// spaces and tabs count as blanks, so a CR before the newline stays in the last word, as the kernel leaves it.
    /// A line without a newline in the first 256 bytes keeps its truncated argument, but a truncated interpreter is
    /// refused.
    /// </summary>
    /// <returns>Null if the file does not start with <c>#!</c>.</returns>
    /// <exception cref="ElfException">The file starts with <c>#!</c> but the kernel would refuse the line (no interpreter, or an interpreter cut off by the 256-byte limit).</exception>
    /// <exception cref="IOException">The file cannot be opened or read.</exception>
    public static (string Interpreter, string? Argument)? ReadShebang(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var stream = OpenForHeaders(path);
        return ReadShebang(stream, path);
    }

    /// <summary>As <see cref="ReadShebang(string)"/>, for a file whose first byte is at the stream's current position.</summary>
    public static (string Interpreter, string? Argument)? ReadShebang(Stream stream, string name)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(name);
        // bprm->buf: the first 256 bytes, zero-padded when the file is shorter.
        Span<byte> buf = stackalloc byte[ShebangBytes];
        buf.Clear();
        stream.ReadAtLeast(buf, buf.Length, throwOnEndOfStream: false);
        if (buf[0] != '#' || buf[1] != '!')
        {
            return null;
        }
        const int bufEnd = ShebangBytes - 1;
        var iEnd = IndexOfNewline(buf);
        if (iEnd < 0)
        {
            var first = NextNonSpaceTab(buf, 2, bufEnd);
            if (first < 0)
            {
                throw new ElfException(name, "the #! line holds only spaces and tabs in its first 256 bytes: no interpreter.");
            }
            if (NextTerminator(buf, first, bufEnd) < 0)
            {
                throw new ElfException(name, "the interpreter on the #! line runs past the 256 bytes the kernel reads, so it would be cut off.");
            }
            iEnd = bufEnd;
        }
        while (IsSpaceTab(buf[iEnd - 1]))
        {
            iEnd--;
        }
        var iName = NextNonSpaceTab(buf, 2, iEnd);
        if (iName < 0 || iName == iEnd)
        {
            throw new ElfException(name, "the #! line names no interpreter.");
        }
        var iSep = NextTerminator(buf, iName, iEnd);
        var iArg = iSep >= 0 && buf[iSep] != 0 ? NextNonSpaceTab(buf, iSep, iEnd) : -1;
        var interpreter = CString(buf[iName..(iSep >= 0 ? iSep : iEnd)]);
        if (interpreter.Length == 0)
        {
            // "#!" followed by a NUL: the kernel takes the empty path and the exec fails with ENOENT.
            throw new ElfException(name, "the #! line names no interpreter.");
        }
        var argument = iArg >= 0 ? CString(buf[iArg..iEnd]) : null;
        return (interpreter, argument);
    }

    private static (long Text, long Data, long Bss) CountPages(List<ElfSegment> segments)
    {
        var textFirst = long.MaxValue;
        var textEnd = long.MinValue;
        long data = 0;
        long bss = 0;
        foreach (var s in segments)
        {
            if (s.MemorySize == 0)
            {
                continue;
            }
            var first = s.VirtualAddress / PageSize;
            var end = PageUp(s.VirtualAddress + s.MemorySize);
            if (!s.Write)
            {
                textFirst = Math.Min(textFirst, first);
                textEnd = Math.Max(textEnd, end);
                continue;
            }
            var bssFirst = first;
            if (s.FileSize > 0)
            {
                bssFirst = PageUp(s.VirtualAddress + s.FileSize);
                data += bssFirst - first;
            }
            bss += end - bssFirst;
        }
        var text = textEnd > textFirst ? textEnd - textFirst : 0;
        return (text, data, bss);
    }

    private static long PageUp(long bytes) => (bytes + PageSize - 1) / PageSize;

    private static FileStream OpenForHeaders(string path) =>
        new(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 0, FileOptions.RandomAccess);

    private static ElfException Truncated(string name, string detail) => new(name, $"truncated or corrupt: {detail}.");

    private static ushort U16(ReadOnlySpan<byte> b, int at) => BinaryPrimitives.ReadUInt16LittleEndian(b[at..]);

    private static uint U32(ReadOnlySpan<byte> b, int at) => BinaryPrimitives.ReadUInt32LittleEndian(b[at..]);

    private static ulong U64(ReadOnlySpan<byte> b, int at) => BinaryPrimitives.ReadUInt64LittleEndian(b[at..]);

    private static bool IsSpaceTab(byte c) => c == ' ' || c == '\t';

    /// <summary>strnchr(buf, 256, '\n'): the first newline before the first NUL, or -1.</summary>
    private static int IndexOfNewline(ReadOnlySpan<byte> buf)
    {
        for (var i = 0; i < buf.Length && buf[i] != 0; i++)
        {
            if (buf[i] == '\n')
            {
                return i;
            }
        }
        return -1;
    }

    /// <summary>The first index in [first, last] that is not a space or tab, or -1 (the kernel's next_non_spacetab).</summary>
    private static int NextNonSpaceTab(ReadOnlySpan<byte> buf, int first, int last)
    {
        for (var i = first; i <= last; i++)
        {
            if (!IsSpaceTab(buf[i]))
            {
                return i;
            }
        }
        return -1;
    }

    /// <summary>The first index in [first, last] holding a space, tab or NUL, or -1 (the kernel's next_terminator).</summary>
    private static int NextTerminator(ReadOnlySpan<byte> buf, int first, int last)
    {
        for (var i = first; i <= last; i++)
        {
            if (IsSpaceTab(buf[i]) || buf[i] == 0)
            {
                return i;
            }
        }
        return -1;
    }

    private static string CString(ReadOnlySpan<byte> bytes)
    {
        var nul = bytes.IndexOf((byte)0);
        return Encoding.UTF8.GetString(nul >= 0 ? bytes[..nul] : bytes);
    }

    /// <summary>
    /// The start of a file, read once, and any later range of it: from the prefix when it lies there, else by seeking
    /// (each such read is bounded by its caller, at most 64 KB).
    /// </summary>
    private sealed class FileBytes
    {
        private readonly Stream _stream;
        private readonly string _name;
        private readonly long _start;
        private readonly byte[] _prefix;
        private readonly int _prefixLength;

        public FileBytes(Stream stream, string name)
        {
            _stream = stream;
            _name = name;
            _start = stream.CanSeek ? stream.Position : 0;
            var size = PrefixBytes;
            if (stream.CanSeek)
            {
                Length = Math.Max(0, stream.Length - _start);
                size = (int)Math.Min(size, Length.Value);
            }
            _prefix = new byte[size];
            _prefixLength = stream.ReadAtLeast(_prefix, size, throwOnEndOfStream: false);
            if (!stream.CanSeek && _prefixLength < PrefixBytes)
            {
                Length = _prefixLength; // the stream ended inside the prefix
            }
        }

        /// <summary>The file's length in bytes, when known (a seekable stream, or a short one).</summary>
        public long? Length { get; }

        public string LengthText => Length is { } n ? $"{n} bytes" : "a stream of unknown length";

        public ReadOnlySpan<byte> Prefix => _prefix.AsSpan(0, _prefixLength);

        /// <summary>Bytes [offset, offset + count) of the file, or an <see cref="ElfException"/> naming <paramref name="what"/>.</summary>
        public ReadOnlySpan<byte> Get(ulong offset, int count, string what)
        {
            if (offset > (ulong)(MaxEnd - count) || (Length is { } length && (long)offset + count > length))
            {
                throw Truncated(_name, $"{what} lies beyond the end of the file ({LengthText})");
            }
            var at = (long)offset;
            if (at + count <= _prefixLength)
            {
                return _prefix.AsSpan((int)at, count);
            }
            if (!_stream.CanSeek)
            {
                throw new ElfException(_name, $"{what} lies beyond the first {PrefixBytes} bytes of a stream that cannot seek.");
            }
            var bytes = new byte[count];
            _stream.Seek(_start + at, SeekOrigin.Begin);
            if (_stream.ReadAtLeast(bytes, count, throwOnEndOfStream: false) < count)
            {
                throw Truncated(_name, $"{what} lies beyond the end of the file ({LengthText})");
            }
            return bytes;
        }
    }
}
