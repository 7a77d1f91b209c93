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
    public static int AlignmentOf<T>() where T : unmanaged => TypeLayout<T>.Alignment;

    /// <summary>The size class <see cref="Heap.Alloc{T}"/> uses for <typeparamref name="T"/> (0: large).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int SizeClassOf<T>() where T : unmanaged => TypeLayout<T>.SizeClass;

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
