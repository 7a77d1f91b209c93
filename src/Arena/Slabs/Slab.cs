// Slabs. See Heap.cs for the overview of the allocator.
//
// A slab is one page run cut into equal objects of one size class (Go: mspan).
// Its state lives in a descriptor outside the run, so a slab's memory holds
// only user objects.
//
// Bits
//   AllocBits   1 = allocated. Bits past NElems are set for good, so a search
//               never finds them. The fast path does not set them (Go:
//               mspan.isFree, "objects below freeindex are allocated"): while a
//               slab is cached, every object below FreeIndex is allocated
//               whatever its bit says, and Fold writes that into the bits when
//               the slab runs out or leaves its cache, for collected and manual
//               slabs alike. The slow path (TakeNext) sets the bit of what it
//               hands out.
//   OwnerFrees  a manual slab's objects freed by its owner since the last fold
//               (the owner's free does not touch AllocBits either, so that an
//               allocation and a free write different words). Fold clears
//               them out of AllocBits. Zero while not cached, and always zero
//               in a collected slab.
//   allocated(i) = (AllocBits[i] or (Cached and i < FreeIndex)) and not OwnerFrees[i]
//               and not RemoteBits[i]: a remote free is a free before it is merged
//               (IsAllocatedRacy, AllocatedRacy).
//   AllocCache  ~AllocBits shifted so that bit 0 is the object at FreeIndex:
//               a 1 is a free object. Searched with a trailing-zero count.
//               Go: mspan.allocCache.
//   FreeIndex   objects below it have been handed out since the last refill,
//               or were allocated then; search starts here. Go: mspan.freeindex.
//   RemoteBits  frees by threads that do not own the slab, set with an atomic
//               OR; merged into AllocBits by the owner (or under the central
//               lock) when the slab is refilled or changes hands.
//   MarkBits    room for the collector (Go: gcmarkBits).
//               AllocBits and MarkBits point at the descriptor's two bitmaps, BitsA and
//               BitsB. The sweep swaps the pointers (Go: s.allocBits = s.gcmarkBits, design
//               12800): the marks become the alloc bits without a copy, and the old alloc
//               bits, cleared, are the next cycle's marks (SwapBitmaps).
//   GreyBits    traced objects the collector has reached but not yet marked and
//               scanned, and Queued whether the slab waits on a mark worker's list
//               or is being scanned (Collector.ScanSlab; Go 1.25's Green Tea keeps
//               the like per span). Zero outside marking.
//
// Invariants
//   AllocCount == popcount(AllocBits) - (64·words - NElems)        (under lock; owned,
//                 after a fold: the fast path counts nothing, the fold counts it)
//   AllocCache >> k & 1 == 1  ⇒  object FreeIndex + k is free
//   every page of the run maps to this descriptor in the chunk's page map
//
// State, at the field: see SlabState.

using System.Diagnostics;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Arena.SizeClasses;

namespace Arena.Slabs;

/// <summary>Where a slab is; who may touch its owner-only fields.</summary>
internal enum SlabState : byte
{
    /// <summary>Descriptor in the pool, describing no memory.</summary>
    Free,
    /// <summary>Some thread cache's current slab: only that thread allocates from it or frees into it directly.</summary>
    Cached,
    /// <summary>On its class's central partial list (has or may have free objects); guarded by the central lock.</summary>
    Partial,
    /// <summary>On its class's central full list; guarded by the central lock.</summary>
    Full,
    /// <summary>One large object (class 0) of its own page run.</summary>
    Large,
    /// <summary>Carved into scope memory (bump allocation), not object slots.</summary>
    Scope,
}

