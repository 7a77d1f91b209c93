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
// A generational heap's sweep files its full slabs on a third list, OldFull: after
// the sweep every object it keeps is old (its mark stays set), so a full slab then
// holds old objects only. Minor cycles free no old object and set no mark in such a
// slab, so their sweeps leave OldFull alone and count its bytes from a running sum;
// full cycles sweep it with the rest. Its slabs stay in state Full (their objects
// are traced and scanned as any full slab's); collected slabs take no remote frees,
// so OnRemoteFreeIntoFull never looks for them on Full.
//
// A paced cycle's sweep keeps the slabs it empties on Partial: the threads that
// triggered it are about to allocate as much again, and taking an empty slab back
// costs no page heap lock and no page-map writes (Acquire reuses an empty slab as it
// is). A slab still empty at the next sweep went unused for a whole cycle and goes
// back to the page heap then. Collect(), Trim, MemoryLimit and MaxBytes give empty slabs
// back at once (Collector.RunCycle decides).
//
// Concurrency: every list operation holds _lock. Go: mcentral.

using System.Diagnostics;
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
    /// <summary>A generational heap's full slabs of old objects only, as its last sweep left them.</summary>
    private Slab* _oldFull;
    /// <summary>Bytes of the objects on <see cref="_oldFull"/>: what a minor sweep counts without visiting them.</summary>
    private long _oldFullBytes;
    /// <summary>Slabs the sweeps have visited, cumulative (the slabs OldFull spared minor sweeps are not).</summary>
    private long _sweptSlabs;

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
            Slab* s = TakePartial(owner);
            if (s != null) return s;
        }
        return Fresh(owner);
    }

    /// <summary>
    /// A thread cache's refill: takes back <paramref name="exhausted"/>, the slab its owner
    /// used up, and returns a slab with free objects for <paramref name="owner"/>, as
    /// <see cref="Release"/> then <see cref="Acquire"/> would, under one hold of the lock.
    /// The partial slab is taken before the exhausted one is filed, so a slab with only a
    /// few free objects does not come straight back to the thread that just gave it up.
    /// </summary>
    public Slab* Exchange(Slab* exhausted, nint owner)
    {
        Heap.Fold(exhausted, (CacheBlock*)exhausted->Owner);
        Slab* s;
        lock (_lock)
        {
            s = TakePartial(owner);
            Disown(exhausted);
        }
        return s != null ? s : Fresh(owner);
    }

    /// <summary>The first partial slab with free objects, owned by <paramref name="owner"/>, or null. Caller holds the lock.</summary>
    private Slab* TakePartial(nint owner)
    {
        while (_partial != null)
        {
            Slab* s = _partial;
            Unlink(ref _partial, s);
            if (!Classify(s, keepEmpty: true)) continue;   // full: filed on Full
            Unlink(ref _partial, s);
            return Own(s, owner);
        }
        return null;
    }

    /// <summary>A new slab from the page heap, owned by <paramref name="owner"/>.</summary>
    private Slab* Fresh(nint owner)
    {
        Slab* fresh = _pages.AllocSlab(_slabPages, SizeClassTable.ObjectSizes[_sizeClass]);
        fresh->InitSmall(_sizeClass, _kind);
        return Own(fresh, owner);
    }

    /// <summary>Takes back a slab its owner is done with (exhausted, or the thread ended).</summary>
    public void Release(Slab* s)
    {
        Heap.Fold(s, (CacheBlock*)s->Owner);   // allocation is counted here and at refills, not at every object
        lock (_lock) Disown(s);
    }

    /// <summary>Files a folded slab its owner gave up. Caller holds the lock.</summary>
    private void Disown(Slab* s)
    {
        s->Owner = 0;
        Classify(s);
    }

    /// <summary>Called after a remote free saw the slab on Full: moves it to Partial.</summary>
    public void OnRemoteFreeIntoFull(Slab* s)
    {
        lock (_lock)
        {
            // Under this class's lock a descriptor that reads Full and this class is on
            // this class's Full list: state only leaves Full under this lock. (Collected slabs,
            // which may be on OldFull instead, take no remote frees.)
            if (s->State != SlabState.Full || s->SizeClass != _sizeClass || s->Kind != _kind) return;
            Debug.Assert(!SlabClass.IsCollected(_kind), "collected slabs take no remote frees");
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
            for (Slab* s = _oldFull; s != null; s = s->Next) visit(s, ref state);
        }
    }

    /// <summary>Slabs the sweeps of this class have visited, cumulative.</summary>
    public long SweptSlabs
    {
        get { lock (_lock) return _sweptSlabs; }
    }

    /// <summary>
    /// Sweeps every listed slab of a collected class (the collector holds every mutator at a
    /// safepoint and caches hold none of them): alloc bits become the mark bits, empty slabs go
    /// back to the page heap. With <paramref name="keepMarks"/> (a generational heap) the mark
    /// bits stay set: the survivors are old, and the slabs left full go on OldFull. A
    /// <paramref name="minor"/> sweep (a generational heap's minor cycle, which frees no old
    /// object) leaves OldFull as it is and counts its bytes without visiting it. Returns the
    /// objects freed; adds the bytes of the objects kept to <paramref name="liveBytes"/>. With
    /// <paramref name="keepEmpty"/> the slabs it empties stay on Partial for reuse; those it
    /// finds still empty from the sweep before go back to the page heap.
    /// </summary>
    public long SweepCollected(bool keepMarks, bool minor, bool keepEmpty, ref long liveBytes)
    {
        Debug.Assert(keepMarks || !minor, "only a generational heap has minor cycles");
        lock (_lock)
        {
            // Detach the lists, then sweep them one after another: each slab is filed anew.
            // (Joining them first would walk every slab of the first list once more.)
            Slab* partial = _partial, full = _full, oldFull = minor ? null : _oldFull;
            _partial = _full = null;
            if (minor) liveBytes += _oldFullBytes;
            else
            {
                _oldFull = null;
                _oldFullBytes = 0;
            }
            return SweepChain(partial, keepMarks, keepEmpty, ref liveBytes)
                 + SweepChain(full, keepMarks, keepEmpty, ref liveBytes)
                 + SweepChain(oldFull, keepMarks, keepEmpty, ref liveBytes);
        }
    }

    /// <summary>
    /// <see cref="SweepCollected"/> for one detached list, linked through Next: sweeps and files
    /// each slab. Returns the objects freed. Under the lock.
    /// </summary>
    private long SweepChain(Slab* all, bool keepMarks, bool keepEmpty, ref long liveBytes)
    {
        long freed = 0;
        while (all != null)
        {
            Slab* s = all;
            all = s->Next;
            s->Next = s->Prev = null;
            s->AssertNotGrey();
            _sweptSlabs++;
            if (s->AllocCount == 0)
            {
                // Empty since the last sweep kept it, and no thread took it since.
                _pages.FreeSlab(s);
                continue;
            }
            int words = s->Words;
            int live = Collector.MarkBitsKernel.Sweep(s->AllocBits, s->MarkBits, words, keepMarks);
            if (!keepMarks) s->SwapBitmaps();
            int tail = s->NElems & 63;
            if (tail != 0) s->AllocBits[words - 1] |= ~0UL << tail;
            freed += s->AllocCount - live;
            liveBytes += (long)live * s->ElemSize;
            s->AllocCount = live;
            s->HasOld = keepMarks && live > 0;
            if (s->HasOld) s->Chunk->HasOld = true;
            Classify(s, keepEmpty, old: keepMarks);
        }
        return freed;
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
            long oldBytes = 0;
            for (Slab* s = _oldFull; s != null; s = s->Next)
            {
                System.Diagnostics.Debug.Assert(s->State == SlabState.Full && s->SizeClass == _sizeClass && s->Kind == _kind && s->Owner == 0, "OldFull holds full slabs of its class");
                System.Diagnostics.Debug.Assert(SlabClass.IsCollected(_kind) && s->HasOld && s->Chunk->HasOld, "OldFull holds a generational heap's old slabs");
                s->AssertValid();
                oldBytes += (long)s->NElems * s->ElemSize;
            }
            System.Diagnostics.Debug.Assert(oldBytes == _oldFullBytes, "OldFull's byte count matches its slabs");
        }
    }

    /// <summary>
    /// Files an unlinked slab: frees it when empty (unless <paramref name="keepEmpty"/>), else
    /// puts it on Partial (returns true) or Full (returns false): on OldFull when the slab's
    /// objects are all <paramref name="old"/> (a generational sweep's survivors), where minor
    /// sweeps pass it over. Caller holds the lock.
    /// </summary>
    private bool Classify(Slab* s, bool keepEmpty = false, bool old = false)
    {
        s->State = SlabState.Full;
        if (!SlabClass.IsCollected(_kind))
        {
            // The Dekker handshake with remote frees (above). Collected slabs take none.
            Interlocked.MemoryBarrier();
            s->MergeRemoteFrees();
        }
        s->AssertValid();
        if (s->AllocCount == 0 && !keepEmpty)
        {
            _pages.FreeSlab(s);
            return false;
        }
        if (s->AllocCount == s->NElems)
        {
            if (old)
            {
                Push(ref _oldFull, s);
                _oldFullBytes += (long)s->NElems * s->ElemSize;
            }
            else Push(ref _full, s);
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
