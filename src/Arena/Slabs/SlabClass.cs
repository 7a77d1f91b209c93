// See Slab.cs and Heap.cs.

using System.Runtime.CompilerServices;
using Arena.SizeClasses;

namespace Arena.Slabs;

/// <summary>
/// What a slab's objects are, beyond their size. Go splits spans by scan/noscan (spanClass);
/// Arena also splits manual objects (Alloc/Free, roots) from collected ones (New).
/// </summary>
internal enum SlabKind : byte
{
    /// <summary>Manual objects with no pointers to trace (raw bytes, non-arena types).</summary>
    Manual = 0,
    /// <summary>Manual objects of arena types with pointers: never collected, traced as roots.</summary>
    ManualScan = 1,
    /// <summary>Collected objects with no pointers: swept, never scanned.</summary>
    Collected = 2,
    /// <summary>Collected objects with pointers: swept, and scanned through their pointer bits.</summary>
    CollectedScan = 3,
}

/// <summary>A size class and a kind in one index (Go: spanClass), for caches and central lists.</summary>
internal static class SlabClass
{
    public const int KindCount = 4;
    public const int Count = SizeClassTable.Count * KindCount;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Of(int sizeClass, SlabKind kind) => (int)kind * SizeClassTable.Count + sizeClass;

    public static int SizeClassOf(int slabClass) => slabClass % SizeClassTable.Count;

    public static SlabKind KindOf(int slabClass) => (SlabKind)(slabClass / SizeClassTable.Count);

    public static bool IsCollected(SlabKind kind) => kind >= SlabKind.Collected;

    /// <summary>Whether <paramref name="slabClass"/> holds collected objects (a JIT constant for a constant class).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsCollectedClass(int slabClass) => slabClass >= (int)SlabKind.Collected * SizeClassTable.Count;

    public static bool IsScanned(SlabKind kind) => kind is SlabKind.ManualScan or SlabKind.CollectedScan;
}
