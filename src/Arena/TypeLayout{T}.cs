using System.Runtime.CompilerServices;
using Arena.Collector;
using Arena.SizeClasses;
using Arena.Slabs;

namespace Arena;

/// <summary>
/// Size, alignment, size class and pointer map of an unmanaged type, computed once per type.
/// The fields are static readonly, so the JIT folds them into constants in optimized code: a
/// typed allocation reaches the slab fast path with its class known at compile time.
/// </summary>
internal static unsafe class TypeLayout<T> where T : unmanaged
{
    public static readonly int Size = sizeof(T);
    /// <summary>
    /// T's alignment: the offset of a T after one byte. (Not sizeof(probe) - sizeof(T), which is
    /// wrong for a struct whose explicit StructLayout Size leaves it unpadded.)
    /// </summary>
    public static readonly int Alignment = AlignmentOf();
    /// <summary>The size class, or 0 when T is a large object (over 32 KiB).</summary>
    public static readonly int SizeClass = SizeClassTable.ForSizeAndAlignment(sizeof(T), Alignment);

    /// <summary>
    /// At least T's alignment, and equal to it unless an explicit StructLayout Size leaves T
    /// unpadded: sizeof(probe) - sizeof(T). Unlike <see cref="Alignment"/> it reads no static
    /// field, so it is a constant in every kind of compiled code, including methods compiled
    /// before the class is initialized (AggressiveOptimization, ReadyToRun), where a static
    /// readonly field costs an initialization check and a load. A fast path that needs at most
    /// 8-byte alignment can test this bound and leave the rare overestimate to its slow path.
    /// </summary>
    public static int AlignmentBound
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => sizeof(AlignmentProbe) - sizeof(T);
    }

    private static int AlignmentOf()
    {
        AlignmentProbe probe = default;
        return (int)Unsafe.ByteOffset(ref probe.Pad, ref Unsafe.As<T, byte>(ref probe.Value));
    }
    /// <summary>
    /// One bit per 8-byte word of T, 1 where T holds a pointer; empty for types with none.
    /// Known for arena types (registered by generated code), empty for every other type.
    /// </summary>
    public static readonly ulong[] PointerMap = PointerMaps.Of<T>();
    /// <summary>Bytes per object of T's size class (0 when T is large): a JIT constant, so dividing by it is a shift or a multiply.</summary>
    public static readonly uint ElemSize = (uint)SizeClassTable.ObjectSizes[SizeClass];
    /// <summary>
    /// Bytes of the slot a T takes: its size class's objects, or T itself when large. Pointer
    /// bits are written for the whole slot, so the words past T's end keep no bit that an
    /// earlier, larger object of the slot left.
    /// </summary>
    public static readonly int SlotBytes = SizeClass != 0 ? SizeClassTable.ObjectSizes[SizeClass] : sizeof(T);
    /// <summary>The slab class of manual objects of T: traced when T has pointers.</summary>
    public static readonly int ManualSlabClass = SlabClass.Of(SizeClass, PointerMap.Length > 0 ? SlabKind.ManualScan : SlabKind.Manual);
    /// <summary>Records T's pointer words for a fresh object at <paramref name="p"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void WritePointerBits(T* p) => HeapBits.Write((nuint)p, PointerMap, (sizeof(T) + 7) / 8, 1, (SlotBytes + 7) / 8);

    /// <summary>The pointer map as one word when it fits, else 0 (folded by the JIT).</summary>
    private static readonly ulong s_oneWordMap = HeapBits.OneWord(PointerMap, SlotBytes);

    /// <summary>As <see cref="WritePointerBits(T*)"/>, with the chunk already known (the fast path has it).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void WritePointerBits(Pages.Chunk* chunk, T* p) => HeapBits.WriteObject(chunk, (nuint)p, PointerMap, s_oneWordMap, SlotBytes);

    internal struct AlignmentProbe
    {
#pragma warning disable CS0649 // only the layout matters
        public byte Pad;
        public T Value;
#pragma warning restore CS0649
    }
}

