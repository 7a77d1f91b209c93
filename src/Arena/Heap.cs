// Arena's allocator: overview. Other files of the runtime say "See Heap.cs".
//
// Arena follows Go's memory allocator (runtime/malloc.go). Glossary:
//
//   page heap    reserves 4 MiB chunks of unmanaged memory and hands out runs
//                of 8 KiB pages; maps any address to its chunk and slab in O(1).
//                Go: mheap, heapArena.                         Pages/PageHeap.cs
//   size class   one of Go's 67 object sizes, 8 B to 32 KiB.   SizeClasses/
//   slab         a page run cut into objects of one class, with alloc bits
//                and a 64-bit alloc cache. Go: mspan.          Slabs/Slab.cs
//   central      per class, the slabs no thread owns, in shards (one per core, a
//                lock each; a cache uses its own shard first). Go: mcentral.
//                                                              Caches/Central.cs
//   thread cache per thread and heap, one current slab per class. Go: mcache.
//                                                              Caches/ThreadCache.cs
//
// Allocating a small object (Alloc<T>, or Alloc(size) up to 32 KiB):
//   1. Round the size up to its class (for Alloc<T> a constant, folded by the JIT).
//   2. Take the calling thread's cache for this heap from a thread-static.
//   3. Take the class's current slab; find a free object in its alloc cache
//      with a trailing-zero count; advance FreeIndex. Nothing else is written:
//      objects below FreeIndex are allocated (Go: nextFreeFast, mspan.isFree).
//      No lock, no atomic instruction.
//   4. The cache word is exhausted: reload it from the alloc bits (Go: nextFreeIndex).
//   5. The slab is exhausted: fold it (its alloc bits and counts are settled,
//      Slab.cs), merge frees from other threads; rescan it if a
//      quarter is free again, else hand it to its central list and take a
//      partial slab from there, or a fresh slab from the page heap (Go: refill).
//   6. The page heap has no run: reserve a chunk (Go: grow).
// Objects over 32 KiB get a page run of their own, straight from the page heap.
// A LocalHeap (Heap.Local()) holds the calling thread's cache, so allocation and free
// through it skip step 2's thread-static read (on Linux a call into the TLS resolver).
//
// Freeing: the address map gives the chunk, its page map the slab, Go's
// magic divide the object index. Free(Ptr<T>) first tries the thread's
// current slab of T's class, which needs neither (T's class and size are
// JIT constants). The object must be allocated and the address its start,
// else ArgumentException. If the calling thread owns the slab, the object's
// bit is set in the slab's owner-free bits, settled at the next fold;
// otherwise it is set in the slab's remote bits with one atomic OR, for the
// owner to merge (see Central.cs).
//
// Memory layout: object memory holds only user data. Slab and chunk
// descriptors, bitmaps and caches live in separate NativeMemory blocks.
//
// Concurrency: the fast paths touch only the calling thread's cache and the
// slabs it owns. Each central shard and the page heap have a lock. Dispose
// must not run concurrently with other use of the heap.

using System.Runtime.CompilerServices;
using Arena.Caches;
using Arena.Collector;
using Arena.Diagnostics;
using Arena.Pages;
using Arena.SizeClasses;
using Arena.Slabs;

namespace Arena;

/// <summary>
/// A heap of unmanaged memory organised as Go's: size-class slabs, per-thread caches and
/// a page heap. Every method is thread-safe except <see cref="Dispose"/>; any thread may
/// free what another allocated.
/// </summary>
public sealed unsafe partial class Heap : IDisposable
{
    private static int s_lastId;
    /// <summary>Thread caches made so far: each takes the next shard of the central lists, round robin.</summary>
    private int _cachesMade;
    /// <summary>Shards of every central list of this heap (Central.DefaultShards).</summary>
    private readonly int _shards;
    [ThreadStatic] private static ThreadCache? t_cache;
    [ThreadStatic] private static Dictionary<Heap, ThreadCache>? t_otherCaches;

    private readonly int _id;
    private readonly PageHeap _pages;
    private readonly Central[] _centrals;
    private readonly Lock _cacheLock = new();
    private CacheBlock* _caches;       // every live cache block, linked; guarded by _cacheLock
    private readonly long[] _retired = new long[SizeClassTable.Count * 2];
    private long _largeMallocs, _largeFrees, _largeBytesTotal, _largeBytesLive;
    private volatile bool _disposed;

