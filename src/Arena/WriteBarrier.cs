// The write barrier. See Heap.cs for the overview of the allocator.
//
// Go's collector marks while the program runs; a pointer store that hides an
// object from the marker (moving the only reference into an already scanned
// object) would get it freed while live. Go's compiler therefore routes every
// pointer store into the heap through a barrier that, while marking runs,
// shades both the old and the new target (Go: gcWriteBarrier, the hybrid
// Yuasa/Dijkstra barrier of mbarrier.go).
//
// Arena's generated properties do the same for Ptr<T> fields of arena types:
//   1. Read s_marking, a plain static bool. While no marking runs it is false,
//      the branch is always predicted, and the store is one move.
//   2. While marking runs, a NoInlining slow path hands the old and new
//      targets to the collector's hook (s_shade), then stores.
// s_marking only turns on with every mutator parked at a safepoint, so a
// plain read suffices on the fast path.

using System.Runtime.CompilerServices;

namespace Arena;

/// <summary>
/// Pointer stores into arena objects. Go: the write barrier (mbarrier.go). Generated
/// properties of <see cref="ArenaTypeAttribute"/> structs call <see cref="Write{T}"/>; a store
/// that bypasses it (an assignment to the field itself) may hide a live object from a
/// collection that is marking.
/// </summary>
public static class WriteBarrier
{
    /// <summary>True while a collection marks. Set only with every mutator at a safepoint.</summary>
    internal static bool s_marking;

    /// <summary>
    /// The collector's shade hook, called on the slow path with the old and the new target
    /// addresses before the store. Null while no collector is attached.
    /// </summary>
    internal static Action<nint, nint>? s_shade;

    /// <summary>
    /// True while a heap in checked mode exists: every store then checks that the new target
    /// is not memory of a disposed scope (Heap.CheckStore).
    /// </summary>
    internal static bool s_checking;

    private static readonly Lock s_checkedLock = new();
    private static readonly Dictionary<int, Heap> s_checkedHeaps = [];

    /// <summary>Whether a collection is marking (stores shade their targets).</summary>
    public static bool IsMarking => s_marking;

    /// <summary>A checked heap starts validating stores (called by its constructor).</summary>
    internal static void AddCheckedHeap(Heap heap)
    {
        lock (s_checkedLock)
        {
            s_checkedHeaps[heap.Id] = heap;
            s_checking = true;
        }
    }

    /// <summary>A checked heap stops validating stores (called by its Dispose).</summary>
    internal static void RemoveCheckedHeap(Heap heap)
    {
        lock (s_checkedLock)
        {
            s_checkedHeaps.Remove(heap.Id);
            s_checking = s_checkedHeaps.Count > 0;
        }
    }

    /// <summary>
    /// Stores <paramref name="value"/> into <paramref name="slot"/>. While no marking runs this
    /// costs one predictable branch on a static flag and the store.
    /// </summary>
    /// <typeparam name="T">The target type.</typeparam>
    /// <param name="slot">A <see cref="Ptr{T}"/> field of an arena object.</param>
    /// <param name="value">The new pointer.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Write<T>(ref Ptr<T> slot, Ptr<T> value) where T : unmanaged
    {
        if (s_marking | s_checking)
        {
            WriteSlow(ref Unsafe.As<Ptr<T>, nint>(ref slot), value.Address);
            return;
        }
        slot = value;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void WriteSlow(ref nint slot, nint value)
    {
        if (s_checking && value != 0) CheckTarget(value);
        if (s_marking) s_shade?.Invoke(slot, value);
        Volatile.Write(ref slot, value);
    }

    private static unsafe void CheckTarget(nint value)
    {
        Pages.Chunk* chunk = Pages.AddressMap.Lookup((nuint)value);
        if (chunk == null) return;
        Heap? heap;
        lock (s_checkedLock) s_checkedHeaps.TryGetValue(chunk->HeapId, out heap);
        heap?.CheckStore((void*)value);
    }
}
