namespace Arena;

/// <summary>
/// Type information of an arena type, the part Go's compiler writes for every heap type
/// (Go: abi.Type: size, alignment, pointer data, hash, name). Implemented by the source
/// generator for each <see cref="ArenaTypeAttribute"/> struct; never by hand.
/// </summary>
/// <typeparam name="TSelf">The arena type itself.</typeparam>
public interface IArenaType<TSelf> where TSelf : unmanaged, IArenaType<TSelf>
{
    /// <summary>Size in bytes, equal to <c>sizeof(TSelf)</c> on a 64-bit process.</summary>
    static abstract int Size { get; }

    /// <summary>Alignment in bytes, a power of two.</summary>
    static abstract int Alignment { get; }

    /// <summary>
    /// The heap's size class for one object of this type: the smallest of Go's classes that
    /// holds <see cref="Size"/> bytes at <see cref="Alignment"/>, or 0 for a large object.
    /// </summary>
    static abstract int SizeClass { get; }

    /// <summary>
    /// A stable id: FNV-1a 64 of <see cref="Name"/>, the same on every build and process.
    /// See <see cref="ArenaLayout.TypeIdOf(string)"/>.
    /// </summary>
    static abstract ulong TypeId { get; }

    /// <summary>The fully qualified name (<c>Namespace.Outer.Type</c>), for diagnostics.</summary>
    static abstract string Name { get; }

    /// <summary>
    /// The pointer map (Go: heap bits): bit <c>i % 64</c> of word <c>i / 64</c> is set when
    /// the 8-byte word at byte offset <c>8 * i</c> holds a <see cref="Ptr{T}"/>. Trailing
    /// words with no pointer are left out, so a type with no pointers has an empty map.
    /// </summary>
    static abstract ReadOnlySpan<ulong> PointerMap { get; }
}