    /// <summary>The process-wide heap, with default options. It cannot be disposed.</summary>
    public static Heap Default { get; } = new(new HeapOptions());

    /// <summary>Creates a heap with default options.</summary>
    public Heap() : this(new HeapOptions()) { }

    /// <summary>Creates a heap with the given options.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public Heap(HeapOptions options) : this(options, Central.DefaultShards) { }

    /// <summary>A heap whose central lists have <paramref name="shards"/> shards (a power of two), whatever the core count: for tests.</summary>
    internal Heap(HeapOptions options, int shards)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (shards is < 1 or > 256 || !System.Numerics.BitOperations.IsPow2(shards)) throw new ArgumentOutOfRangeException(nameof(shards), shards, "A power of two from 1 to 256.");
        _shards = shards;
        options.Validate();
        Options = options;
        Checked = options.Checked || Environment.GetEnvironmentVariable("ARENA_CHECKED") == "1";
        _id = Interlocked.Increment(ref s_lastId);
        _pages = new PageHeap(_id, options.MaxBytes, options.RetainedBytes, options.HugePages);
        _centrals = new Central[SlabClass.Count];
        for (int k = 0; k < SlabClass.KindCount; k++)
            for (int c = 1; c < SizeClassTable.Count; c++)
                _centrals[SlabClass.Of(c, (SlabKind)k)] = new Central(_pages, c, (SlabKind)k, _shards);
        Collector = new Collector.Collector(this) { ScopeRanges = VisitScopeRanges };
        if (Checked) WriteBarrier.AddCheckedHeap(this);
        if (options.Generational) WriteBarrier.CountGenerationalHeap(+1);
    }

    /// <summary>Shards of every central list of this heap.</summary>
    internal int Shards => _shards;

    /// <summary>The shard of the central lists for the next thread cache (Central.cs): round robin.</summary>
    internal int NextCacheShard() => (Interlocked.Increment(ref _cachesMade) - 1) & (_shards - 1);

    /// <summary>The options this heap was created with.</summary>
    public HeapOptions Options { get; }

    /// <summary>Whether checked mode is on (options or <c>ARENA_CHECKED=1</c>).</summary>
    public bool Checked { get; }

    /// <summary>True once <see cref="Dispose"/> has run.</summary>
    public bool IsDisposed => _disposed;

    internal PageHeap Pages => _pages;
    internal Central[] Centrals => _centrals;
    internal int Id => _id;
    internal Collector.Collector Collector { get; }

    // ---- allocation -------------------------------------------------------------------

    /// <summary>
    /// Allocates a zeroed <typeparamref name="T"/> that lives until <see cref="Free{T}(Ptr{T})"/>.
    /// </summary>
    /// <exception cref="ArenaOutOfMemoryException">Past <see cref="HeapOptions.MaxBytes"/>.</exception>
    /// <exception cref="ObjectDisposedException">The heap was disposed.</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Ptr<T> Alloc<T>() where T : unmanaged
    {
        ThreadCache? cache = t_cache;
        if (cache != null && cache.Heap == this) return AllocWith<T>(cache.Block);
        return AllocSlow<T>();
    }

    /// <summary><see cref="Alloc{T}"/> from <paramref name="cache"/>, this heap's cache block of the calling thread.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal Ptr<T> AllocWith<T>(CacheBlock* cache) where T : unmanaged
    {
        T* q = (T*)TryAllocFast(cache, TypeLayout<T>.ManualSlabClass, TypeLayout<T>.ElemSize, out Slab* s);
        if (q == null) return AllocSlow<T>();
        *q = default;
        if (TypeLayout<T>.ManualSlabClass >= SizeClassTable.Count) TypeLayout<T>.WritePointerBits(s->Chunk, q);
        return new Ptr<T>(q);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private Ptr<T> AllocSlow<T>() where T : unmanaged
    {
        T* p = (T*)AllocSlow(TypeLayout<T>.ManualSlabClass, TypeLayout<T>.Size, TypeLayout<T>.Alignment);
        *p = default;
        if (TypeLayout<T>.ManualSlabClass >= SizeClassTable.Count) TypeLayout<T>.WritePointerBits(p);
        return new Ptr<T>(p);
    }

    /// <summary>
    /// Allocates <paramref name="size"/> bytes aligned to <paramref name="alignment"/>, not
    /// zeroed, living until <see cref="Free(void*)"/>. Small sizes are rounded up to Go's
    /// size classes; sizes over 32 KiB get pages of their own.
    /// </summary>
    /// <param name="size">Bytes, 0 or more (0 gives a distinct minimal object).</param>
    /// <param name="alignment">A power of two from 1 to 8192.</param>
    /// <exception cref="ArgumentOutOfRangeException">Size or alignment out of range.</exception>
    /// <exception cref="ArenaOutOfMemoryException">Past <see cref="HeapOptions.MaxBytes"/>.</exception>
    /// <exception cref="ObjectDisposedException">The heap was disposed.</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void* Alloc(nint size, int alignment = 8)
    {
        if ((nuint)size - 1 < SizeClassTable.MaxSmallSize && alignment == 8)
            return AllocClass(SizeClassTable.ForSize((int)size), (int)size, 8);
        return AllocChecked(size, alignment);
    }

    /// <summary><see cref="Alloc(nint, int)"/> from <paramref name="cache"/>, this heap's cache block of the calling thread.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void* AllocWith(CacheBlock* cache, nint size, int alignment)
    {
        if ((nuint)size - 1 < SizeClassTable.MaxSmallSize && alignment == 8)
            return AllocClassWith(cache, SizeClassTable.ForSize((int)size), size, 8);
        return AllocChecked(size, alignment);
    }

    /// <summary>
    /// The calling thread's handle on this heap: allocation and free through it skip the
    /// thread-static lookup of the thread's cache that each call on the heap makes. Take one
    /// where a loop allocates and frees many objects; see <see cref="LocalHeap"/>.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The heap was disposed.</exception>
    public LocalHeap Local()
    {
        if (_disposed) ThrowHelper.ObjectDisposed(nameof(Heap));
        return new LocalHeap(this, CacheForThread());
    }

    private void* AllocChecked(nint size, int alignment)
    {
        if (alignment <= 0 || alignment > PageHeap.PageSize || (alignment & (alignment - 1)) != 0)
            ThrowHelper.BadAlignment(alignment);
        if (size < 0 || size > MaxRequest)
            ThrowHelper.SizeOutOfRange(size, MaxRequest);
        int sizeClass = size <= SizeClassTable.MaxSmallSize
            ? SizeClassTable.ForSizeAndAlignment((int)size, alignment)
            : 0;
        return AllocClass(sizeClass, size, alignment);
    }

    /// <summary>Largest single request: 1 TiB.</summary>
    internal const long MaxRequest = 1L << 40;

    /// <summary>
    /// The fast path: an object of <paramref name="slabClass"/> (a size class and a kind,
    /// see SlabClass) from this thread's cache.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void* AllocClass(int slabClass, nint size, int alignment)
    {
        ThreadCache? cache = t_cache;
        if (cache != null && cache.Heap == this) return AllocClassWith(cache.Block, slabClass, size, alignment);
        return AllocSlow(slabClass, size, alignment);
    }

    /// <summary><see cref="AllocClass"/> from <paramref name="cache"/>, this heap's cache block of the calling thread.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void* AllocClassWith(CacheBlock* cache, int slabClass, nint size, int alignment)
    {
        void* p = TryAllocFast(cache, slabClass, 0, out _);
        return p != null ? p : AllocSlow(slabClass, size, alignment);
    }

    /// <summary>
    /// Go's nextFreeFast: an object from the current slab's alloc cache, or null when the
    /// cache word is used up (then the slow path refills). About 12 instructions, no lock,
    /// no atomic. <paramref name="slab"/> is the slab it came from.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void* TryAllocFast(CacheBlock* cache, int slabClass, uint elemSize, out Slab* slab)
    {
        Slab* s = slab = (Slab*)cache->Current[slabClass];
        ulong bits = s->AllocCache;
        if (bits != 0)
        {
            int tz = System.Numerics.BitOperations.TrailingZeroCount(bits);
            int idx = s->FreeIndex + tz;
            int next = idx + 1;
            if ((next & 63) != 0 && next <= s->NElems)
            {
                s->AllocCache = (bits >> tz) >> 1;
                s->FreeIndex = next;
                // Neither the alloc bit nor a count is written here: both wait for the
                // slab's fold (Slab.cs, Heap.Fold).
                if (!SlabClass.IsCollectedClass(slabClass)) cache->FreeHint = slabClass;
                return (void*)(s->Base + (nuint)idx * (elemSize != 0 ? elemSize : s->ElemSize));
            }
        }
        return null;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void* AllocSlow(int slabClass, nint size, int alignment)
    {
        if (_disposed) ThrowHelper.ObjectDisposed(nameof(Heap));
        int sizeClass = SlabClass.SizeClassOf(slabClass);
        SlabKind kind = SlabClass.KindOf(slabClass);
        if (sizeClass == 0) return AllocLarge(size, kind);
        ThreadCache cache = CacheForThread();
        CacheBlock* b = cache.Block;
        if (!SlabClass.IsCollected(kind)) b->FreeHint = slabClass;
        Slab* s = (Slab*)b->Current[slabClass];
        if (s != ThreadCache.EmptySlab)
        {
            int idx = s->TakeNext();
            if (idx < 0)
            {
                Fold(s, b);                       // rewinds FreeIndex; before the merge, which reads the bits
                s->MergeRemoteFrees();
                if (s->NElems - s->AllocCount >= Math.Max(1, s->NElems / 4))
                {
                    s->RefillCache();             // enough came back: rescan this slab, merged frees included
                    idx = s->TakeNext();
                }
            }
            if (idx >= 0)
            {
                MallocCounts(b, kind)[sizeClass]++;
                return (void*)(s->Base + (nuint)idx * s->ElemSize);
            }
            b->Current[slabClass] = (long)ThreadCache.EmptySlab;
            s = _centrals[slabClass].Exchange(s, cache.Id, b->Shard);
        }
        else s = _centrals[slabClass].Acquire(cache.Id, b->Shard);
        b->Current[slabClass] = (long)s;
        if (SlabClass.IsCollected(kind)) Collector.OnCollectedSlabAcquired(s);
        int taken = s->TakeNext();
        MallocCounts(b, kind)[sizeClass]++;
        return (void*)(s->Base + (nuint)taken * s->ElemSize);
    }

    private void* AllocLarge(nint size, SlabKind kind)
    {
        long bytes = Math.Max(size, 1);
        int pages = checked((int)((bytes + PageHeap.PageSize - 1) >> PageHeap.PageShift));
        Slab* s = _pages.AllocSlab(pages, bytes);
        s->Kind = kind;
        s->NElems = 1;
        s->ElemSize = (uint)Math.Min(bytes, uint.MaxValue);
        s->LargeSize = (nuint)bytes;
        s->AllocCount = 1;
        s->AllocBits[0] = 1;
        s->State = SlabState.Large;
        if (kind != SlabKind.Manual) Collector.OnLargeAllocated(s);
        Interlocked.Increment(ref _largeMallocs);
        Interlocked.Add(ref _largeBytesTotal, bytes);
        Interlocked.Add(ref _largeBytesLive, bytes);
        return (void*)s->Base;
    }

    // ---- free -------------------------------------------------------------------------

    /// <summary>Frees an object allocated by <see cref="Alloc{T}"/> on this heap.</summary>
    /// <exception cref="ArgumentException">
    /// Null, not from this heap, not the start of an object, or already freed.
    /// </exception>
    /// <exception cref="ObjectDisposedException">The heap was disposed.</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Free<T>(Ptr<T> pointer) where T : unmanaged
    {
        ThreadCache? cache = t_cache;
        FreeTypedWith(pointer.Pointer, cache != null && cache.Heap == this ? cache.Block : null);
    }

    /// <summary>
    /// <see cref="Free{T}(Ptr{T})"/> given this heap's cache block of the calling thread, or null.
    /// The common case, an object of the cache's current slab of T's class, is found without the
    /// address map: T's class and object size are JIT constants, so the slab is one load away and
    /// the object index a shift or a multiply. Anything else goes the general way.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void FreeTypedWith<T>(T* pointer, CacheBlock* own) where T : unmanaged
    {
        if (TypeLayout<T>.SizeClass != 0 && own != null)
        {
            Slab* s = (Slab*)own->Current[TypeLayout<T>.ManualSlabClass];
            nuint offset = (nuint)pointer - s->Base;
            nuint idx = offset / TypeLayout<T>.ElemSize;
            if (offset % TypeLayout<T>.ElemSize == 0 && idx < (nuint)s->NElems)
            {
                FreeOwned(s, idx, (nint)pointer);
                return;
            }
        }
        FreeWith(pointer, own);
    }

    /// <summary>
    /// Frees object <paramref name="idx"/> of <paramref name="s"/>, a manual slab the calling
    /// thread's cache owns: one bit in OwnerFrees, counted when the slab is folded (Slab.cs).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void FreeOwned(Slab* s, nuint idx, nint address)
    {
        nuint w = idx >> 6;
        ulong mask = 1UL << (int)idx;
        ulong* frees = s->OwnerFrees + w;
        bool allocated = idx < (nuint)s->FreeIndex || (s->AllocBits[w] & mask) != 0;
        if (!allocated || ((*frees | s->RemoteBits[w]) & mask) != 0) ThrowHelper.DoubleFree(address);
        *frees |= mask;
    }

    /// <summary>
    /// Folds a slab of <paramref name="b"/>'s cache (Slab.Fold) and counts what it handed out and
    /// took back (<see cref="MallocCounts"/>).
    /// </summary>
    internal static void Fold(Slab* s, CacheBlock* b)
    {
        s->Fold(out int allocated, out int freed);
        MallocCounts(b, s->Kind)[s->SizeClass] += allocated;
        // A collected slab frees nothing here, and the collector folds it while the owner may
        // be counting manual frees: Frees is not touched then, not even with a 0.
        if (freed != 0) b->Frees[s->SizeClass] += freed;
    }

    /// <summary>
    /// The allocation counters of <paramref name="b"/> for slabs of <paramref name="kind"/>:
    /// CollectedMallocs for collected ones, which the collector may write while the owner
    /// allocates manual objects (counted in Mallocs).
    /// </summary>
    private static long* MallocCounts(CacheBlock* b, SlabKind kind) => SlabClass.IsCollected(kind) ? b->CollectedMallocs : b->Mallocs;

    /// <summary>Frees memory allocated by <see cref="Alloc(nint, int)"/> or <see cref="Alloc{T}"/> on this heap.</summary>
    /// <exception cref="ArgumentException">
    /// Null, not from this heap, not the start of an object, or already freed.
    /// </exception>
    /// <exception cref="ObjectDisposedException">The heap was disposed.</exception>
    public void Free(void* pointer)
    {
        ThreadCache? cache = t_cache;   // read first: its latency overlaps the lookups
        FreeRawWith(pointer, cache != null && cache.Heap == this ? cache.Block : null);
    }

    /// <summary>
    /// <see cref="Free(void*)"/> given this heap's cache block of the calling thread, or null.
    /// The class is not known, so the object is looked for first
    /// in the current slab of the class the thread allocated last (CacheBlock.FreeHint): the
    /// common allocate-then-free pattern then needs no address-map lookup. Anything else,
    /// interior pointers included, goes the general way.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void FreeRawWith(void* pointer, CacheBlock* own)
    {
        if (own != null)
        {
            Slab* s = (Slab*)own->Current[own->FreeHint];
            nuint a = (nuint)pointer;
            int idx = s->ObjectIndex(a);   // any value when a lies outside s: the test below then fails
            if ((uint)idx < (uint)s->NElems && s->Base + (nuint)idx * s->ElemSize == a)
            {
                FreeOwned(s, (nuint)idx, (nint)a);
                return;
            }
        }
        FreeWith(pointer, own);
    }

    /// <summary>
    /// <see cref="Free(void*)"/> given this heap's cache block of the calling thread, or null:
    /// the object is freed in place when that cache owns its slab, else as a remote free
    /// counted in that cache.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void FreeWith(void* pointer, CacheBlock* cache)
    {
        nuint a = (nuint)pointer;
        Chunk* chunk = AddressMap.Lookup(a);
        Slab* s = chunk != null && chunk->HeapId == _id ? chunk->SlabOf(a) : null;
        if (s == null || s->State is not (SlabState.Cached or SlabState.Partial or SlabState.Full) || s->Kind >= SlabKind.Collected)
        {
            FreeOther(pointer, s);
            return;
        }
        int idx = s->ObjectIndex(a);
        if (s->Base + (nuint)idx * s->ElemSize != a || idx >= s->NElems)
            ThrowHelper.Interior((nint)a, (nint)(s->Base + (nuint)Math.Min(idx, s->NElems - 1) * s->ElemSize));
        if (cache != null && s->Owner == (nint)cache)
        {
            FreeOwned(s, (nuint)idx, (nint)a);
            return;
        }
        FreeRemote(s, a, idx, cache);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void FreeRemote(Slab* s, nuint a, int idx, CacheBlock* own)
    {
        if (!s->IsAllocatedRacy(idx)) ThrowHelper.DoubleFree((nint)a);
        int w = idx >> 6;
        ulong mask = 1UL << idx;
        int sizeClass = s->SizeClass;
        ulong old = Interlocked.Or(ref s->RemoteBits[w], mask);
        if ((old & mask) != 0) ThrowHelper.DoubleFree((nint)a);
        (own != null ? own : CacheForThread().Block)->Frees[sizeClass]++;
        // The OR above is a full fence: if the slab's owner filed it as Full before
        // merging, this read sees Full (see Central.cs).
        if (Volatile.Read(ref *(byte*)&s->State) == (byte)SlabState.Full)
            _centrals[sizeClass].OnRemoteFreeIntoFull(s);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void FreeOther(void* pointer, Slab* s)
    {
        if (pointer == null) ThrowHelper.NullPointer();
        if (_disposed) ThrowHelper.ObjectDisposed(nameof(Heap));
        nuint a = (nuint)pointer;
        if (s == null) ThrowHelper.NotOwned((nint)a);
        if (SlabClass.IsCollected(s->Kind) && s->State != SlabState.Free)
            ThrowHelper.InvalidOperation($"0x{a:x} is a collected object (from New): the collector frees it once it is unreachable. Drop its roots instead of calling Free, or allocate it with Alloc to manage it by hand.");
        if (s->State == SlabState.Scope)
            ThrowHelper.InvalidOperation($"0x{a:x} belongs to a scope; scope memory is freed when the scope is disposed, not with Free.");
        if (s->State != SlabState.Large) ThrowHelper.NotOwned((nint)a);
        if (a != s->Base) ThrowHelper.Interior((nint)a, (nint)s->Base);
        if (Interlocked.CompareExchange(ref *(byte*)&s->State, (byte)SlabState.Free, (byte)SlabState.Large) != (byte)SlabState.Large)
            ThrowHelper.DoubleFree((nint)a);
        if (s->Kind == SlabKind.ManualScan) Collector.OnLargeFreed(s);
        long bytes = (long)s->LargeSize;
        Interlocked.Increment(ref _largeFrees);
        Interlocked.Add(ref _largeBytesLive, -bytes);
        _pages.FreeSlab(s);
    }

    // ---- caches -----------------------------------------------------------------------

    /// <summary>The calling thread's cache for this heap, created on first use.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ThreadCache CacheForThread()
    {
        ThreadCache? cache = t_cache;
        if (cache != null && cache.Heap == this) return cache;
        return SwitchCache();
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private ThreadCache SwitchCache()
    {
        if (_disposed) ThrowHelper.ObjectDisposed(nameof(Heap));
        var others = t_otherCaches ??= new Dictionary<Heap, ThreadCache>(ReferenceEqualityComparer.Instance);
        if (t_cache != null && !t_cache.Heap.IsDisposed) others[t_cache.Heap] = t_cache;
        if (!others.Remove(this, out ThreadCache? cache))
        {
            cache = new ThreadCache(this);
            lock (_cacheLock)
            {
                if (_disposed) ThrowHelper.ObjectDisposed(nameof(Heap));
                cache.Block->Next = _caches;
                if (_caches != null) _caches->Prev = cache.Block;
                _caches = cache.Block;
            }
        }
        t_cache = cache;
        return cache;
    }

    /// <summary>The calling thread's cache for this heap (tests: to retire an ended thread's cache at a chosen moment).</summary>
    internal ThreadCache CurrentThreadCache() => CacheForThread();

    /// <summary>Called by a cache's finalizer once its thread has ended.</summary>
    internal void RetireCache(ThreadCache cache)
    {
        lock (_cacheLock)
        {
            if (_disposed) return;
            CacheBlock* b = cache.Block;
            ReleaseCurrentSlabs(b, collectedOnly: false);
            for (int c = 1; c < SizeClassTable.Count; c++)
            {
                _retired[2 * c] += b->Mallocs[c] + b->CollectedMallocs[c];
                _retired[2 * c + 1] += b->Frees[c];
            }
            if (b->Prev != null) b->Prev->Next = b->Next; else _caches = b->Next;
            if (b->Next != null) b->Next->Prev = b->Prev;
        }
        // Its thread ended; if that was inside a region, a pending collection no longer waits
        // for it. (Outside _cacheLock: the collector takes _cacheLock inside its own lock.)
        Collector.MutatorEnded();
    }

    /// <summary>
    /// Hands a cache's current slabs back to their central lists. The cache's thread must not
    /// be using them: it is the calling thread, it has ended, or (collectedOnly) it cannot
    /// allocate collected objects now because a collection holds every mutator at a safepoint.
    /// </summary>
    internal void ReleaseCurrentSlabs(CacheBlock* b, bool collectedOnly)
    {
        int first = collectedOnly ? SlabClass.Of(0, SlabKind.Collected) : 0;
        for (int sc = first; sc < SlabClass.Count; sc++)
        {
            Slab* s = (Slab*)b->Current[sc];
            if (s == ThreadCache.EmptySlab) continue;
            b->Current[sc] = (long)ThreadCache.EmptySlab;
            _centrals[sc].Release(s);
        }
    }

    /// <summary>Runs <paramref name="action"/> on every live cache block, under the cache lock.</summary>
    internal void ForEachCache(delegate*<Heap, CacheBlock*, void> action)
    {
        lock (_cacheLock)
        {
            for (CacheBlock* b = _caches; b != null; b = b->Next) action(this, b);
        }
    }

    // ---- maintenance ------------------------------------------------------------------

    /// <summary>
    /// Gives back what can be given back now: the calling thread's current slabs return to
    /// the central lists, its cache of free scope chunks to the page heap, frees from other threads are merged, empty slabs go back to the
    /// page heap and wholly free chunks to the operating system. Returns the bytes released.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The heap was disposed.</exception>
    public long Trim()
    {
        if (_disposed) ThrowHelper.ObjectDisposed(nameof(Heap));
        ThreadCache? cache = t_cache;
        if (cache != null && cache.Heap == this) ReleaseCurrentSlabs(cache.Block, collectedOnly: false);
        for (int c = 0; c < SlabClass.Count; c++) _centrals[c]?.Trim();
        TrimScopeCache();
        return _pages.ReleaseFreeChunks();
    }

    /// <summary>
    /// Checks the invariants of every layer (central lists, slabs, page heap). Compiled in
    /// with ARENA_DEBUG (<c>dotnet test -c Debug -p:ArenaDebug=true</c>); stress tests end with it.
    /// </summary>
    [System.Diagnostics.Conditional("ARENA_DEBUG")]
    internal void AssertValid()
    {
        foreach (Central? c in _centrals) c?.AssertValid();
        _pages.AssertValid();
    }

    /// <summary>A snapshot of this heap's statistics, with Go's MemStats names.</summary>
    /// <exception cref="ObjectDisposedException">The heap was disposed.</exception>
    public HeapStats GetStats()
    {
        if (_disposed) ThrowHelper.ObjectDisposed(nameof(Heap));
        return GetStatsUnchecked();
    }

    internal HeapStats GetStatsUnchecked()
    {
        var mallocs = new long[SizeClassTable.Count];
        var frees = new long[SizeClassTable.Count];
        lock (_cacheLock)
        {
            for (int c = 1; c < SizeClassTable.Count; c++)
            {
                mallocs[c] = _retired[2 * c];
                frees[c] = _retired[2 * c + 1];
            }
            for (CacheBlock* b = _caches; b != null; b = b->Next)
            {
                for (int c = 1; c < SizeClassTable.Count; c++)
                {
                    mallocs[c] += Volatile.Read(ref b->Mallocs[c]) + Volatile.Read(ref b->CollectedMallocs[c]);
                    frees[c] += Volatile.Read(ref b->Frees[c]);
                    // The slabs the cache holds count what they handed out (and a manual
                    // slab, took back) since they were last folded.
                    for (SlabKind k = SlabKind.Manual; k <= SlabKind.CollectedScan; k++)
                    {
                        Slab* s = (Slab*)Volatile.Read(ref b->Current[SlabClass.Of(c, k)]);
                        if (s == ThreadCache.EmptySlab) continue;
                        s->Pending(out int allocated, out int freed);
                        mallocs[c] += allocated;
                        frees[c] += freed;
                    }
                }
            }
        }
        Collector.AddSweptFrees(frees, out long sweptLarge, out long sweptLargeBytes);
        long heapAlloc = 0, totalAlloc = 0, objects = 0, allMallocs = 0, allFrees = 0;
        var bySize = new SizeClassStats[SizeClassTable.Count];
        long largeMallocs = Volatile.Read(ref _largeMallocs), largeFrees = Volatile.Read(ref _largeFrees) + sweptLarge;
        bySize[0] = new SizeClassStats(0, largeMallocs, largeFrees);
        for (int c = 1; c < SizeClassTable.Count; c++)
        {
            int size = SizeClassTable.ObjectSizes[c];
            bySize[c] = new SizeClassStats(size, mallocs[c], frees[c]);
            heapAlloc += (mallocs[c] - frees[c]) * size;
            totalAlloc += mallocs[c] * size;
            allMallocs += mallocs[c];
            allFrees += frees[c];
        }
        heapAlloc += Volatile.Read(ref _largeBytesLive) - sweptLargeBytes;
        totalAlloc += Volatile.Read(ref _largeBytesTotal);
        allMallocs += largeMallocs;
        allFrees += largeFrees;
        objects = allMallocs - allFrees;
        long inuse = _pages.InuseBytes, sys = _pages.SysBytes;
        CollectorStats gc = Collector.Snapshot();
        var scopes = ScopeStats();
        return new HeapStats
        {
            NumGC = gc.NumGC,
            NumMinorGC = gc.NumMinorGC,
            PauseTotalNs = gc.PauseTotalNs,
            LastPauseNs = gc.LastPauseNs,
            PauseNs = gc.RecentPausesNs,
            LastGC = gc.LastGC,
            NextGC = gc.NextGC,
            HeapLive = gc.HeapLive,
            GCCPUFraction = gc.GCCPUFraction,
            PendingCollection = gc.PendingCollection,
            MutatorsNotParked = gc.MutatorsNotParked,
            StopTotalNs = gc.StopTotalNs,
            LastStopNs = gc.LastStopNs,
            HeapAlloc = heapAlloc,
            HeapSys = sys,
            HeapInuse = inuse,
            HeapIdle = sys - inuse,
            HeapReleased = _pages.ReleasedBytes,
            HeapObjects = objects,
            TotalAlloc = totalAlloc,
            Mallocs = allMallocs,
            Frees = allFrees,
            BySize = bySize,
            StackInuse = scopes.Inuse,
            StackSys = scopes.Sys,
            ScopesOpened = scopes.Opened,
            OpenScopes = scopes.Open,
            ScopeSafepoints = scopes.Safepoints,
        };
    }

    /// <summary>
    /// Releases every byte this heap holds. Pointers into it become invalid; later calls
    /// throw <see cref="ObjectDisposedException"/>. Must not run concurrently with other
    /// use of the heap. The <see cref="Default"/> heap cannot be disposed.
    /// </summary>
    /// <exception cref="InvalidOperationException">Called on <see cref="Default"/>.</exception>
    public void Dispose()
    {
        if (ReferenceEquals(this, Default))
            ThrowHelper.InvalidOperation("Heap.Default lives as long as the process and cannot be disposed. Create a heap with new Heap(options) to dispose it.");
        lock (_cacheLock)
        {
            if (_disposed) return;
            _disposed = true;
            // Blocks stay allocated (their ThreadCache objects may still be reachable from
            // thread-statics); pointing them at the sentinel sends every allocation to the
            // slow path, which throws.
            for (CacheBlock* b = _caches; b != null; b = b->Next) ThreadCache.ResetToEmpty(b);
            _caches = null;
        }
        Collector.Shutdown();
        if (Checked) WriteBarrier.RemoveCheckedHeap(this);
        if (Options.Generational) WriteBarrier.CountGenerationalHeap(-1);
        DisposeScopes();
        _pages.DisposeAll();
    }
}
