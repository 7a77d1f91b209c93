// Central slab lists. See Heap.cs for the overview of the allocator.
//
// One Central per size class holds the slabs no thread cache owns: Partial
// (may have free objects) and Full. Thread caches take slabs from Partial, or
// a new slab from the page heap, and give back exhausted ones.
//
// Shards. The lists are split into shards (one per core, rounded up to a power
// of two, at most 16), each with its own lock, as jemalloc splits its arenas:
// every thread cache is given a shard when it is made (round robin), files the
// slabs it gives up there, and takes slabs from there first. A slab remembers
// its shard (Slab.Shard, set when a cache takes it), so a free into it by
// another thread, and the collector's sweep, file it back there. Without
// shards, every thread of a many-core machine that allocates and frees
// through one size class queues on one lock two or three times per slab. A
// cache whose shard has no partial slab looks at the others (a racy peek at
// each list head, then that shard's lock) before it takes new pages, so memory
// freed under one shard is reused by all.
//
// Frees by threads that do not own a slab set its RemoteBits atomically. The
// one race that matters: a slab put on Full while another thread frees into
// it must not stay on Full. Both sides use a full fence in between, so one of
// them sees the other (a Dekker handshake):
//   classify (under the lock): State = Full; fence; merge RemoteBits; move to
//                               Partial if anything was merged.
//   remote free:               OR the bit (a fence); read State; if Full, take
//                               the lock of the slab's shard and move the slab
//                               to Partial. A slab's shard changes only while a
//                               cache owns it, never while it is Full, so under
//                               a shard's lock "Full and of this shard" means
//                               "on this shard's Full list".
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
// A collected class's Full list is an array per shard (Shard.FullOrder), not a linked
// list: only Classify adds to it and only the sweep empties it (collected slabs take no
// remote frees, so none is ever unlinked from the middle). The sweep reads the array, so
// the loads of the descriptors ahead are started before the one at hand is swept;
// following links, each step waited for the previous descriptor's line, about 300 ns a
// slab on a 2-core virtual machine. Manual classes keep the linked Full list.
//
// A paced cycle's sweep keeps the slabs it empties on Partial: the threads that
// triggered it are about to allocate as much again, and taking an empty slab back
// costs no page heap lock and no page-map writes (Acquire reuses an empty slab as it
// is). A slab still empty at the next sweep went unused for a whole cycle and goes
// back to the page heap then. Collect(), Trim, MemoryLimit and MaxBytes give empty slabs
// back at once (Collector.RunCycle decides).
//
// Concurrency: every list operation holds its shard's lock. Go: mcentral.

using System.Diagnostics;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;
using Arena.Pages;
using Arena.SizeClasses;
using Arena.Slabs;

namespace Arena.Caches;

/// <summary>The slabs of one size class that no thread owns, in shards with a lock each. Go: mcentral.</summary>
internal sealed unsafe class Central
{
    /// <summary>One shard's lists (see the overview). Fields guarded by <see cref="Lock"/>.</summary>
    private sealed class Shard
    {
        public readonly Lock Lock = new();
        public Slab* Partial;
        public Slab* Full;
        /// <summary>A generational heap's full slabs of old objects only, as its last sweep left them.</summary>
        public Slab* OldFull;
        /// <summary>Bytes of the objects on <see cref="OldFull"/>: what a minor sweep counts without visiting them.</summary>
        public long OldFullBytes;
        /// <summary>Slabs the sweeps have visited, cumulative (the slabs OldFull spared minor sweeps are not).</summary>
        public long SweptSlabs;
        /// <summary>
        /// A collected class's full slabs, in the order they were filed, in place of
        /// <see cref="Full"/> (which only manual classes use): the sweep reads it and loads the
        /// descriptors ahead (see the overview).
        /// </summary>
        public nint[] FullOrder = [];
        /// <summary>The slabs in <see cref="FullOrder"/>.</summary>
        public int FullCount;
        /// <summary>The other array, which the sweep fills while it reads <see cref="FullOrder"/>.</summary>
        public nint[] FullOrderSpare = [];
    }

    private readonly Shard[] _shards;
    private readonly PageHeap _pages;
    private readonly int _sizeClass;
    private readonly SlabKind _kind;
    private readonly int _slabPages;