/// <summary>
/// The collected-allocation layout of an arena type: its pointer map straight from the
/// generated <see cref="IArenaType{TSelf}.PointerMap"/>, and its slab class.
/// </summary>
internal static unsafe class CollectedLayout<T> where T : unmanaged, IArenaType<T>
{
    public static readonly ulong[] PointerMap = Trim(T.PointerMap);
    public static readonly int CollectedSlabClass = SlabClass.Of(TypeLayout<T>.SizeClass, PointerMap.Length > 0 ? SlabKind.CollectedScan : SlabKind.Collected);
    public static readonly bool IsScanned = PointerMap.Length > 0;

    /// <summary>The pointer map as one word when it fits the slot, else 0 (folded by the JIT).</summary>
    private static readonly ulong s_oneWordMap = HeapBits.OneWord(PointerMap, TypeLayout<T>.SlotBytes);

    /// <summary>Words per slot of this type's size class.</summary>
    private static readonly int s_slotWords = SizeClasses.SizeClassTable.ObjectSizes[TypeLayout<T>.SizeClass] / 8;

    /// <summary>
    /// Nonzero when whole slabs of this type can be stamped (Slab.PtrStamp): a one-word map and
    /// slots that tile a bitmap word (8 to 512 bytes, a power of two), so that one pattern word
    /// covers every slot.
    /// </summary>
    public static readonly int Stamp = s_oneWordMap != 0 && TypeLayout<T>.SizeClass != 0 && 64 % s_slotWords == 0 ? PtrStamps.Next() : 0;

    /// <summary>The pointer bits of 64 / slot-words consecutive slots of this type: one bitmap word.</summary>
    private static readonly ulong s_slabPattern = Stamp == 0 ? 0 : Pattern(s_oneWordMap, s_slotWords);

    private static ulong Pattern(ulong map, int slotWords)
    {
        ulong pattern = 0;
        for (int k = 0; k < 64; k += slotWords) pattern |= map << k;
        return pattern;
    }

    /// <summary>
    /// Writes the pointer bits of <paramref name="p"/>, just allocated from slab
    /// <paramref name="s"/>, unless the slab is stamped with this type; otherwise the slab
    /// no longer is.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void WritePointerBits(Slab* s, T* p)
    {
        if (Stamp != 0 && s->PtrStamp == Stamp) return;
        WritePointerBits(s->Chunk, p);
        if (s->PtrStamp != 0) s->PtrStamp = 0;
    }

    /// <summary>
    /// The slow path's version: a slab whose only object is <paramref name="p"/> gets this type's
    /// bits in every slot (free slots' bits are never read) and this type's stamp.
    /// </summary>
    public static void WritePointerBitsOrStamp(Slab* s, T* p)
    {
        if (Stamp == 0 || s->PtrStamp == Stamp || s->AllocCount != 1 || s->State == SlabState.Large)
        {
            WritePointerBits(s, p);
            return;
        }
        ulong* bits = s->Chunk->PtrBits + ((s->Base - s->Chunk->Base) >> 9);   // page-aligned: whole bitmap words
        nuint total = (nuint)s->NElems * (nuint)s_slotWords;
        nuint full = total / 64;
        for (nuint i = 0; i < full; i++) bits[i] = s_slabPattern;
        int rest = (int)(total % 64);
        if (rest != 0)
        {
            ulong mask = (1UL << rest) - 1;
            bits[full] = (bits[full] & ~mask) | (s_slabPattern & mask);
        }
        s->PtrStamp = Stamp;
    }

    /// <summary>Records T's pointer words for a fresh object at <paramref name="p"/> in <paramref name="chunk"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void WritePointerBits(Pages.Chunk* chunk, T* p) => HeapBits.WriteObject(chunk, (nuint)p, PointerMap, s_oneWordMap, TypeLayout<T>.SlotBytes);

    private static ulong[] Trim(ReadOnlySpan<ulong> map)
    {
        int last = map.Length - 1;
        while (last >= 0 && map[last] == 0) last--;
        return map[..(last + 1)].ToArray();
    }
}

/// <summary>Hands out the nonzero stamps of <see cref="CollectedLayout{T}.Stamp"/>.</summary>
internal static class PtrStamps
{
    private static int s_last;

    public static int Next() => Interlocked.Increment(ref s_last);
}
