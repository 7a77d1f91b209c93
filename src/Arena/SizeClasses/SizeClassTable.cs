// Size classes. See Heap.cs for the overview of the allocator.
//
// Go rounds every small allocation (up to 32 KiB) up to one of 67 size
// classes (sizeclasses.go). Each class has a slab size in pages chosen to
// bound tail waste. The table itself lives in SizeClassTable.Generated.cs,
// written by tools/gen-sizeclasses.py from Go's table; tests compare it with
// the fixture copy of that table.
//
// Lookup, as Go's: sizes up to 1024 bytes index a table in steps of 8
// (Go: size_to_class8), larger ones a table in steps of 128
// (Go: size_to_class128). Both tables are built once, at type init.
//
// An object's index in its slab is computed without division: Go's divMagic,
// index = (offset * divMul) >> 32 with divMul = ceil(2^32 / size), exact for
// every offset inside a slab (checked for all classes by a test).

using System.Runtime.CompilerServices;

namespace Arena.SizeClasses;

/// <summary>Go's size classes and the size → class lookup. Go: sizeclasses.go, msize.go.</summary>
internal static partial class SizeClassTable
{
    /// <summary>Largest size served from a slab. Go: _MaxSmallSize.</summary>
    public const int MaxSmallSize = 32768;
    /// <summary>Go: smallSizeDiv.</summary>
    private const int SmallSizeDiv = 8;
    /// <summary>Go: smallSizeMax.</summary>
    private const int SmallSizeMax = 1024;
    /// <summary>Go: largeSizeDiv.</summary>
    private const int LargeSizeDiv = 128;
    /// <summary>Largest number of objects in one slab (class 1: 8 KiB / 8 B).</summary>
    public const int MaxObjectsPerSlab = 1024;

    private static readonly byte[] s_class8 = BuildClass8();
    private static readonly byte[] s_class128 = BuildClass128();
    private static readonly uint[] s_divMul = BuildDivMul();

    /// <summary>The class serving <paramref name="size"/> bytes (1 ≤ size ≤ 32768). Unchecked.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int ForSize(int size)
        => size <= SmallSizeMax - 8
            ? s_class8[(size + SmallSizeDiv - 1) / SmallSizeDiv]
            : s_class128[(size - SmallSizeMax + LargeSizeDiv - 1) / LargeSizeDiv];

    /// <summary>
    /// The smallest class that holds <paramref name="size"/> bytes at an address aligned to
    /// <paramref name="alignment"/>, or 0 when no small class does (the object is large).
    /// </summary>
    public static int ForSizeAndAlignment(int size, int alignment)
    {
        if (size > MaxSmallSize) return 0;
        int c = ForSize(Math.Max(size, 1));
        while (c < Count && MinAlignments[c] < alignment) c++;
        return c < Count ? c : 0;
    }

    /// <summary>Go: divMagic's divMul for a class.</summary>
    public static uint DivMul(int sizeClass) => s_divMul[sizeClass];

    private static byte[] BuildClass8()
    {
        var t = new byte[SmallSizeMax / SmallSizeDiv + 1];
        int c = 1;
        for (int i = 0; i < t.Length; i++)
        {
            int size = i * SmallSizeDiv;
            while (ObjectSizes[c] < size) c++;
            t[i] = (byte)c;
        }
        t[0] = 1; // a 0-byte request still gets a distinct 8-byte object
        return t;
    }

    private static byte[] BuildClass128()
    {
        var t = new byte[(MaxSmallSize - SmallSizeMax) / LargeSizeDiv + 1];
        int c = 1;
        for (int i = 0; i < t.Length; i++)
        {
            int size = SmallSizeMax + i * LargeSizeDiv;
            while (ObjectSizes[c] < size) c++;
            t[i] = (byte)c;
        }
        return t;
    }

    private static uint[] BuildDivMul()
    {
        var t = new uint[Count];
        for (int c = 1; c < Count; c++) t[c] = uint.MaxValue / (uint)ObjectSizes[c] + 1;
        return t;
    }
}