    /// <summary>A central of <paramref name="shards"/> shards (a power of two, at most 256).</summary>
    public Central(PageHeap pages, int sizeClass, SlabKind kind, int shards = 1)
    {
        Debug.Assert(shards is > 0 and <= 256 && BitOperations.IsPow2(shards), "a power of two that fits Slab.Shard");
        _pages = pages;
        _sizeClass = sizeClass;
        _kind = kind;
        _slabPages = SizeClassTable.SlabPages[sizeClass];
        _shards = new Shard[shards];
        for (int i = 0; i < shards; i++) _shards[i] = new Shard();
    }

    /// <summary>Shards for a heap on this machine: one per core, rounded up to a power of two, at most 16.</summary>
    public static int DefaultShards => (int)BitOperations.RoundUpToPowerOf2((uint)Math.Clamp(Environment.ProcessorCount, 1, 16));

    /// <summary>How many shards this central has.</summary>
    public int ShardCount => _shards.Length;

    /// <summary>
    /// A slab with free objects, owned by <paramref name="owner"/> from now on: from shard
    /// <paramref name="shard"/> first, then from the others, else new.
    /// </summary>
    public Slab* Acquire(nint owner, int shard = 0)
    {
        Shard home = _shards[shard];
        lock (home.Lock)
        {
            Slab* s = TakePartial(home, owner, shard);
            if (s != null) return s;
        }
        return Steal(owner, shard);
    }

    /// <summary>
    /// A thread cache's refill: takes back <paramref name="exhausted"/>, the slab its owner
    /// used up, and returns a slab with free objects for <paramref name="owner"/>, as
    /// <see cref="Release"/> then <see cref="Acquire"/> would, under one hold of the shard's
    /// lock when the owner's shard has a partial slab and the exhausted slab is of that shard.
    /// The partial slab is taken before the exhausted one is filed, so a slab with only a
    /// few free objects does not come straight back to the thread that just gave it up.
    /// </summary>
    public Slab* Exchange(Slab* exhausted, nint owner, int shard = 0)
    {
        Heap.Fold(exhausted, (CacheBlock*)exhausted->Owner);
        Slab* s;
        Shard home = _shards[shard];
        if (exhausted->Shard == shard)
        {
            lock (home.Lock)
            {
                s = TakePartial(home, owner, shard);
                Disown(home, exhausted);
            }
        }
        else
        {
            lock (home.Lock) s = TakePartial(home, owner, shard);
            Shard other = _shards[exhausted->Shard];
            lock (other.Lock) Disown(other, exhausted);
        }
        return s != null ? s : Steal(owner, shard);
    }

    /// <summary>
    /// A partial slab of another shard than <paramref name="shard"/>, else a new slab from the
    /// page heap, owned by <paramref name="owner"/> and moved to <paramref name="shard"/>. Each
    /// other shard's list head is peeked at without its lock first: an empty one costs no lock.
    /// </summary>
    private Slab* Steal(nint owner, int shard)
    {
        for (int i = 1; i < _shards.Length; i++)
        {
            Shard other = _shards[(shard + i) & (_shards.Length - 1)];
            if (other.Partial == null) continue;                  // a racy peek: only a hint
            lock (other.Lock)
            {
                Slab* s = TakePartial(other, owner, shard);
                if (s != null) return s;
            }
        }
        return Fresh(owner, shard);
    }

    /// <summary>
    /// The first partial slab of <paramref name="sh"/> with free objects, owned by
    /// <paramref name="owner"/> and moved to shard <paramref name="shard"/>, or null. Caller
    /// holds <paramref name="sh"/>'s lock.
    /// </summary>
    private Slab* TakePartial(Shard sh, nint owner, int shard)
    {
        while (sh.Partial != null)
        {
            Slab* s = sh.Partial;
            Unlink(ref sh.Partial, s);
            if (!Classify(sh, s, keepEmpty: true)) continue;   // full: filed on Full
            Unlink(ref sh.Partial, s);
            return Own(s, owner, shard);
        }
        return null;
    }

    /// <summary>A new slab from the page heap, owned by <paramref name="owner"/>, of shard <paramref name="shard"/>.</summary>
    private Slab* Fresh(nint owner, int shard)
    {
        Slab* fresh = _pages.AllocSlab(_slabPages, SizeClassTable.ObjectSizes[_sizeClass]);
        fresh->InitSmall(_sizeClass, _kind);
        if (_kind == SlabKind.ManualScan) Interlocked.Increment(ref fresh->Chunk->ManualScanSlabs);
        return Own(fresh, owner, shard);
    }

