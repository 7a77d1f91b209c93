// Central slab lists. See Heap.cs for the overview of the allocator.
//
// One Central per size class holds the slabs no thread cache owns: Partial
// (may have free objects) and Full. Thread caches take slabs from Partial, or
// a new slab from the page heap, and give back exhausted ones.
//
// Frees by threads that do not own a slab set its RemoteBits atomically. The
// one race that matters: a slab put on Full while another thread frees into
// it must not stay on Full. Both sides use a full fence in between, so one of
// them sees the other (a Dekker handshake):
//   classify (under the lock): State = Full; fence; merge RemoteBits; move to
//                               Partial if anything was merged.
//   remote free:               OR the bit (a fence); read State; if Full, take
//                               the lock and move the slab to Partial.
// A slab whose count drops to zero when classified goes back to the page heap.
//
// Concurrency: every list operation holds _lock. Go: mcentral.

using System.Runtime.CompilerServices;
using Arena.Pages;
using Arena.SizeClasses;
using Arena.Slabs;

namespace Arena.Caches;

/// <summary>The slabs of one size class that no thread owns. Go: mcentral.</summary>
internal sealed unsafe class Central
{
    private readonly Lock _lock = new();
    private readonly PageHeap _pages;
    private readonly int _sizeClass;
    private readonly SlabKind _kind;
    private readonly int _slabPages;
    private Slab* _partial;
    private Slab* _full;

    public Central(PageHeap pages, int sizeClass, SlabKind kind)
    {
        _pages = pages;
        _sizeClass = sizeClass;
        _kind = kind;
        _slabPages = SizeClassTable.SlabPages[sizeClass];
    }

    /// <summary>A slab with free objects, owned by <paramref name="owner"/> from now on.</summary>
    public Slab* Acquire(nint owner)
    {
        lock (_lock)
        {
            while (_partial != null)
            {
                Slab* s = _partial;
                Unlink(ref _partial, s);
                if (!Classify(s)) continue;       // full, or empty and freed
                Unlink(ref _partial, s);
                return Own(s, owner);
            }
        }
        Slab* fresh = _pages.AllocSlab(_slabPages, SizeClassTable.ObjectSizes[_sizeClass]);
        fresh->InitSmall(_sizeClass, _kind);
        return Own(fresh, owner);
    }

    /// <summary>Takes back a slab its owner is done with (exhausted, or the thread ended).</summary>
    public void Release(Slab* s)
    {
        Heap.Fold(s, (CacheBlock*)s->Owner);   // allocation is counted here and at refills, not at every object
        lock (_lock)
        {
            s->Owner = 0;
            Classify(s);
        }
    }

    /// <summary>Called after a remote free saw the slab on Full: moves it to Partial.</summary>
    public void OnRemoteFreeIntoFull(Slab* s)
    {
        lock (_lock)
        {
            // Under this class's lock a descriptor that reads Full and this class is on
            // this class's Full list: state only leaves Full under this lock.
            if (s->State != SlabState.Full || s->SizeClass != _sizeClass || s->Kind != _kind) return;
            Unlink(ref _full, s);
            s->State = SlabState.Partial;
            Push(ref _partial, s);
        }
    }

    /// <summary>Merges remote frees on every Partial slab and frees the empty ones.</summary>
    public void Trim()
    {
        lock (_lock)
        {
            Slab* s = _partial;
            _partial = null;
            while (s != null)
            {
                Slab* next = s->Next;
                s->Next = s->Prev = null;
                Classify(s);
                s = next;
            }
        }
    }

    /// <summary>Calls <paramref name="visit"/> on every listed slab, under the lock.</summary>
    public void ForEachSlab<TState>(delegate*<Slab*, ref TState, void> visit, ref TState state)
    {
        lock (_lock)
        {
            for (Slab* s = _partial; s != null; s = s->Next) visit(s, ref state);
            for (Slab* s = _full; s != null; s = s->Next) visit(s, ref state);
        }
    }