/// <summary>A run of pages cut into objects of one size class. Go: mspan.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct Slab
{
    public const int BitmapWords = SizeClassTable.MaxObjectsPerSlab / 64;

    /// <summary>Descriptors are allocated at this alignment (SlabPool), so their bitmaps start cache lines.</summary>
    public const int Alignment = 64;

    // Read on every small allocation: kept together at the start.
    public ulong AllocCache;
    public nuint Base;
    public int FreeIndex;
    public int NElems;
    public uint ElemSize;
    public uint DivMul;
    public int AllocCount;
    public byte SizeClass;
    public SlabState State;
    public SlabKind Kind;
    /// <summary>
    /// A generational heap's collected slab holding old objects (survivors, marked): the write
    /// barrier marks cards only for stores into such slabs. Set by the sweep, false when fresh.
    /// </summary>
    public bool HasOld;
    /// <summary>
    /// A collected slab whose every slot already has the pointer bits of one type: that type's
    /// CollectedLayout.Stamp (0: none). Allocating that type here then writes no bits; any other
    /// write of bits into the slab clears it.
    /// </summary>
    public int PtrStamp;
    /// <summary>1 = allocated (see the top of this file): BitsA or BitsB, whichever the last sweep made the alloc bits.</summary>
    public ulong* AllocBits;
    /// <summary>The collector's mark bits (Go: gcmarkBits): the other of BitsA and BitsB.</summary>
    public ulong* MarkBits;

    // Read on free and on refill.
    /// <summary>The owning thread cache (its CacheBlock address) while Cached, else 0.</summary>
    public nint Owner;
    public int Pages;
    public int FirstPage;
    /// <summary>Size of a large object's request in bytes (State == Large).</summary>
    public nuint LargeSize;
    public Pages.Chunk* Chunk;
    public Slab* Next;
    public Slab* Prev;
    /// <summary>
    /// 1 while the slab is on a mark worker's list or being scanned: whoever greys an object
    /// here pushes the slab only if it finds 0 here (Collector.ScanSlab). 0 outside marking.
    /// </summary>
    public int Queued;
    /// <summary>
    /// The shard of its class's central lists the slab is filed in (Central.cs): the shard of
    /// the cache that last took it. Changes only while a cache owns the slab.
    /// </summary>
    public int Shard;
    // Pads the header to 128 bytes: in a 64-byte aligned descriptor (SlabPool) every bitmap
    // below then starts a cache line, so the sweep's 64-byte vectors never split one.
    private ulong _pad1;

    /// <summary>Where <see cref="BitsA"/> starts in a descriptor: after the 128-byte header (the sweep prefetches it).</summary>
    public const int BitsAOffset = 128;
    /// <summary>Where <see cref="BitsB"/> starts in a descriptor.</summary>
    public const int BitsBOffset = BitsAOffset + BitmapWords * sizeof(ulong);

    /// <summary>One of the two bitmaps that <see cref="AllocBits"/> and <see cref="MarkBits"/> point at; never read by name.</summary>
    public fixed ulong BitsA[BitmapWords];
    /// <summary>The other bitmap (see <see cref="BitsA"/>).</summary>
    public fixed ulong BitsB[BitmapWords];
    public fixed ulong RemoteBits[BitmapWords];
    /// <summary>Reached objects that the slab's scanner has yet to mark and scan (the grey ones); all 0 outside marking.</summary>
    public fixed ulong GreyBits[BitmapWords];
    /// <summary>A cached manual slab's objects freed by its owner since the last <see cref="Fold"/>.</summary>
    public fixed ulong OwnerFrees[BitmapWords];

    /// <summary>
    /// <paramref name="count"/> zeroed descriptors in one <see cref="Alignment"/>-aligned block of
    /// native memory, their bitmaps set up (<see cref="InitBitmaps"/>). Freed with
    /// <see cref="FreeDescriptors"/>.
    /// </summary>
    public static Slab* AllocDescriptors(int count)
    {
        nuint bytes = (nuint)count * (nuint)sizeof(Slab);
        Slab* block = (Slab*)NativeMemory.AlignedAlloc(bytes, Alignment);
        NativeMemory.Clear(block, bytes);
        for (int i = 0; i < count; i++) block[i].InitBitmaps();
        return block;
    }

    /// <summary>Frees a block from <see cref="AllocDescriptors"/>.</summary>
    public static void FreeDescriptors(Slab* block) => NativeMemory.AlignedFree(block);

    /// <summary>
    /// Points <see cref="AllocBits"/> and <see cref="MarkBits"/> at this descriptor's own two
    /// bitmaps. Once per descriptor, where it is made: a descriptor never moves.
    /// </summary>
    public void InitBitmaps()
    {
        AllocBits = (ulong*)Unsafe.AsPointer(ref BitsA[0]);
        MarkBits = (ulong*)Unsafe.AsPointer(ref BitsB[0]);
    }

    /// <summary>
    /// The sweep's bitmap swap (Go: s.allocBits = s.gcmarkBits; design 12800): the marks become
    /// the alloc bits, and the old alloc bits, which the sweep kernel has cleared, become the
    /// next cycle's marks.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void SwapBitmaps()
    {
        ulong* marks = MarkBits;
        MarkBits = AllocBits;
        AllocBits = marks;
    }

    /// <summary>Number of bitmap words in use for this slab.</summary>
    public readonly int Words => (NElems + 63) >> 6;

    /// <summary>Turns a fresh descriptor over a page run into an empty slab of <paramref name="sizeClass"/>.</summary>
    public void InitSmall(int sizeClass, SlabKind kind)
    {
        SizeClass = (byte)sizeClass;
        Kind = kind;
        ElemSize = (uint)SizeClassTable.ObjectSizes[sizeClass];
        DivMul = SizeClassTable.DivMul(sizeClass);
        NElems = (int)(((nuint)Pages << Arena.Pages.PageHeap.PageShift) / ElemSize);
        AllocCount = 0;
        FreeIndex = 0;
        HasOld = false;
        PtrStamp = 0;
        Queued = 0;
        AllocCache = 0;
        for (int w = 0; w < BitmapWords; w++) { BitsA[w] = 0; BitsB[w] = 0; RemoteBits[w] = 0; GreyBits[w] = 0; OwnerFrees[w] = 0; }
        int tail = NElems & 63;
        if (tail != 0) AllocBits[NElems >> 6] = ~0UL << tail;
        RefillCache();
    }

    /// <summary>
    /// Brings a cached slab's bits and count up to date (see the top of this file): sets
    /// the bits below FreeIndex, clears those of <see cref="OwnerFrees"/>, and returns how many
    /// objects the fast path handed out (<paramref name="allocated"/>) and the owner freed
    /// (<paramref name="freed"/>) since the last fold, for the cache's statistics. Then the bits
    /// tell everything, and FreeIndex rewinds to 0 (the alloc cache reloaded) so that the rule
    /// cannot count an object twice. The owner only, or the collector flushing a cache whose
    /// owner cannot allocate collected objects.
    /// </summary>
    public void Fold(out int allocated, out int freed)
    {
        int a = 0, f = 0;
        int words = Words;
        for (int w = 0; w < words; w++)
        {
            ulong bits = AllocBits[w], frees = OwnerFrees[w], below = Below(FreeIndex, w);
            a += BitOperations.PopCount(below & ~bits);
            if (frees == 0 && (below & ~bits) == 0) continue;
            f += BitOperations.PopCount(frees);
            // Bits first: a remote free that reads FreeIndex and then the bits sees either.
            Volatile.Write(ref AllocBits[w], (bits | below) & ~frees);
            OwnerFrees[w] = 0;
        }
        AllocCount += a - f;
        Volatile.Write(ref FreeIndex, 0);
        RefillCache();
        allocated = a;
        freed = f;
    }

    /// <summary>
    /// What <see cref="Fold"/> would count now, without changing anything: for statistics
    /// read while the owner may be allocating (then the figures are as racy as any counter's).
    /// </summary>
    public readonly void Pending(out int allocated, out int freed)
    {
        int a = 0, f = 0;
        int fi = FreeIndex, words = Words;
        for (int w = 0; w < words; w++)
        {
            a += BitOperations.PopCount(Below(fi, w) & ~AllocBits[w]);
            f += BitOperations.PopCount(OwnerFrees[w]);
        }
        allocated = a;
        freed = f;
    }

    /// <summary>The bits of word <paramref name="w"/> for objects below <paramref name="index"/>.</summary>
    private static ulong Below(int index, int w)
    {
        int n = index - (w << 6);
        return n >= 64 ? ulong.MaxValue : n <= 0 ? 0 : (1UL << n) - 1;
    }

    /// <summary>
    /// Whether object <paramref name="idx"/> is allocated (the rule at the top of this file),
    /// read by a thread that does not own the slab while its owner may
    /// be allocating, freeing or folding. A fold writes the bits before it rewinds FreeIndex or
    /// gives the slab up, so the bits are read again after the state and FreeIndex: an object
    /// that is allocated is never reported free. (A double free racing with the owner may go
    /// unseen; its remote bit is then dropped by the merge, which keeps only allocated bits.)
    /// </summary>
    public bool IsAllocatedRacy(int idx) => (AllocatedRacy(idx >> 6) & (1UL << idx)) != 0;

    /// <summary>
    /// The objects of bitmap word <paramref name="w"/> that are allocated (the rule at the top of
    /// this file), 64 at a time, read as <see cref="IsAllocatedRacy"/> describes: while the
    /// slab's owner may be allocating, freeing or folding, an object allocated before the read
    /// began is never left out (the bits are read again after the state and FreeIndex); one
    /// freed meanwhile may still be in. Frees by the owner and by other threads are left out.
    /// Bits past NElems are clear.
    /// </summary>
    public ulong AllocatedRacy(int w)
    {
        ulong gone = Volatile.Read(ref OwnerFrees[w]) | Volatile.Read(ref RemoteBits[w]);
        ulong bits = Volatile.Read(ref AllocBits[w]);
        if (Volatile.Read(ref Unsafe.As<SlabState, byte>(ref State)) == (byte)SlabState.Cached)
            bits |= Below(Volatile.Read(ref FreeIndex), w);
        bits |= Volatile.Read(ref AllocBits[w]);
        int left = NElems - (w << 6);
        if (left < 64) bits &= (1UL << left) - 1;
        return bits & ~gone;
    }

    /// <summary>Index of the object at <paramref name="address"/> (which must lie in the slab). Go: objIndex.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly int ObjectIndex(nuint address) => (int)(((ulong)(address - Base) * DivMul) >> 32);

    /// <summary>Loads AllocCache from the word holding FreeIndex. Go: refillAllocCache.</summary>
    public void RefillCache()
    {
        if (FreeIndex >= NElems) { AllocCache = 0; return; }
        AllocCache = ~AllocBits[FreeIndex >> 6] >> (FreeIndex & 63);
    }

    /// <summary>
    /// Finds the next free object at or after FreeIndex, marks it allocated and returns its
    /// index, or -1 when the slab has none left past FreeIndex. Go: nextFreeIndex. Owner only.
    /// </summary>
    public int TakeNext()
    {
        while (FreeIndex < NElems)
        {
            ulong cache = AllocCache;
            if (cache != 0)
            {
                int tz = BitOperations.TrailingZeroCount(cache);
                int idx = FreeIndex + tz;
                if (idx >= NElems) break;
                AllocCache = (cache >> tz) >> 1;
                FreeIndex = idx + 1;
                if ((FreeIndex & 63) == 0) RefillCache();
                AllocBits[idx >> 6] |= 1UL << idx;
                AllocCount++;
                return idx;
            }
            FreeIndex = (FreeIndex | 63) + 1;
            RefillCache();
        }
        FreeIndex = NElems;
        AllocCache = 0;
        return -1;
    }

    /// <summary>
    /// Folds frees made by other threads into AllocBits; returns how many. Owner, or central lock.
    /// </summary>
    public int MergeRemoteFrees()
    {
        int merged = 0;
        int words = Words;
        for (int w = 0; w < words; w++)
        {
            if (Volatile.Read(ref RemoteBits[w]) == 0) continue;
            ulong r = Interlocked.Exchange(ref RemoteBits[w], 0) & AllocBits[w];
            AllocBits[w] &= ~r;
            merged += BitOperations.PopCount(r);
        }
        AllocCount -= merged;
        return merged;
    }

    /// <summary>Checks the invariants at the top of this file. Compiled in with ARENA_DEBUG.</summary>
    [Conditional("ARENA_DEBUG")]
    public readonly void AssertValid()
    {
        fixed (ulong* a = BitsA, b = BitsB)
            Debug.Assert((AllocBits == a && MarkBits == b) || (AllocBits == b && MarkBits == a), "the alloc and mark bits are this descriptor's two bitmaps");
        if (State is SlabState.Free or SlabState.Large or SlabState.Scope) return;
        int set = 0;
        for (int w = 0; w < Words; w++) set += BitOperations.PopCount(AllocBits[w]);
        Debug.Assert(AllocCount == set - (Words * 64 - NElems), "AllocCount == popcount(AllocBits) - tail");
        for (int w = 0; w < Words; w++)
            Debug.Assert(OwnerFrees[w] == 0, "owner frees are folded before a slab leaves its cache");
        for (int w = 0; w < Words; w++)
            Debug.Assert((MarkBits[w] & ~AllocBits[w]) == 0, "only allocated objects are marked (sticky marks of a generational heap included)");
        AssertNotGrey();
    }

    /// <summary>Checks that marking left nothing grey or queued here. Compiled in with ARENA_DEBUG.</summary>
    [Conditional("ARENA_DEBUG")]
    public readonly void AssertNotGrey()
    {
        for (int w = 0; w < Words; w++)
            Debug.Assert(GreyBits[w] == 0, "no object stays grey after marking");
        Debug.Assert(Queued == 0, "no slab stays queued after marking");
    }
}