    /// <summary>Gives an empty slab of this class back to the page heap.</summary>
    private void FreeSlab(Slab* s)
    {
        if (_kind == SlabKind.ManualScan) Interlocked.Decrement(ref s->Chunk->ManualScanSlabs);
        _pages.FreeSlab(s);
    }

    /// <summary>Takes back a slab its owner is done with (exhausted, or the thread ended), into the slab's shard.</summary>
    public void Release(Slab* s)
    {
        Heap.Fold(s, (CacheBlock*)s->Owner);   // allocation is counted here and at refills, not at every object
        Shard sh = _shards[s->Shard];
        lock (sh.Lock) Disown(sh, s);
    }

    /// <summary>Files a folded slab its owner gave up. Caller holds <paramref name="sh"/>'s lock, the slab's shard.</summary>
    private void Disown(Shard sh, Slab* s)
    {
        Debug.Assert(_shards[s->Shard] == sh, "a slab is filed in its own shard");
        s->Owner = 0;
        Classify(sh, s);
    }

    /// <summary>Called after a remote free saw the slab on Full: moves it to Partial.</summary>
    public void OnRemoteFreeIntoFull(Slab* s)
    {
        Debug.Assert(!SlabClass.IsCollected(_kind), "collected slabs take no remote frees");
        while (true)
        {
            int shard = Volatile.Read(ref s->Shard);
            Shard sh = _shards[shard & (_shards.Length - 1)];
            lock (sh.Lock)
            {
                // Under a shard's lock a descriptor that reads Full, this class and this shard
                // is on this shard's Full list: state only leaves Full under that lock, and the
                // shard changes only while a cache owns the slab. (Collected slabs, which may be
                // on OldFull instead, take no remote frees.)
                if (s->State != SlabState.Full || s->SizeClass != _sizeClass || s->Kind != _kind) return;
                if (s->Shard != shard) continue;       // taken, and filed Full in another shard, since the read
                Unlink(ref sh.Full, s);
                s->State = SlabState.Partial;
                Push(ref sh.Partial, s);
                return;
            }
        }
    }

    /// <summary>Merges remote frees on every Partial slab and frees the empty ones.</summary>
    public void Trim()
    {
        foreach (Shard sh in _shards)
        {
            lock (sh.Lock)
            {
                Slab* s = sh.Partial;
                sh.Partial = null;
                while (s != null)
                {
                    Slab* next = s->Next;
                    s->Next = s->Prev = null;
                    Classify(sh, s);
                    s = next;
                }
            }
        }
    }

    /// <summary>Calls <paramref name="visit"/> on every listed slab, under each shard's lock in turn.</summary>
    public void ForEachSlab<TState>(delegate*<Slab*, ref TState, void> visit, ref TState state)
    {
        foreach (Shard sh in _shards)
        {
            lock (sh.Lock)
            {
                for (Slab* s = sh.Partial; s != null; s = s->Next) visit(s, ref state);
                for (Slab* s = sh.Full; s != null; s = s->Next) visit(s, ref state);
                for (int k = sh.FullCount - 1; k >= 0; k--) visit((Slab*)sh.FullOrder[k], ref state);
                for (Slab* s = sh.OldFull; s != null; s = s->Next) visit(s, ref state);
            }
        }
    }

    /// <summary>Slabs the sweeps of this class have visited, cumulative.</summary>
    public long SweptSlabs
    {
        get
        {
            long n = 0;
            foreach (Shard sh in _shards) lock (sh.Lock) n += sh.SweptSlabs;
            return n;
        }
    }

