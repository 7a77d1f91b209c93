using System.Runtime.CompilerServices;
using Arena.SizeClasses;

namespace Arena;

/// <summary>
/// Layout facts the runtime computes, used by generated code where a layout cannot be
/// known at build time, and by tests that check the build-time figures.
/// </summary>
public static class ArenaLayout
{
    /// <summary>The alignment of <typeparamref name="T"/> in bytes, as the runtime lays it out.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int AlignmentOf<T>() where T : unmanaged => Cache<T>.Alignment;

    /// <summary>
    /// The size class of one <typeparamref name="T"/>: the smallest class holding its size at
    /// its alignment (0: a large object). The generator writes the same as a constant.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int SizeClassOf<T>() where T : unmanaged => Cache<T>.SizeClass;

    /// <summary>
    /// The smallest size class holding <paramref name="size"/> bytes at an address aligned to
    /// <paramref name="alignment"/>, or 0 when no small class does (the object is large).
    /// </summary>
    /// <param name="size">Bytes, 0 or more.</param>
    /// <param name="alignment">A power of two, 1 or more.</param>
    /// <exception cref="ArgumentOutOfRangeException">A negative size or an alignment that is not a power of two.</exception>
    public static int SizeClassFor(int size, int alignment)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(size);
        if (alignment <= 0 || (alignment & (alignment - 1)) != 0)
            throw new ArgumentOutOfRangeException(nameof(alignment), alignment, "Alignment must be a power of two.");
        return SizeClassTable.ForSizeAndAlignment(size, alignment);
    }

    /// <summary>Bytes per object of a size class (0 for class 0, the large objects).</summary>
    /// <exception cref="ArgumentOutOfRangeException">No such class.</exception>
    public static int ClassSize(int sizeClass)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(sizeClass);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(sizeClass, SizeClassTable.Count);
        return SizeClassTable.ObjectSizes[sizeClass];
    }

    /// <summary>The number of size classes, class 0 (large objects) included.</summary>
    public static int SizeClassCount => SizeClassTable.Count;

    /// <summary>Per type, computed once; static readonly, so the JIT folds them in optimized code.</summary>
    private static unsafe class Cache<T> where T : unmanaged
    {
        // The offset of a T placed after one byte is its alignment. (The probe's size less
        // sizeof(T) is not: a T whose StructLayout Size leaves it unpadded, 13 bytes at
        // alignment 8, would give 11.)
        public static readonly int Alignment = (int)Unsafe.ByteOffset(ref Unsafe.As<Probe, byte>(ref s_probe), ref Unsafe.As<T, byte>(ref s_probe.Value));
        public static readonly int SizeClass = SizeClassTable.ForSizeAndAlignment(sizeof(T), Alignment);
        private static Probe s_probe;

        private struct Probe
        {
#pragma warning disable CS0649 // only the layout matters
            public byte Pad;
            public T Value;
#pragma warning restore CS0649
        }
    }

    /// <summary>
    /// The stable type id of a name: FNV-1a 64 over its UTF-16 code units, low byte first.
    /// The generator computes the same at build time for <see cref="IArenaType{TSelf}.TypeId"/>.
    /// </summary>
    public static ulong TypeIdOf(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        ulong h = 14695981039346656037UL;
        foreach (char c in name)
        {
            h = (h ^ (byte)c) * 1099511628211UL;
            h = (h ^ (byte)(c >> 8)) * 1099511628211UL;
        }
        return h;
    }
}
