// Per-thread caches. See Heap.cs for the overview of the allocator.
//
// Each thread that allocates from a heap gets a cache (Go: mcache, per P):
// one current slab per size class, so the common allocation and the common
// free (of an object from the thread's own current slab) take no lock and no
// atomic instruction. Statistics are counted here per class and summed by
// Heap.GetStats (Go flushes mcache stats on refill; summing on read keeps
// the fast path to one increment).
//
// The cache's state lives in a CacheBlock of unmanaged memory, listed on the
// heap so GetStats and Dispose can reach it without keeping the managed
// ThreadCache alive. The ThreadCache object is referenced only by thread-static
// fields: when its thread ends it becomes unreachable, and its finalizer gives
// the slabs back to the central lists and folds its counters into the heap.
//
// An empty sentinel slab (Go: emptymspan) stands in every class with no
// slab, so the fast path has no null check. After Dispose, every block points
// at the sentinel again and allocation falls to the slow path, which throws.

using System.Runtime.InteropServices;
using Arena.SizeClasses;
using Arena.Slabs;

namespace Arena.Caches;

/// <summary>The unmanaged state of one thread's cache for one heap.</summary>
internal unsafe struct CacheBlock
{
    /// <summary>Current slab per slab class (Slab*); the sentinel when none. Go: mcache.alloc.</summary>
    public fixed long Current[SlabClass.Count];
    /// <summary>Objects allocated per class by this thread from manual slabs.</summary>
    public fixed long Mallocs[SizeClassTable.Count];
    /// <summary>
    /// Objects allocated per class from collected slabs, counted when a slab is folded (it runs
    /// out or leaves this cache), not at each allocation (Go: mcache.refill's stats); the slabs
    /// the cache holds count Slab.Pending more. Apart from Mallocs because the collector writes
    /// it, when it flushes the cache, while the owner cannot allocate collected objects but may
    /// allocate manual ones.
    /// </summary>
    public fixed long CollectedMallocs[SizeClassTable.Count];
    /// <summary>Objects freed per class by this thread (whoever allocated them).</summary>
    public fixed long Frees[SizeClassTable.Count];
    /// <summary>
    /// The manual slab class of this thread's last small allocation: the raw Free(void*) looks
    /// for its object in that class's current slab first (Heap.FreeRawWith). 0, the large
    /// class, whose current slab is always the empty sentinel, when none.
    /// </summary>
    public int FreeHint;
    public CacheBlock* Next;
    public CacheBlock* Prev;
    /// <summary>
    /// This thread's mutator state on the heap: Collector.Idle, Running or Parked. Written only
    /// by the owning thread; read by whoever starts a collection (Collector.cs).
    /// </summary>
    public int Mutator;
    /// <summary>The shard of the central lists this cache takes slabs from and files them in first (Central.cs).</summary>
    public int Shard;
}

/// <summary>One thread's cache for one heap. Go: mcache.</summary>
internal sealed unsafe class ThreadCache
{
    /// <summary>The slab every empty cache entry points at. Go: emptymspan.</summary>
    public static readonly Slab* EmptySlab = CreateEmptySlab();

    public readonly Heap Heap;
    public readonly CacheBlock* Block;

    public ThreadCache(Heap heap)
    {
        Heap = heap;
        Block = (CacheBlock*)NativeMemory.AllocZeroed((nuint)sizeof(CacheBlock));
        ResetToEmpty(Block);
        Block->Shard = heap.NextCacheShard();
    }

    public nint Id => (nint)Block;

    ~ThreadCache()
    {
        Heap.RetireCache(this);
        NativeMemory.Free(Block);
    }

    public static void ResetToEmpty(CacheBlock* b)
    {
        for (int c = 0; c < SlabClass.Count; c++) b->Current[c] = (long)EmptySlab;
    }

    private static Slab* CreateEmptySlab()
    {
        Slab* s = Slab.AllocDescriptors(1);
        s->State = SlabState.Cached;
        return s;
    }
}