    /// <summary>
    /// Sweeps every listed slab of shard <paramref name="shard"/> of a collected class, under
    /// that shard's lock (the collector holds every mutator at a safepoint and caches hold none
    /// of the slabs; other shards may be swept by other workers at the same time): alloc bits
    /// become the mark bits, empty slabs go back to the page heap. With
    /// <paramref name="keepMarks"/> (a generational heap) the mark bits stay set: the survivors
    /// are old, and the slabs left full go on OldFull. A <paramref name="minor"/> sweep (a
    /// generational heap's minor cycle, which frees no old object) leaves OldFull as it is and
    /// counts its bytes without visiting it. Returns the objects freed; adds the bytes of the
    /// objects kept to <paramref name="liveBytes"/>. With <paramref name="keepEmpty"/> the slabs
    /// it empties stay on Partial for reuse; those it finds still empty from the sweep before go
    /// back to the page heap. Each slab stays in its shard.
    /// </summary>
    public long SweepShard(int shard, bool keepMarks, bool minor, bool keepEmpty, ref long liveBytes)
    {
        Debug.Assert(keepMarks || !minor, "only a generational heap has minor cycles");
        Debug.Assert(SlabClass.IsCollected(_kind), "only collected classes are swept");
        Shard sh = _shards[shard];
        lock (sh.Lock)
        {
            // Detach the lists, then sweep them one after another: each slab is filed anew.
            // (Joining them first would walk every slab of the first list once more.)
            Slab* partial = sh.Partial, oldFull = minor ? null : sh.OldFull;
            sh.Partial = null;
            if (minor) liveBytes += sh.OldFullBytes;
            else
            {
                sh.OldFull = null;
                sh.OldFullBytes = 0;
            }
            // The full slabs' array: swap in the spare, which Classify fills as it files.
            nint[] order = sh.FullOrder;
            int count = sh.FullCount;
            sh.FullOrder = sh.FullOrderSpare;
            sh.FullOrderSpare = order;
            sh.FullCount = 0;
            return SweepChain(sh, partial, keepMarks, keepEmpty, ref liveBytes)
                 + SweepOrder(sh, order, count, keepMarks, keepEmpty, ref liveBytes)
                 + SweepChain(sh, oldFull, keepMarks, keepEmpty, ref liveBytes);
        }
    }

    /// <summary>
    /// <see cref="SweepShard"/> for one detached list of shard <paramref name="sh"/>, linked
    /// through Next: sweeps and files each slab. Returns the objects freed. Under the shard's lock.
    /// </summary>
    private long SweepChain(Shard sh, Slab* all, bool keepMarks, bool keepEmpty, ref long liveBytes)
    {
        long freed = 0;
        while (all != null)
        {
            Slab* s = all;
            all = s->Next;
            freed += SweepSlab(sh, s, keepMarks, keepEmpty, ref liveBytes);
        }
        return freed;
    }

    /// <summary>
    /// <see cref="SweepShard"/> for the full slabs of shard <paramref name="sh"/>, the first
    /// <paramref name="count"/> entries of <paramref name="order"/> (in the order they were
    /// filed), read from the end, newest first, as a list would give them.
    /// Reading an array instead of following each slab's link lets the loads of the slabs
    /// ahead start before the current one is done: the descriptors' lines the sweep reads (the
    /// two header lines and the first line of each bitmap) are prefetched <c>SweepAhead</c>
    /// slabs ahead. Under the shard's lock.
    /// </summary>
    private long SweepOrder(Shard sh, nint[] order, int count, bool keepMarks, bool keepEmpty, ref long liveBytes)
    {
        long freed = 0;
        for (int i = count - 1; i >= 0; i--)
        {
            if (Sse.IsSupported && i >= SweepAhead)
            {
                byte* ahead = (byte*)order[i - SweepAhead];
                Sse.Prefetch0(ahead);
                Sse.Prefetch0(ahead + 64);
                Sse.Prefetch0(ahead + Slab.BitsAOffset);
                Sse.Prefetch0(ahead + Slab.BitsBOffset);
            }
            freed += SweepSlab(sh, (Slab*)order[i], keepMarks, keepEmpty, ref liveBytes);
        }
        return freed;
    }

    /// <summary>How many slabs ahead <see cref="SweepOrder"/> prefetches.</summary>
    private const int SweepAhead = 8;

    /// <summary>Files a full slab of a collected class in the shard's <see cref="Shard.FullOrder"/>. Under the shard's lock.</summary>
    private static void AppendFull(Shard sh, Slab* s)
    {
        if (sh.FullCount == sh.FullOrder.Length) Array.Resize(ref sh.FullOrder, Math.Max(64, sh.FullOrder.Length * 2));
        sh.FullOrder[sh.FullCount++] = (nint)s;
    }

