// Collected allocation, roots and safepoints. See Collector/Collector.cs for the overview.

using System.Runtime.CompilerServices;
using Arena.Caches;
using Arena.Diagnostics;
using Arena.SizeClasses;
using Arena.Slabs;

namespace Arena;

public sealed unsafe partial class Heap
{
    /// <summary>
    /// Allocates a zeroed, collected <typeparamref name="T"/>: it lives while it is reachable
    /// from a root (a <see cref="Root{T}"/>, an open scope's memory, or a manual object) through
    /// <see cref="Ptr{T}"/> fields, and is freed by a collection after that.
    /// Only a mutator may call it: a thread with an open scope on this heap.
    /// </summary>
    /// <exception cref="InvalidOperationException">The calling thread has no open scope on this heap.</exception>
    /// <exception cref="ArenaOutOfMemoryException">Past <see cref="HeapOptions.MaxBytes"/>.</exception>
    /// <exception cref="ObjectDisposedException">The heap was disposed.</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Ptr<T> New<T>() where T : unmanaged, IArenaType<T>
    {
        // One thread-static read serves the mutator check and the allocation.
        ThreadCache? cache = t_cache;
        if (cache != null && cache.Heap == this) return NewWith<T>(cache);
        return NewSlow<T>(CacheForThread());
    }

    /// <summary><see cref="New{T}"/> from <paramref name="cache"/>, this heap's cache of the calling thread.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal Ptr<T> NewWith<T>(ThreadCache cache) where T : unmanaged, IArenaType<T>
    {
        if (IsMutator(cache))
        {
            T* p = (T*)TryAllocFast(cache.Block, CollectedLayout<T>.CollectedSlabClass, TypeLayout<T>.ElemSize, out Slab* s);
            if (p != null)
            {
                *p = default;
                if (CollectedLayout<T>.IsScanned) CollectedLayout<T>.WritePointerBits(s, p);
                return new Ptr<T>(p);
            }
        }
        return NewSlow<T>(cache);
    }

    /// <summary>
    /// <see cref="New{T}"/> past the fast path: the current slab's cache word is used up (every
    /// 64 objects), the slab is full, or the object is large. <paramref name="cache"/> is the
    /// calling thread's cache of this heap.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private Ptr<T> NewSlow<T>(ThreadCache cache) where T : unmanaged, IArenaType<T>
    {
        int slabClass = CollectedLayout<T>.CollectedSlabClass;
        T* p = (T*)AllocCollectedWith(cache, slabClass, TypeLayout<T>.Size, TypeLayout<T>.Alignment);
        *p = default;
        if (CollectedLayout<T>.IsScanned)
        {
            // A small object came from the cache's current slab of its class (AllocSlow makes a
            // fresh slab current before taking from it); a large one has a slab of its own.
            Slab* s = TypeLayout<T>.SizeClass != 0
                ? (Slab*)cache.Block->Current[slabClass]
                : Arena.Pages.AddressMap.Lookup((nuint)p)->SlabOf((nuint)p);
            CollectedLayout<T>.WritePointerBitsOrStamp(s, p);
        }
        return new Ptr<T>(p);
    }

    /// <summary>
    /// Allocates a zeroed, collected array of <paramref name="length"/> elements (see
    /// <see cref="New{T}"/>); returns its first element. Its elements' pointers are traced.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Negative length, or a size past 1 TiB.</exception>
    /// <exception cref="InvalidOperationException">The calling thread has no open scope on this heap.</exception>
    /// <exception cref="ArenaOutOfMemoryException">Past <see cref="HeapOptions.MaxBytes"/>.</exception>
    public Ptr<T> NewArray<T>(int length) where T : unmanaged, IArenaType<T>
    {
        if (length < 0) throw new ArgumentOutOfRangeException(nameof(length), length, "Length must be 0 or more.");
        long bytes = (long)length * TypeLayout<T>.Size;
        if (bytes > MaxRequest) ThrowHelper.SizeOutOfRange((nint)bytes, MaxRequest);
        // An empty array holds no pointer: it goes where nothing is scanned, since its slot's
        // pointer bits and words are whatever an earlier object left there.
        bool scan = CollectedLayout<T>.IsScanned && length > 0;
        int sizeClass = bytes <= SizeClassTable.MaxSmallSize ? SizeClassTable.ForSizeAndAlignment((int)Math.Max(bytes, 1), TypeLayout<T>.Alignment) : 0;
        int slabClass = SlabClass.Of(sizeClass, scan ? SlabKind.CollectedScan : SlabKind.Collected);
        T* p = (T*)AllocCollectedWith(CacheForThread(), slabClass, (nint)bytes, TypeLayout<T>.Alignment);
        new Span<byte>(p, checked((int)Math.Min(bytes, int.MaxValue))).Clear();
        if (bytes > int.MaxValue) System.Runtime.InteropServices.NativeMemory.Clear((byte*)p + int.MaxValue, (nuint)(bytes - int.MaxValue));
        if (scan && length > 0)
        {
            Arena.Collector.HeapBits.Write((nuint)p, CollectedLayout<T>.PointerMap, (TypeLayout<T>.Size + 7) / 8, length,
                sizeClass != 0 ? SizeClassTable.ObjectSizes[sizeClass] / 8 : 0);
            // The array's bits are not any type's slot pattern: its slab is no longer stamped.
            Arena.Pages.Chunk* c = Arena.Pages.AddressMap.Lookup((nuint)p);
            c->SlabOf((nuint)p)->PtrStamp = 0;
        }
        return new Ptr<T>(p);
    }

