using System.Runtime.CompilerServices;
using Arena.SizeClasses;

namespace Arena;

/// <summary>
/// Size, alignment and size class of an unmanaged type, computed once per type. The fields
/// are static readonly, so the JIT folds them into constants in optimized code: a typed
/// allocation reaches the slab fast path with its class known at compile time.
/// </summary>
internal static unsafe class TypeLayout<T> where T : unmanaged
{
    public static readonly int Size = sizeof(T);
    public static readonly int Alignment = sizeof(AlignmentProbe) - sizeof(T);
    /// <summary>The size class, or 0 when T is a large object (over 32 KiB).</summary>
    public static readonly int SizeClass = SizeClassTable.ForSizeAndAlignment(sizeof(T), sizeof(AlignmentProbe) - sizeof(T));

    private struct AlignmentProbe
    {
#pragma warning disable CS0649 // only the layout matters
        public byte Pad;
        public T Value;
#pragma warning restore CS0649
    }
}