    /// <summary>
    /// Sweeps one unlinked slab of shard <paramref name="sh"/> and files it (see
    /// <see cref="SweepShard"/>). Returns the objects freed. Under the shard's lock.
    /// </summary>
    private long SweepSlab(Shard sh, Slab* s, bool keepMarks, bool keepEmpty, ref long liveBytes)
    {
        s->Next = s->Prev = null;
        s->AssertNotGrey();
        sh.SweptSlabs++;
        if (s->AllocCount == 0)
        {
            // Empty since the last sweep kept it, and no thread took it since.
            FreeSlab(s);
            return 0;
        }
        int words = s->Words;
        int live = Collector.MarkBitsKernel.Sweep(s->AllocBits, s->MarkBits, words, keepMarks);
        if (!keepMarks) s->SwapBitmaps();
        int tail = s->NElems & 63;
        if (tail != 0) s->AllocBits[words - 1] |= ~0UL << tail;
        long freed = s->AllocCount - live;
        liveBytes += (long)live * s->ElemSize;
        s->AllocCount = live;
        s->HasOld = keepMarks && live > 0;
        if (s->HasOld) s->Chunk->HasOld = true;
        Classify(sh, s, keepEmpty, old: keepMarks);
        return freed;
    }

    /// <summary>
    /// Checks every listed slab: its state matches its list, its class is this one, its shard
    /// is the list's, its counts agree with its bits. Compiled in with ARENA_DEBUG.
    /// </summary>
    [System.Diagnostics.Conditional("ARENA_DEBUG")]
    public void AssertValid()
    {
        for (int i = 0; i < _shards.Length; i++)
        {
            Shard sh = _shards[i];
            lock (sh.Lock)
            {
                for (Slab* s = sh.Partial; s != null; s = s->Next)
                {
                    System.Diagnostics.Debug.Assert(s->State == SlabState.Partial && s->SizeClass == _sizeClass && s->Kind == _kind && s->Owner == 0 && s->Shard == i, "partial list holds partial slabs of its class and shard");
                    s->AssertValid();
                }
                void CheckFull(Slab* s, int shard)
                {
                    System.Diagnostics.Debug.Assert(s->State == SlabState.Full && s->SizeClass == _sizeClass && s->Kind == _kind && s->Owner == 0 && s->Shard == shard, "full list holds full slabs of its class and shard");
                    s->AssertValid();
                }
                for (Slab* s = sh.Full; s != null; s = s->Next) CheckFull(s, i);
                for (int k = 0; k < sh.FullCount; k++) CheckFull((Slab*)sh.FullOrder[k], i);
                System.Diagnostics.Debug.Assert(SlabClass.IsCollected(_kind) ? sh.Full == null : sh.FullCount == 0, "a collected class files its full slabs in FullOrder, a manual one on Full");
                long oldBytes = 0;
                for (Slab* s = sh.OldFull; s != null; s = s->Next)
                {
                    System.Diagnostics.Debug.Assert(s->State == SlabState.Full && s->SizeClass == _sizeClass && s->Kind == _kind && s->Owner == 0 && s->Shard == i, "OldFull holds full slabs of its class and shard");
                    System.Diagnostics.Debug.Assert(SlabClass.IsCollected(_kind) && s->HasOld && s->Chunk->HasOld, "OldFull holds a generational heap's old slabs");
                    s->AssertValid();
                    oldBytes += (long)s->NElems * s->ElemSize;
                }
                System.Diagnostics.Debug.Assert(oldBytes == sh.OldFullBytes, "OldFull's byte count matches its slabs");
            }
        }
    }

    /// <summary>
    /// Files an unlinked slab of shard <paramref name="sh"/>: frees it when empty (unless
    /// <paramref name="keepEmpty"/>), else puts it on Partial (returns true) or Full (returns
    /// false): on OldFull when the slab's objects are all <paramref name="old"/> (a generational
    /// sweep's survivors), where minor sweeps pass it over. Caller holds the shard's lock.
    /// </summary>
    private bool Classify(Shard sh, Slab* s, bool keepEmpty = false, bool old = false)
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
            FreeSlab(s);
            return false;
        }
        if (s->AllocCount == s->NElems)
        {
            if (old)
            {
                Push(ref sh.OldFull, s);
                sh.OldFullBytes += (long)s->NElems * s->ElemSize;
            }
            else if (SlabClass.IsCollected(_kind)) AppendFull(sh, s);
            else Push(ref sh.Full, s);
            return false;
        }
        s->State = SlabState.Partial;
        Push(ref sh.Partial, s);
        return true;
    }

    private static Slab* Own(Slab* s, nint owner, int shard)
    {
        s->Owner = owner;
        s->State = SlabState.Cached;
        s->Shard = shard;
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