    /// <summary>A collected object of <paramref name="slabClass"/> from <paramref name="cache"/>, the calling thread's cache: a mutator's only.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void* AllocCollectedWith(ThreadCache cache, int slabClass, nint size, int alignment)
    {
        if (!IsMutator(cache)) NotAMutator();
        return AllocClassWith(cache.Block, slabClass, size, alignment);
    }

    /// <summary>Whether the thread owning <paramref name="cache"/> is inside a mutator region (an open scope) of this heap.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool IsMutator(ThreadCache cache) => cache.Block->Mutator != Arena.Collector.Collector.Idle;

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void NotAMutator()
    {
        if (_disposed) ThrowHelper.ObjectDisposed(nameof(Heap));
        ThrowHelper.InvalidOperation(
                "Collected objects (New, NewArray) can only be allocated inside a scope: open one with " +
                "`using var scope = heap.Scope();` on this thread first. Outside a scope another thread's " +
                "collection could free the new object before it is rooted.");
    }

    /// <summary>
    /// Roots <paramref name="target"/>: it and everything reachable from it stay alive until the
    /// returned handle is disposed. Null may be rooted (and retargeted later).
    /// </summary>
    /// <exception cref="ObjectDisposedException">The heap was disposed.</exception>
    public Root<T> Root<T>(Ptr<T> target) where T : unmanaged
    {
        if (_disposed) ThrowHelper.ObjectDisposed(nameof(Heap));
        var (slot, generation) = Collector.Roots.Add(target.Address);
        return new Root<T>(this, slot, generation);
    }

    /// <summary>
    /// Runs a collection now and returns when it has completed. Called by a mutator, it is a
    /// safepoint; called by another thread it waits until every mutator has reached one
    /// (<see cref="HeapStats.MutatorsNotParked"/> shows who it waits for). On a generational
    /// heap it is a full collection: every unreachable object is freed, old or young.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The heap was disposed.</exception>
    public void Collect()
    {
        if (_disposed) ThrowHelper.ObjectDisposed(nameof(Heap));
        Collector.Collect(MutatorBlock());
    }

    /// <summary>
    /// As <see cref="Collect"/>, but on a generational heap the cycle is minor unless a full one
    /// is due (as a paced cycle). For tests.
    /// </summary>
    internal void CollectMinor()
    {
        if (_disposed) ThrowHelper.ObjectDisposed(nameof(Heap));
        Collector.Collect(MutatorBlock(), full: false);
    }

    /// <summary>
    /// A safepoint: if a collection is pending, the calling mutator parks until it has run.
    /// Costs one load and a predictable branch when none is pending. Objects the caller holds
    /// only in locals must be rooted (or stored in scope memory) before calling it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Safepoint()
    {
        if (Collector.Pending) Collector.Safepoint(MutatorBlock());
    }

    /// <summary>
    /// Go's GOGC: a collection starts when collected allocation since the last one reaches
    /// GCPercent percent of the live heap (plus roots), and at least 4 MiB × GCPercent / 100. -1 turns pacing
    /// off (MemoryLimit and Collect still collect). Default 100.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Less than -1.</exception>
    public int GCPercent
    {
        get => Collector.GCPercent;
        set => Collector.GCPercent = value;
    }

    /// <summary>
    /// Go's GOMEMLIMIT, a soft limit: once the heap's in-use bytes reach it, a collection is
    /// requested at every slab refill, whatever GCPercent says. Default: none (long.MaxValue).
    /// Unlike <see cref="HeapOptions.MaxBytes"/> it never makes an allocation fail.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Zero or negative.</exception>
    public long MemoryLimit
    {
        get => Collector.MemoryLimit;
        set => Collector.MemoryLimit = value;
    }

    /// <summary>
    /// Enters a mutator region on the calling thread (scopes call this when their outermost
    /// scope opens). Waits while a collection runs, or while the world is being stopped for one.
    /// </summary>
    internal void EnterMutator()
    {
        ThreadCache cache = CacheForThread();
        if (IsMutator(cache)) ThrowHelper.InvalidOperation("This thread is already inside a mutator region of this heap.");
        Collector.EnterMutator(cache.Block);
    }

    /// <summary>Leaves the mutator region (scopes call this when their outermost scope closes): a safepoint.</summary>
    internal void ExitMutator()
    {
        ThreadCache cache = CacheForThread();
        if (!IsMutator(cache)) ThrowHelper.InvalidOperation("This thread is not inside a mutator region of this heap.");
        Collector.ExitMutator(cache.Block);
    }

    /// <summary>Whether the calling thread is inside a mutator region (an open scope) of this heap.</summary>
    internal bool CallingThreadIsMutator => MutatorBlock() != null;

    /// <summary>The calling thread's cache block when it is a mutator of this heap, else null.</summary>
    private CacheBlock* MutatorBlock()
    {
        ThreadCache cache = CacheForThread();
        return IsMutator(cache) ? cache.Block : null;
    }

    /// <summary>Threads whose mutator state is Running: the collection waits for them.</summary>
    internal int RunningMutators()
    {
        int running = 0;
        lock (_cacheLock)
        {
            for (CacheBlock* b = _caches; b != null; b = b->Next)
                if (Volatile.Read(ref b->Mutator) == Arena.Collector.Collector.Running) running++;
        }
        return running;
    }
}
