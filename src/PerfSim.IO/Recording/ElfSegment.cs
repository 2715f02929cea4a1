namespace PerfSim.IO.Recording;

/// <summary>
/// One PT_LOAD program header, as the file states it: <paramref name="FileSize"/> bytes from
/// <paramref name="FileOffset"/> in the file appear at <paramref name="VirtualAddress"/> (relative to the load bias for a
/// position-independent image), followed by zeros up to <paramref name="MemorySize"/> bytes.
/// </summary>
/// <param name="VirtualAddress">p_vaddr, in bytes.</param>
/// <param name="FileOffset">p_offset, in bytes from the start of the file.</param>
/// <param name="FileSize">p_filesz, in bytes: the part backed by the file.</param>
/// <param name="MemorySize">p_memsz, in bytes: at least <paramref name="FileSize"/>; the rest is zero-filled (bss).</param>
/// <param name="Read">PF_R.</param>
/// <param name="Write">PF_W.</param>
/// <param name="Execute">PF_X.</param>
public sealed record ElfSegment(long VirtualAddress, long FileOffset, long FileSize, long MemorySize, bool Read, bool Write, bool Execute);
