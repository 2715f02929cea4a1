namespace PerfSim.IO.Recording;

/// <summary>
/// What execve maps for one ELF file, in 4 KB pages laid out the way PerfSim's kernel model lays out an image: text
/// (R-X, from the file), then data (RW, from the file), then bss (RW, anonymous). <see cref="ElfReader"/> states how the
/// program headers become these counts.
/// </summary>
/// <param name="TextPages">Pages from the lowest page of the lowest non-writable PT_LOAD segment to the last page of the highest one, gaps included.</param>
/// <param name="DataPages">Pages holding the file part of the writable PT_LOAD segments (a bss tail sharing the last such page is counted here).</param>
/// <param name="BssPages">Whole pages of the writable PT_LOAD segments beyond their file part: anonymous, zero-filled.</param>
/// <param name="Interpreter">The PT_INTERP path (the dynamic loader, usually /lib64/ld-linux-x86-64.so.2), or null for a static image.</param>
/// <param name="Is64Bit">ELFCLASS64 (otherwise ELFCLASS32).</param>
/// <param name="PositionIndependent">e_type is ET_DYN (a PIE or a shared object such as ld.so), so the kernel picks the load address; ET_EXEC is not.</param>
/// <param name="Segments">Every PT_LOAD program header, in file order.</param>
public sealed record ElfImage(
    long TextPages,
    long DataPages,
    long BssPages,
    string? Interpreter,
    bool Is64Bit,
    bool PositionIndependent,
    IReadOnlyList<ElfSegment> Segments);
