namespace PerfSim.Core.Kernel;

/// <summary>i386 page-table entry bits and helpers. A PTE is a <c>uint</c>: flags in the low 12 bits, frame number above.</summary>
public static class Pte
{
    public const uint Present = 0x001;
    public const uint Writable = 0x002;
    public const uint User = 0x004;
    public const uint Accessed = 0x020;
    public const uint Dirty = 0x040;
    public const uint Global = 0x100;

    public static uint Make(int frame, bool writable) =>
        ((uint)frame << 12) | Present | User | Accessed | (writable ? Writable | Dirty : 0u);

    public static bool IsPresent(uint pte) => (pte & Present) != 0;
    public static bool IsWritable(uint pte) => (pte & Writable) != 0;
    public static int FrameOf(uint pte) => (int)(pte >> 12);
}