    /// <summary>
    /// Sweeps every listed slab of a collected class (the collector holds every mutator at a
    /// safepoint and caches hold none of them): alloc bits become the mark bits, empty slabs go
    /// back to the page heap. With <paramref name="keepMarks"/> (a generational heap) the mark
    /// bits stay set: the survivors are old. Returns the objects freed; adds the bytes of the
    /// objects kept to <paramref name="liveBytes"/>.
    /// </summary>
    public long SweepCollected(bool keepMarks, ref long liveBytes)
    {
        lock (_lock)
        {
            // Detach both lists into one chain first: Classify files each slab anew.
            Slab* all = _partial;
            if (all == null) all = _full;
            else
            {
                Slab* tail = all;
                while (tail->Next != null) tail = tail->Next;
                tail->Next = _full;
            }
            _partial = _full = null;
            long freed = 0;
            while (all != null)
            {
                Slab* s = all;
                all = s->Next;
                s->Next = s->Prev = null;
                s->AssertNotGrey();
                int words = s->Words;
                int live = Collector.MarkBitsKernel.Sweep(s->AllocBits, s->MarkBits, words, keepMarks);
                int tail = s->NElems & 63;
                if (tail != 0) s->AllocBits[words - 1] |= ~0UL << tail;
                freed += s->AllocCount - live;
                liveBytes += (long)live * s->ElemSize;
                s->AllocCount = live;
                s->HasOld = keepMarks && live > 0;
                if (s->HasOld) s->Chunk->HasOld = true;
                Classify(s);
            }
            return freed;
        }
    }

    /// <summary>
    /// Checks every listed slab: its state matches its list, its class is this one, its
    /// counts agree with its bits. Compiled in with ARENA_DEBUG.
    /// </summary>
    [System.Diagnostics.Conditional("ARENA_DEBUG")]
    public void AssertValid()
    {
        lock (_lock)
        {
            for (Slab* s = _partial; s != null; s = s->Next)
            {
                System.Diagnostics.Debug.Assert(s->State == SlabState.Partial && s->SizeClass == _sizeClass && s->Kind == _kind && s->Owner == 0, "partial list holds partial slabs of its class");
                s->AssertValid();
            }
            for (Slab* s = _full; s != null; s = s->Next)
            {
                System.Diagnostics.Debug.Assert(s->State == SlabState.Full && s->SizeClass == _sizeClass && s->Kind == _kind && s->Owner == 0, "full list holds full slabs of its class");
                s->AssertValid();
            }
        }
    }

    /// <summary>
    /// Files an unlinked slab: frees it when empty, else puts it on Partial (returns true)
    /// or Full (returns false). Caller holds the lock.
    /// </summary>
    private bool Classify(Slab* s)
    {
        s->State = SlabState.Full;
        Interlocked.MemoryBarrier();
        s->MergeRemoteFrees();
        s->AssertValid();
        if (s->AllocCount == 0)
        {
            _pages.FreeSlab(s);
            return false;
        }
        if (s->AllocCount == s->NElems)
        {
            Push(ref _full, s);
            return false;
        }
        s->State = SlabState.Partial;
        Push(ref _partial, s);
        return true;
    }

    private static Slab* Own(Slab* s, nint owner)
    {
        s->Owner = owner;
        s->State = SlabState.Cached;
        s->FreeIndex = 0;
        s->RefillCache();
        return s;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Push(ref Slab* head, Slab* s)
    {
        s->Prev = null;
        s->Next = head;
        if (head != null) head->Prev = s;
        head = s;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Unlink(ref Slab* head, Slab* s)
    {
        if (s->Prev != null) s->Prev->Next = s->Next; else head = s->Next;
        if (s->Next != null) s->Next->Prev = s->Prev;
        s->Next = s->Prev = null;
    }
}
