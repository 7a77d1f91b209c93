namespace Arena;

/// <summary>
/// Type information of an arena struct, implemented by the source generator for every
/// <c>[ArenaType] partial struct</c>: what Go's compiler records for each type.
/// </summary>
/// <typeparam name="TSelf">The arena struct itself.</typeparam>
public interface IArenaType<TSelf> where TSelf : unmanaged, IArenaType<TSelf>
{
    /// <summary>One bit per 8-byte word of the struct, set where it holds a pointer (Go: heap bits / ptrdata).</summary>
    static abstract ReadOnlySpan<ulong> PointerMap { get; }
}
