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
//   1. Read s_mode, a plain static byte. While no marking runs, no heap is checked
//      and no heap is generational it is 0, the branch is always predicted, and
//      the store is one move.
//   2. With only Cards set (a generational heap exists): store, then, inline, find
//      the slot's chunk (two loads of the address map); if the chunk holds old
//      objects, find the slot's slab; if that holds old objects, set the card byte
//      of the slot. Minor collections scan the old objects under dirty cards, as
//      .NET's GC does with its card table.
//   3. Otherwise (marking or checking) a NoInlining slow path hands the old and new
//      targets to the collector's hook (s_shade), checks the target, then stores.
// s_mode only changes with no mutator inside a store of a heap the change
// concerns (marking turns on with every mutator parked; a heap turns on cards or
// checks in its constructor, before any object of it exists), so a plain read
// suffices on the fast path.

using System.Runtime.CompilerServices;
using Arena.Pages;

namespace Arena;

/// <summary>
/// Pointer stores into arena objects. Go: the write barrier (mbarrier.go). Generated
/// properties of <see cref="ArenaTypeAttribute"/> structs call <see cref="Write{T}"/>. A store
/// that bypasses it (an assignment to the field itself, a raw pointer write, a whole-struct
/// copy) may hide a live object from a collection that is marking, and on a generational heap
/// (<see cref="HeapOptions.Generational"/>) hides a young target of an old object from minor
/// collections, which then free it.
/// </summary>
public static unsafe class WriteBarrier
{
    /// <summary>What the store must do besides storing: a set of the Mode* bits. 0: nothing.</summary>
    internal static byte s_mode;

    /// <summary><see cref="s_mode"/>: a generational heap exists; stores mark cards.</summary>
    internal const byte ModeCards = 1;
    /// <summary><see cref="s_mode"/>: marking or checking; stores take the slow path.</summary>
    internal const byte ModeSlow = 2;

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

    /// <summary>Live generational heaps: while there is one, stores mark cards. Guarded by s_checkedLock.</summary>
    private static int s_generationalHeaps;

    /// <summary>Whether a collection is marking (stores shade their targets).</summary>
    public static bool IsMarking => s_marking;

    /// <summary>Turns marking on or off (with every mutator parked).</summary>
    internal static void SetMarking(bool marking)
    {
        lock (s_checkedLock)
        {
            s_marking = marking;
            UpdateMode();
        }
    }

    /// <summary>A checked heap starts validating stores (called by its constructor).</summary>
    internal static void AddCheckedHeap(Heap heap)
    {
        lock (s_checkedLock)
        {
            s_checkedHeaps[heap.Id] = heap;
            s_checking = true;
            UpdateMode();
        }
    }

    /// <summary>A checked heap stops validating stores (called by its Dispose).</summary>
    internal static void RemoveCheckedHeap(Heap heap)
    {
        lock (s_checkedLock)
        {
            s_checkedHeaps.Remove(heap.Id);
            s_checking = s_checkedHeaps.Count > 0;
            UpdateMode();
        }
    }

    /// <summary>A generational heap was created (+1) or disposed (-1): stores mark cards while one exists.</summary>
    internal static void CountGenerationalHeap(int delta)
    {
        lock (s_checkedLock)
        {
            s_generationalHeaps += delta;
            UpdateMode();
        }
    }

    private static void UpdateMode()
        => Volatile.Write(ref s_mode, (byte)((s_generationalHeaps > 0 ? ModeCards : 0) | (s_marking || s_checking ? ModeSlow : 0)));

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
        byte mode = s_mode;
        if (mode == 0)
        {
            slot = value;
            return;
        }
        if (mode == ModeCards)
        {
            slot = value;
            if (!value.IsNull) MarkCard((nuint)Unsafe.AsPointer(ref slot));
            return;
        }
        WriteSlow(ref Unsafe.As<Ptr<T>, nint>(ref slot), value.Address);
    }

    /// <summary>
    /// Sets the card of <paramref name="slot"/> when it lies in a heap's chunk. A slot elsewhere
    /// (a copy of an arena struct on the stack or in managed memory) has no card and needs none:
    /// only heap objects are traced.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void MarkCard(nuint slot)
    {
        Chunk* c = AddressMap.Lookup(slot);
        if (c == null || !c->HasOld) return;
        // Only slabs holding old objects need cards: a store into a young object is found by
        // tracing it. This also keeps the card table's cache lines, which the slabs of several
        // threads share, out of the common case (initialising fresh objects): writing them
        // there cost binary-trees 3 ns a store in line transfers between cores.
        Slabs.Slab* s = c->SlabOf(slot);
        if (s == null || !s->HasOld) return;
        // Read before writing, as .NET's barrier does: a store to an already dirty card
        // would take the line from the other cores again.
        byte* card = c->Cards + ((slot - c->Base) >> PageHeap.CardShift);
        if (*card == 0) *card = 1;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void WriteSlow(ref nint slot, nint value)
    {
        if (s_checking && value != 0) CheckTarget(value);
        if (s_marking) s_shade?.Invoke(slot, value);
        Volatile.Write(ref slot, value);
        if ((s_mode & ModeCards) != 0 && value != 0) MarkCard((nuint)Unsafe.AsPointer(ref slot));
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
