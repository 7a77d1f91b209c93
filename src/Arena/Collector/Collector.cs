// The collector: overview. Other collector files say "See Collector.cs".
//
// A precise, stop-the-world, tri-colour mark-sweep collector over the slabs, as Go's
// (runtime/mgc.go, mgcmark.go, mgcsweep.go, mgcpacer.go), with roots made explicit
// because .NET stacks cannot be scanned by a library.
//
// Glossary
//   collected object  allocated by New/NewArray in a Collected or CollectedScan slab;
//                     freed by the collector once unreachable. Never by Free.
//   traced object     one whose pointer words are recorded in the chunk's heap bits:
//                     CollectedScan and ManualScan objects (arena types with Ptr fields).
//   roots             Root<T> handles; every manual traced object (never collected),
//                     pooled ones included, found slab by slab through the page maps
//                     (ScanManualRoots); the memory of open scopes (scanned
//                     conservatively: any word that points into a collected object keeps it).
//   mutator           a thread inside a mutator region of this heap (an open scope).
//   safepoint         Safepoint(), Collect(), or leaving the outermost mutator region.
//   white/grey/black  unmarked / marked and on a work list / marked and scanned.
//
// A collection (Go: gcStart → mark → mark termination → sweep)
//   1. Requested: by the pacer when collected allocation reaches NextGC (or the heap
//      passes MemoryLimit), or by Collect(). Allocation never waits: it only sets
//      Pending, visible in HeapStats with the mutators not yet parked.
//   2. Stop: each mutator that reaches a safepoint while Pending parks. The thread that
//      parks last (no mutator left Running) runs the cycle (a non-mutator calling Collect() waits
//      for that moment and runs it itself). New mutators wait while a cycle runs, and
//      while one is stopping the world (a thread has parked for it).
//      Entering and leaving the mutators take no lock and touch no shared cache line
//      while nothing is pending: each thread writes its own state (EnterMutator).
//   3. Flush: every thread cache hands its collected slabs back to the central lists,
//      so the sweep sees each collected slab once and no cache holds stale free indexes.
//   4. Mark roots, then drain the grey work lists on every core (Go's gcDrain). Each
//      worker has a private list; a worker with plenty shares half through a global
//      list that idle workers take from (Go's work.full). Interior pointers mark their
//      object. Small traced objects are marked by slab, as Go 1.25's Green Tea marks by
//      span: greying one sets its grey bit and queues its slab once (first in, first
//      out, so that more of its objects turn grey while it waits); the worker that takes
//      the slab marks and scans its grey objects in address order, upward or downward as
//      its data points (WorkList.NoteScanPasses), and greys those its objects point to in
//      the same slab without a lookup or a push (ScanSlab). Only
//      that worker writes the slab's mark bits; others set grey bits, atomically when
//      several workers run, as they set the marks of pointer-free and large objects.
//   5. Sweep, eagerly, while the world is still stopped: per slab, alloc bits become the
//      mark bits (Go's design 12800), marks clear, live objects are counted with the
//      SIMD kernel (MarkBits.Simd.cs); dead large objects go back to the page heap, and so
//      do empty slabs: at once after Collect(), past MemoryLimit or under a MaxBytes limit;
//      otherwise they stay with their class for the allocations after the cycle, and those
//      still unused at the next cycle's sweep go back then (Central.cs). Eager, not lazy as
//      Go's: the world is stopped anyway, the bitmap swap costs a few vector instructions
//      per slab, and no sweep generations are needed. It runs on every mark worker, shard
//      by shard of the central lists (SweepShards).
//   6. Pace: NextGC = live + (live + roots) × GCPercent / 100, at least
//      4 MiB × GCPercent / 100 (Go's heapMinimum).
//   7. Start the world: clear Pending, wake the parked mutators.
//
// Generational mode (HeapOptions.Generational; sticky mark bits, as MMTk's StickyImmix
// and Ruby's RGenGC): the sweep keeps the mark bits, so after a cycle every survivor is
// old (marked) and every object allocated since is young (allocated, unmarked). A minor
// cycle marks as above, but Shade stops at marked objects, so old objects are not traced
// again; the old objects that may point to young ones are found through the card table
// that the write barrier keeps (WriteBarrier.MarkCard): the marked objects under dirty
// cards are scanned (only their words under the card) as extra roots. The sweep then frees
// the unreached young objects and keeps every old one, dead or not. A full cycle clears
// every mark bit first and is the non-generational cycle. Full cycles run at Collect(),
// past MemoryLimit, and when the old objects have grown by GCPercent percent since the last
// full cycle; paced cycles are minor otherwise. Cards are cleared at the end of every cycle.
// A minor sweep skips the full slabs of old objects only, which it could not change (they
// wait on Central's OldFull list for the next full cycle), and counts their bytes from a sum.
//
// Objects allocated during a cycle: none are, by collected allocation, since every
// mutator is parked; so "allocate black" holds trivially. Manual allocation (Alloc) by
// other threads goes on, into manual slabs, which the sweep never touches.
//
// Concurrency: _gate (a monitor) runs the cycle and orders parking; each thread's mutator
// state is its own (the safepoint protocol below explains the handshake); central
// lists keep their own locks; the sweep holds one central shard's lock at a time.

using System.Diagnostics;
using System.Runtime.CompilerServices;
using Arena.Caches;
using Arena.Pages;
using Arena.SizeClasses;
using Arena.Slabs;

namespace Arena.Collector;

/// <summary>A heap's mark-sweep collector, pacer and safepoint protocol. Go: mgc.go.</summary>
internal sealed unsafe class Collector
{
    /// <summary>Smallest NextGC at GCPercent 100, scaled by GCPercent / 100. Go: defaultHeapMinimum.</summary>
    public const long MinimumGoal = 4L << 20;

    private readonly Heap _heap;
    private readonly object _gate = new();
    private readonly bool _trace = Environment.GetEnvironmentVariable("ARENA_GCTRACE") == "1";
    private readonly long _createdTimestamp = Stopwatch.GetTimestamp();

    /// <summary>Where ARENA_GCTRACE's lines go; null for the process's standard error (tests set it).</summary>
    internal TextWriter? TraceOutput { get; set; }

    // Safepoint protocol: the per-thread states are in the cache blocks (see below);
    // _running is written under _gate.
    private volatile bool _pending;
    private volatile bool _running;

    // Large traced or collected objects, for marking and sweeping. Guarded by _largeLock.
    private readonly Lock _largeLock = new();
    private Slab* _large;

    // Pacing.
    private int _gcPercent = 100;
    private long _memoryLimit = long.MaxValue;
    private long _heapLive;
    private long _nextGC = MinimumGoal;
    private long _allocatedSince;

    // Statistics.
    private long _numGC;
    private long _pauseTotalNs;
    // When the first thread parked for the pending collection (a Stopwatch timestamp; 0 while
    // none has), and each cycle's time from then until every mutator had parked: the wait
    // before the pause (Go: /sched/pauses/stopping/gc:seconds). Written under _gate.
    private long _stopBegin;
    private long _stopTotalNs;
    private readonly List<long> _allStops = [];
    private readonly long[] _pauses = new long[256];
    private readonly List<long> _allPauses = [];
    private long _lastGCUnixNs;
    private long _gcTicks;
    private readonly long[] _sweptFrees = new long[SizeClassTable.Count];
    private long _sweptLargeFrees, _sweptLargeBytes;

    // How slabs are scanned: Adaptive, but in tests (ForceScanOrder).
    private ScanOrder _scanOrder;

    // Mark state of the running cycle.
    private bool _parallelMark;
    private WorkList _global;
    private readonly object _globalLock = new();
    private int _idleWorkers;
    private int _workers;
    private long _liveBytes;             // bytes of the collected objects the sweep keeps

    private readonly int _heapId;

    // Generational mode (see the overview).
    private readonly bool _generational;
    private bool _fullRequested;          // by Collect(); guarded by _gate
    private bool _collectRequested;       // a cycle asked for by Collect(), full or minor; guarded by _gate
    private long _liveAfterFull;          // _heapLive after the last full cycle
    private long _numMinorGC;
    private nint[] _chunks = new nint[16];

    public Collector(Heap heap)
    {
        _heap = heap;
        _heapId = heap.Id;
        _generational = heap.Options.Generational;
        MarkBitsKernel.WarmUp();
    }

    public RootTable Roots { get; } = new();

    /// <summary>The latest cycle's flush-and-mark time, in nanoseconds.</summary>
    public long LastMarkNs { get; private set; }

    /// <summary>The latest cycle's sweep time, in nanoseconds.</summary>
    public long LastSweepNs { get; private set; }

    /// <summary>Set by the scope layer: calls back with the [start, end) ranges of every open scope's memory.</summary>
    public Action<Action<nuint, nuint>>? ScopeRanges { get; set; }

    public bool Pending => _pending;
    public long NumGC => Volatile.Read(ref _numGC);
    public long NumMinorGC => Volatile.Read(ref _numMinorGC);

    public int GCPercent
    {
        get => Volatile.Read(ref _gcPercent);
        set
        {
            if (value < -1) throw new ArgumentOutOfRangeException(nameof(value), value, "GCPercent must be -1 (off) or 0 or more.");
            Volatile.Write(ref _gcPercent, value);
            lock (_gate) UpdateGoal();
        }
    }

    public long MemoryLimit
    {
        get => Volatile.Read(ref _memoryLimit);
        set
        {
            if (value <= 0) throw new ArgumentOutOfRangeException(nameof(value), value, "MemoryLimit must be positive (long.MaxValue for none).");
            Volatile.Write(ref _memoryLimit, value);
        }
    }

    // ---- allocation hooks (no lock; allocation never waits) ----------------------------

    public void OnCollectedSlabAcquired(Slab* s)
    {
        long bytes = (long)(s->NElems - s->AllocCount) * s->ElemSize;
        MaybeTrigger(Interlocked.Add(ref _allocatedSince, bytes));
    }

    public void OnLargeAllocated(Slab* s)
    {
        lock (_largeLock)
        {
            s->Prev = null;
            s->Next = _large;
            if (_large != null) _large->Prev = s;
            _large = s;
        }
        if (SlabClass.IsCollected(s->Kind)) MaybeTrigger(Interlocked.Add(ref _allocatedSince, (long)s->LargeSize));
    }

    /// <summary>Unlinks a large manual traced object that is being freed by hand.</summary>
    public void OnLargeFreed(Slab* s)
    {
        lock (_largeLock) UnlinkLarge(s);
    }

    private void MaybeTrigger(long allocatedSince)
    {
        if (_pending) return;
        int percent = Volatile.Read(ref _gcPercent);
        if ((percent >= 0 && Volatile.Read(ref _heapLive) + allocatedSince >= Volatile.Read(ref _nextGC))
            || _heap.Pages.InuseBytes >= Volatile.Read(ref _memoryLimit))
            _pending = true;
    }

    // ---- safepoint protocol -----------------------------------------------------------
    //
    // Each thread's cache block for this heap carries its mutator state (CacheBlock.Mutator):
    // Idle, Running (inside a region) or Parked (waiting at a safepoint). Only the owning
    // thread writes it, so entering and leaving a region touch no shared cache line. A cycle
    // starts only when no block is Running (TryStartCycle walks them under the heap's cache
    // lock). Entering and starting race without a lock, Dekker-style: the entering thread
    // writes Running, then (full fence) reads _running; the starter writes _running, then
    // (full fence) reads every state. At least one sees the other's write: either the cycle
    // sees the new mutator and backs off, or the mutator sees the cycle and waits.
    //
    // A thread that enters while the world is being stopped (a thread has parked for the
    // pending cycle: _stopBegin is set) waits for the cycle too, as Go starts no goroutine
    // while it stops the world: were it to run, its work would add to the wait of those
    // already parked, and threads that keep joining could hold the stop open indefinitely.
    // One that reads _stopBegin before it is set enters, and is waited for, as before.

    /// <summary>CacheBlock.Mutator values.</summary>
    public const int Idle = 0, Running = 1, Parked = 2;

    /// <summary>
    /// Joins the mutators with <paramref name="block"/>, the calling thread's cache; waits while
    /// a cycle runs, or while the world is being stopped for one.
    /// </summary>
    public void EnterMutator(CacheBlock* block)
    {
        Interlocked.Exchange(ref block->Mutator, Running);
        if (_running || Volatile.Read(ref _stopBegin) != 0) EnterMutatorSlow(block);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void EnterMutatorSlow(CacheBlock* block)
    {
        lock (_gate)
        {
            Volatile.Write(ref block->Mutator, Idle);
            Monitor.PulseAll(_gate);                 // a cycle that saw this thread may start now
            while (_running || _stopBegin != 0) Monitor.Wait(_gate);
            Volatile.Write(ref block->Mutator, Running);   // under _gate, with no cycle running: none can start unseen
        }
    }

    /// <summary>
    /// Leaves the mutators: a safepoint. Lock-free unless a collection is pending: write Idle,
    /// then (full fence) read _pending. A thread that parked for a collection while this one
    /// still counted as Running set _pending first, so this one sees it and, under the lock,
    /// runs the cycle or wakes whoever waits for it.
    /// </summary>
    public void ExitMutator(CacheBlock* block)
    {
        Safepoint(block);
        Interlocked.Exchange(ref block->Mutator, Idle);
        if (_pending) ExitMutatorSlow();
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void ExitMutatorSlow()
    {
        lock (_gate)
        {
            // Everyone left may be parked waiting for this thread: run the cycle for them.
            if (!_pending || !TryStartCycle()) Monitor.PulseAll(_gate);
        }
    }

    /// <summary>
    /// A mutator's thread ended inside its region, or its cache left the heap's list: it is no
    /// longer waited for. Wakes whoever waits, so that a pending collection can now run.
    /// </summary>
    public void MutatorEnded()
    {
        lock (_gate) Monitor.PulseAll(_gate);
    }

    /// <summary>
    /// Runs the pending cycle if no mutator is Running. Caller holds _gate. Sets _running,
    /// then (full fence) reads the states again (see the protocol above).
    /// </summary>
    private bool TryStartCycle()
    {
        if (_running || _heap.RunningMutators() != 0) return false;
        _running = true;
        Interlocked.MemoryBarrier();
        if (_heap.RunningMutators() != 0)
        {
            _running = false;
            Monitor.PulseAll(_gate);
            return false;
        }
        RunCycle();
        return true;
    }

    /// <summary>
    /// Parks the calling thread if a collection is pending; returns when it has run.
    /// <paramref name="block"/> is the thread's cache when it is a mutator, else null.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Safepoint(CacheBlock* block)
    {
        if (_pending) SafepointSlow(block);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void SafepointSlow(CacheBlock* block)
    {
        lock (_gate)
        {
            if (!_pending) return;
            long cycle = _numGC;
            if (_stopBegin == 0) _stopBegin = Stopwatch.GetTimestamp();   // the first to wait for this cycle
            if (block != null) Volatile.Write(ref block->Mutator, Parked);
            try
            {
                while (_numGC == cycle && _pending)
                {
                    if (TryStartCycle()) break;
                    Monitor.Wait(_gate);
                }
            }
            finally
            {
                if (block != null) Volatile.Write(ref block->Mutator, Running);
            }
        }
    }

    /// <summary>
    /// Requests a collection and returns when one has completed. A generational heap's
    /// collection is full when <paramref name="full"/>, else minor unless a full one is due.
    /// </summary>
    public void Collect(CacheBlock* block, bool full = true)
    {
        lock (_gate)
        {
            _pending = true;
            _fullRequested |= full;
            _collectRequested = true;
        }
        SafepointSlow(block);
    }

    /// <summary>Mutators inside a region that have not parked for the pending collection.</summary>
    public int MutatorsNotParked => _heap.RunningMutators();

    // ---- the cycle --------------------------------------------------------------------

    /// <summary>Runs one collection. Caller holds _gate and has set _running, with every mutator parked (TryStartCycle).</summary>
    private void RunCycle()
    {
        try
        {
            long start = Stopwatch.GetTimestamp();
            // 0 when the last mutator ran the cycle as it left its region, with no one parked.
            long stopNs = _stopBegin == 0 ? 0 : (long)Stopwatch.GetElapsedTime(_stopBegin, start).TotalNanoseconds;
            long before = Volatile.Read(ref _heapLive) + Volatile.Read(ref _allocatedSince);

            _heap.ForEachCache(&FlushCollected);
            bool full = !_generational || FullCycleDue();
            // A paced cycle keeps the slabs it empties for the allocation that triggered it;
            // Collect(), a heap past its MemoryLimit and a heap with a hard MaxBytes give them
            // back to the page heap now (another class may need those pages before the next
            // cycle, and past MaxBytes it would fail rather than wait).
            bool keepEmpty = !_collectRequested && _heap.Options.MaxBytes == 0
                && _heap.Pages.InuseBytes < Volatile.Read(ref _memoryLimit);
            _heap.Pages.BeginMark();
            try
            {
                int chunks = _generational ? _heap.Pages.CopyChunks(ref _chunks) : 0;
                if (_generational && full) ClearMarks();
                MarkRoots();
                if (!full) ScanDirtyCards(chunks);
                Drain();
                ClearCards(chunks, full);
            }
            finally { _heap.Pages.EndMark(); }
            long markEnd = Stopwatch.GetTimestamp();
            Sweep(full, keepEmpty);
            long end = Stopwatch.GetTimestamp();

            // What the sweep kept: the marked objects. A minor cycle does not trace the old
            // objects, but they keep their marks, so they stay counted as live.
            long live = _liveBytes;
            Volatile.Write(ref _heapLive, live);
            if (full) _liveAfterFull = live;
            else Interlocked.Increment(ref _numMinorGC);
            _fullRequested = false;
            _collectRequested = false;
            Volatile.Write(ref _allocatedSince, 0);
            UpdateGoal();
            long pauseNs = (long)Stopwatch.GetElapsedTime(start, end).TotalNanoseconds;
            LastMarkNs = (long)Stopwatch.GetElapsedTime(start, markEnd).TotalNanoseconds;
            LastSweepNs = (long)Stopwatch.GetElapsedTime(markEnd, end).TotalNanoseconds;
            _pauses[_numGC % _pauses.Length] = pauseNs;
            _allPauses.Add(pauseNs);
            _pauseTotalNs += pauseNs;
            _allStops.Add(stopNs);
            _stopTotalNs += stopNs;
            _gcTicks += end - start;
            _lastGCUnixNs = DateTime.UtcNow.Ticks * 100 - DateTime.UnixEpoch.Ticks * 100;
            Interlocked.Increment(ref _numGC);
            if (_trace) Trace(start, markEnd, end, before, full);
            NotifyListeners();
        }
        finally
        {
            // No assertion that every state is still not Running here: a thread that began to
            // enter during the cycle has written Running, seen _running and now waits for
            // _gate in EnterMutatorSlow, running no mutator code. SafepointStressTests checks
            // the real property: no cycle completes inside an open region.
            _running = false;
            _pending = false;
            _stopBegin = 0;
            Monitor.PulseAll(_gate);
        }
    }

    // ---- listeners --------------------------------------------------------------------

    private readonly List<WeakReference<ICollectionListener>> _listeners = [];

    /// <summary>Calls <paramref name="listener"/> after every collection while it is alive (held weakly).</summary>
    public void AddListener(ICollectionListener listener)
    {
        lock (_listeners) _listeners.Add(new WeakReference<ICollectionListener>(listener));
    }

    /// <summary>After a cycle, world still stopped: pools age their victim caches (Go: poolCleanup).</summary>
    private void NotifyListeners()
    {
        foreach (ICollectionListener l in AliveListeners()) l.OnCollection();
    }

    private ICollectionListener[] AliveListeners()
    {
        lock (_listeners)
        {
            _listeners.RemoveAll(w => !w.TryGetTarget(out _));
            return [.. _listeners.Select(w => w.TryGetTarget(out ICollectionListener? l) ? l : null).OfType<ICollectionListener>()];
        }
    }

    private static void FlushCollected(Heap heap, CacheBlock* b) => heap.ReleaseCurrentSlabs(b, collectedOnly: true);

    private void UpdateGoal()
    {
        int percent = Volatile.Read(ref _gcPercent);
        long live = Volatile.Read(ref _heapLive);
        long roots = RootBytes();
        // Go: heapMinimum = 4 MiB × GOGC/100, so GCPercent 0 collects at every refill.
        long goal = percent < 0 ? long.MaxValue : Math.Max(MinimumGoal * percent / 100, live + (live + roots) * percent / 100);
        Volatile.Write(ref _nextGC, goal);
    }

    /// <summary>Bytes the roots hold: manual objects in use (HeapAlloc less collected live).</summary>
    private long RootBytes()
    {
        // Called after the sweep: collected objects in HeapAlloc are exactly the live ones.
        HeapStats s = _heap.GetStatsUnchecked();
        return Math.Max(0, s.HeapAlloc - Volatile.Read(ref _heapLive));
    }

    private void Trace(long start, long markEnd, long end, long before, bool full)
    {
        double sinceStart = Stopwatch.GetElapsedTime(_createdTimestamp).TotalSeconds;
        double cpu = _gcTicks / (double)Math.Max(1, Stopwatch.GetTimestamp() - _createdTimestamp) * 100;
        (TraceOutput ?? Console.Error).WriteLine(FormattableString.Invariant(
            $"gc {_numGC} @{sinceStart:F3}s {cpu:F0}%: {Stopwatch.GetElapsedTime(start, markEnd).TotalMilliseconds:F3}+{Stopwatch.GetElapsedTime(markEnd, end).TotalMilliseconds:F3} ms clock, {before >> 20}->{Volatile.Read(ref _heapLive) >> 20} MB, {_nextGC >> 20} MB goal, {_workers} P{(full ? "" : " (minor)")}"));
    }

    // ---- generations ------------------------------------------------------------------

    /// <summary>
    /// Whether this cycle of a generational heap must be full: Collect() asked, the heap is
    /// past MemoryLimit, or the old objects grew by GCPercent percent (at least Go's heap
    /// minimum) since the last full cycle. Caller holds _gate.
    /// </summary>
    private bool FullCycleDue()
    {
        if (_fullRequested || _heap.Pages.InuseBytes >= Volatile.Read(ref _memoryLimit)) return true;
        int percent = Volatile.Read(ref _gcPercent);
        if (percent < 0) return false;
        long growth = Math.Max(MinimumGoal * percent / 100, _liveAfterFull * percent / 100);
        return Volatile.Read(ref _heapLive) - _liveAfterFull >= growth;
    }

    /// <summary>A full cycle of a generational heap: every object is white again.</summary>
    private void ClearMarks()
    {
        for (int k = (int)SlabKind.Collected; k <= (int)SlabKind.CollectedScan; k++)
            for (int c = 1; c < SizeClassTable.Count; c++)
            {
                byte none = 0;
                _heap.Centrals[SlabClass.Of(c, (SlabKind)k)].ForEachSlab(&ClearSlabMarks, ref none);
            }
        lock (_largeLock)
        {
            for (Slab* s = _large; s != null; s = s->Next)
                if (SlabClass.IsCollected(s->Kind)) s->MarkBits[0] = 0;
        }
    }

    private static void ClearSlabMarks(Slab* s, ref byte none) => new Span<ulong>(s->MarkBits, s->Words).Clear();

    /// <summary>
    /// A minor cycle's extra roots: the old (marked) traced objects under dirty cards, only
    /// their words under each card. Greys go onto the global list, as the other roots'.
    /// </summary>
    private void ScanDirtyCards(int chunks)
    {
        var work = new WorkList();
        try
        {
            for (int i = 0; i < chunks; i++)
            {
                Chunk* c = (Chunk*)_chunks[i];
                // The barrier dirties cards only in chunks holding old objects, and HasOld is
                // cleared only with the cards (ClearCards, full cycles): the others are clean.
                if (!c->HasOld)
                {
                    AssertCardsClean(c);
                    continue;
                }
                byte* cards = c->Cards;
                nuint count = c->Size >> PageHeap.CardShift;      // a multiple of 8
                for (nuint at = 0; at < count; at += 8)
                {
                    ulong eight = *(ulong*)(cards + at);
                    while (eight != 0)
                    {
                        int b = System.Numerics.BitOperations.TrailingZeroCount(eight) >> 3;
                        eight &= ~(0xFFUL << (b * 8));
                        ScanCard(c, c->Base + ((at + (nuint)b) << PageHeap.CardShift), ref work);
                    }
                }
            }
            while (work.TryPop(out nuint o)) _global.Push(o);
        }
        finally { work.Dispose(); }
    }

    /// <summary>Scans the words under the card at <paramref name="card"/> of the old traced objects there.</summary>
    private void ScanCard(Chunk* c, nuint card, ref WorkList work)
    {
        nuint cardEnd = card + PageHeap.CardSize;
        Slab* s = c->SlabOf(card);
        if (s == null || s->Kind != SlabKind.CollectedScan) return;
        if (s->State == SlabState.Large)
        {
            if ((s->MarkBits[0] & 1) == 0) return;            // young: traced if reached
            nuint from = Math.Max(card, s->Base), to = Math.Min(cardEnd, s->Base + s->LargeSize);
            if (from < to) ScanObject(from, to - from, ref work);
            return;
        }
        if (s->State is not (SlabState.Partial or SlabState.Full)) return;
        nuint objectsEnd = s->Base + (nuint)s->NElems * s->ElemSize;
        nuint lo = Math.Max(card, s->Base), hi = Math.Min(cardEnd, objectsEnd);
        if (lo >= hi) return;
        int first = s->ObjectIndex(lo), last = s->ObjectIndex(hi - 1);
        for (int w = first >> 6; w <= last >> 6; w++)
        {
            ulong old = s->MarkBits[w];
            if (w == first >> 6) old &= ~0UL << (first & 63);
            if (w == last >> 6 && (last & 63) != 63) old &= (2UL << (last & 63)) - 1;
            while (old != 0)
            {
                nuint o = SlotAt(s->Base, s->ElemSize, w, System.Numerics.BitOperations.TrailingZeroCount(old));
                old &= old - 1;
                nuint from = Math.Max(o, lo), to = Math.Min(o + s->ElemSize, hi);
                ScanObject(from, to - from, ref work);
            }
        }
    }

    /// <summary>
    /// Clears the cards of this heap's chunks that hold old objects (every cycle of a
    /// generational heap ends with none dirty; the other chunks have none) and, in a
    /// <paramref name="full"/> cycle, their HasOld flags, which the sweep then
    /// sets again where old objects stay. A minor cycle frees no old object, so a chunk that
    /// held one still does; its sweep does not even visit the slabs of old objects only
    /// (Central's OldFull), which could not set the flag again.
    /// </summary>
    private void ClearCards(int chunks, bool full)
    {
        for (int i = 0; i < chunks; i++)
        {
            Chunk* c = (Chunk*)_chunks[i];
            if (!c->HasOld)
            {
                AssertCardsClean(c);                            // as in ScanDirtyCards
                continue;
            }
            CardsOf(c).Clear();
            if (full) c->HasOld = false;
        }
    }

    /// <summary>The card table of chunk <paramref name="c"/>: a byte per <see cref="PageHeap.CardSize"/> bytes.</summary>
    private static Span<byte> CardsOf(Chunk* c) => new(c->Cards, checked((int)(c->Size >> PageHeap.CardShift)));

    /// <summary>Checks that a chunk without old objects has no dirty card. Compiled in with ARENA_DEBUG.</summary>
    [System.Diagnostics.Conditional("ARENA_DEBUG")]
    private static void AssertCardsClean(Chunk* c)
        => System.Diagnostics.Debug.Assert(!CardsOf(c).ContainsAnyExcept((byte)0), "only a chunk holding old objects has dirty cards");

    // ---- mark -------------------------------------------------------------------------

    /// <summary>Mark workers when <see cref="HeapOptions.MarkWorkers"/> is 0: one per core, at most 16.</summary>
    internal static int DefaultWorkers => Math.Max(1, Math.Min(Environment.ProcessorCount, 16));

    private void MarkRoots()
    {
        int configured = _heap.Options.MarkWorkers;
        _workers = configured > 0 ? configured : DefaultWorkers;
        _parallelMark = _workers > 1;
        // A hint from an earlier cycle may name a chunk that has been freed since.
        _global.Hint = null;
        // Single-threaded: roots go straight onto the global list the workers start from.
        Roots.ForEach(p => MarkPointer((nuint)p, ref _global));
        ScopeRanges?.Invoke((start, end) =>
        {
            for (nuint a = (start + 7) & ~(nuint)7; a + 8 <= end; a += 8) MarkPointer(*(nuint*)a, ref _global);
        });
        ScanManualRoots();
    }

    /// <summary>
    /// Scans every allocated manual object of an arena type with pointers: the small ones slab by
    /// slab, found through the page heap's page maps rather than through the lists and caches that
    /// hold their slabs, since a slab moves between those while the world is stopped (an ended
    /// thread's cache is retired by its finalizer, a thread outside every scope refills its cache)
    /// and would be missed if it moved behind a walk of the lists; the large ones through the
    /// large-object list.
    /// </summary>
    private void ScanManualRoots()
    {
        var state = new ManualScanState(this);
        _heap.Pages.ForEachManualScanSlab(&ScanSlabObjects, ref state);
        lock (_largeLock)
        {
            for (Slab* s = _large; s != null; s = s->Next)
                if (s->Kind == SlabKind.ManualScan && s->State == SlabState.Large) ScanObject(s->Base, (nuint)s->LargeSize, ref state.Work);
        }
        while (state.Work.TryPop(out nuint o)) _global.Push(o);
        state.Work.Dispose();
    }

    internal struct ManualScanState(Collector collector)
    {
        public readonly Collector Collector = collector;
        public WorkList Work;
        public bool Visited;
    }

    /// <summary>
    /// Tests only: runs on the collector's thread once the manual-root scan has visited its first
    /// slab, so a test can move slabs between the lists and caches (retire an ended thread's
    /// cache, as its finalizer may at any time) while the scan is under way.
    /// </summary>
    internal Action? WhileScanningManualRoots;

    /// <summary>Scans the allocated objects of <paramref name="s"/>, whose owner may be a thread outside every scope, allocating now.</summary>
    private static void ScanSlabObjects(Slab* s, ref ManualScanState st)
    {
        if (!st.Visited)
        {
            st.Visited = true;
            st.Collector.WhileScanningManualRoots?.Invoke();
        }
        int words = s->Words;
        for (int w = 0; w < words; w++)
        {
            ulong allocated = s->AllocatedRacy(w);
            while (allocated != 0)
            {
                int i = (w << 6) + System.Numerics.BitOperations.TrailingZeroCount(allocated);
                allocated &= allocated - 1;
                st.Collector.ScanObject(s->Base + (nuint)i * s->ElemSize, s->ElemSize, ref st.Work);
            }
        }
    }

    /// <summary>Greys the object <paramref name="p"/> points into, if it is a white collected object of this heap.</summary>
    private void MarkPointer(nuint p, ref WorkList work)
    {
        Chunk* hint = work.Hint;
        nuint grey = _parallelMark ? Shade<AtomicMarks>(p, ref hint, _heapId) : Shade<PlainMarks>(p, ref hint, _heapId);
        work.Hint = hint;
        if (grey != 0) work.Push(grey);
    }

    /// <summary>How mark bits are set: with an atomic OR when several workers mark, plainly when one does.</summary>
    private interface IMarkBits
    {
        /// <summary>Sets <paramref name="bit"/> in <paramref name="word"/>; false if it was set already.</summary>
        static abstract bool TrySet(ulong* word, ulong bit);

        /// <summary>Whether several workers mark, and so share their work.</summary>
        static abstract bool Parallel { get; }

        /// <summary>Takes (and clears) <paramref name="word"/> of a slab's grey bits.</summary>
        static abstract ulong TakeGrey(ulong* word);

        /// <summary>Sets a slab's Queued flag; false if it was set already.</summary>
        static abstract bool TryQueue(int* queued);
    }

    private struct PlainMarks : IMarkBits
    {
        public static bool Parallel => false;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static bool TrySet(ulong* word, ulong bit)
        {
            ulong m = *word;
            if ((m & bit) != 0) return false;
            *word = m | bit;
            return true;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static ulong TakeGrey(ulong* word)
        {
            ulong g = *word;
            *word = 0;
            return g;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static bool TryQueue(int* queued)
        {
            if (*queued != 0) return false;
            *queued = 1;
            return true;
        }
    }

    private struct AtomicMarks : IMarkBits
    {
        public static bool Parallel => true;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static bool TrySet(ulong* word, ulong bit)
            => (Volatile.Read(ref *word) & bit) == 0 && (Interlocked.Or(ref *word, bit) & bit) == 0;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static ulong TakeGrey(ulong* word) => Volatile.Read(ref *word) == 0 ? 0 : Interlocked.Exchange(ref *word, 0);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static bool TryQueue(int* queued)
            => Volatile.Read(ref *queued) == 0 && Interlocked.CompareExchange(ref *queued, 1, 0) == 0;
    }

    /// <summary>
    /// Marks the object <paramref name="p"/> points into, if it is a white collected object of
    /// this heap (<paramref name="heapId"/>), and returns what the caller must push for it to be
    /// scanned, else 0: its slab, tagged with <see cref="SlabTag"/>, when this greyed a small
    /// traced object and queued the slab; a large traced object's start. A small pointer-free
    /// object is marked here; a small traced one is only greyed, for its slab's scanner to mark.
    /// <paramref name="hint"/> is the chunk of the last pointer looked up (consecutive pointers
    /// mostly land in the same 4 MiB chunk); the address map is read only when it misses. A hint
    /// is always a live chunk of this heap or null: it is set only from this heap's lookups,
    /// reset at each cycle's start (MarkRoots), and no chunk is released while marking runs
    /// (PageHeap.BeginMark).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static nuint Shade<TMarks>(nuint p, ref Chunk* hint, int heapId) where TMarks : struct, IMarkBits
    {
        if (p == 0) return 0;
        Chunk* c = hint;
        if (c == null || p - c->Base >= PageHeap.ChunkSize)
        {
            c = AddressMap.Lookup(p);
            if (c == null || c->HeapId != heapId) return 0;
            hint = c;
        }
        Slab* s = c->SlabOf(p);
        if (s == null || s->Kind < SlabKind.Collected) return 0;
        if ((uint)s->State - (uint)SlabState.Cached > SlabState.Full - SlabState.Cached)
            return s->State == SlabState.Large ? ShadeLarge<TMarks>(s, p) : 0;
        int idx = s->ObjectIndex(p);
        if ((uint)idx >= (uint)s->NElems) return 0;
        int w = idx >> 6;
        ulong bit = 1UL << idx;
        if ((s->AllocBits[w] & bit) == 0) return 0;             // a free slot: a stale pointer
        if (s->Kind != SlabKind.CollectedScan)
        {
            TMarks.TrySet(&s->MarkBits[w], bit);                // nothing to scan: marked here
            return 0;
        }
        // A traced object: only its slab's scanner sets its mark (ScanSlab); ask for it with
        // its grey bit, and queue the slab unless it is queued already.
        if ((Volatile.Read(ref s->MarkBits[w]) & bit) != 0 || !TMarks.TrySet(&s->GreyBits[w], bit)) return 0;
        return TMarks.TryQueue(&s->Queued) ? (nuint)s | SlabTag : 0;
    }

    /// <summary>
    /// The tag <see cref="Shade"/> sets on a slab (a descriptor, 8-byte aligned) it has
    /// queued: its grey objects are scanned together (<see cref="ScanSlab"/>). Untagged items
    /// of a work list are large objects.
    /// </summary>
    private const nuint SlabTag = 2;

    /// <summary>
    /// <see cref="Shade"/>'s rare case, a pointer into large object slab <paramref name="s"/> of
    /// this heap: marks the object if it is collected and white, and returns its start when it
    /// must be scanned, else 0. A call, to keep it out of the loops Shade is inlined into.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static nuint ShadeLarge<TMarks>(Slab* s, nuint p) where TMarks : struct, IMarkBits
    {
        if (p - s->Base >= s->LargeSize) return 0;
        if ((s->AllocBits[0] & 1) == 0) return 0;
        if (!TMarks.TrySet(&s->MarkBits[0], 1)) return 0;
        return s->Kind == SlabKind.CollectedScan ? s->Base : 0;
    }

    /// <summary>Greys every object the pointer words of the object at <paramref name="obj"/> point to.</summary>
    private void ScanObject(nuint obj, nuint size, ref WorkList work)
    {
        work.EnsureRoom(size / 8);
        Chunk* hint = work.Hint;
        int count = work._count;
        if (_parallelMark) ScanInto<AtomicMarks>(AddressMap.Lookup(obj), obj, size, work.Items, ref count, ref hint);
        else ScanInto<PlainMarks>(AddressMap.Lookup(obj), obj, size, work.Items, ref count, ref hint);
        work._count = count;
        work.Hint = hint;
    }

    /// <summary>
    /// Greys every object the pointer words of the object at <paramref name="obj"/> (in chunk
    /// <paramref name="c"/>, <paramref name="size"/> bytes) point to, appending the ones to
    /// scan to <paramref name="items"/>. The caller guarantees room for size / 8 more.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void ScanInto<TMarks>(Chunk* c, nuint obj, nuint size, nuint* items, ref int count, ref Chunk* hint)
        where TMarks : struct, IMarkBits
    {
        ulong* bits = c->PtrBits;
        nuint cbase = c->Base;
        nuint first = (obj - cbase) >> 3;
        nuint end = first + size / 8;
        for (nuint w = first; w < end;)
        {
            ulong word = bits[w >> 6] >> (int)(w & 63);
            nuint left = end - w;
            int span = 64 - (int)(w & 63);
            if (left < (nuint)span)
            {
                word &= (1UL << (int)left) - 1;
                span = (int)left;
            }
            while (word != 0)
            {
                int b = System.Numerics.BitOperations.TrailingZeroCount(word);
                word &= word - 1;
                nuint grey = Shade<TMarks>(*(nuint*)(cbase + ((w + (nuint)b) << 3)), ref hint, _heapId);
                if (grey != 0) items[count++] = grey;
            }
            w += (nuint)span;
        }
    }

    /// <summary>
    /// Scans what <paramref name="work"/> holds until it is empty (Go: gcDrain's inner loop):
    /// queued slabs (<see cref="ScanSlab"/>), oldest first, and large objects. With several
    /// workers, half goes to the global list whenever a worker is idle and there are
    /// <see cref="ShareThreshold"/> or more: a tree's marking may have few slabs queued at
    /// once, so a high threshold would leave the others idle.
    /// </summary>
    private void DrainLocal(ref WorkList work)
    {
        if (_parallelMark) DrainLocal<AtomicMarks>(ref work);
        else DrainLocal<PlainMarks>(ref work);
    }

    /// <summary>Objects up to this size are scanned through one 64-bit mask of their pointer words, inline.</summary>
    private const nuint MaskScanMax = 64 * 8;

    // Fully optimized at once: it is called once per cycle and per worker but runs long, so
    // tiering would run it as unoptimized code, then as on-stack-replacement code.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void DrainLocal<TMarks>(ref WorkList work) where TMarks : struct, IMarkBits
    {
        while (work.Count > 0)
        {
            nuint item = work.Take();
            PrefetchNext(ref work, ScansDown(in work));
            if ((item & SlabTag) != 0) ScanSlab<TMarks>((Slab*)(item & ~SlabTag), ref work);
            else ScanLarge(item, ref work);
            if (TMarks.Parallel && work.Count >= ShareThreshold && Volatile.Read(ref _idleWorkers) > 0) Share(ref work);
        }
    }

    /// <summary>
    /// Marks and scans the grey objects of slab <paramref name="s"/>, which its caller has taken
    /// from the list (it is Queued), until none is left (Go 1.25: scanSpan). With several
    /// workers, others may grey this slab's objects meanwhile without pushing it (they see
    /// Queued): after clearing Queued it looks again, and takes the slab back if grey bits are
    /// left and no other worker has. Either the other worker's atomic OR of a grey bit comes
    /// before this exchange, and the look finds it, or after, and that worker queues the slab.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void ScanSlab<TMarks>(Slab* s, ref WorkList work) where TMarks : struct, IMarkBits
    {
        int words = s->Words;
        while (true)
        {
            do
            {
                if (s->ElemSize <= MaskScanMax)
                {
                    bool down = ScansDown(in work);
                    int passes = down ? ScanSmallObjects<TMarks, DownOrder>(s, ref work, _heapId) : ScanSmallObjects<TMarks, UpOrder>(s, ref work, _heapId);
                    work.NoteScanPasses(passes);
                }
                else ScanWideObjects<TMarks>(s, ref work);
            }
            while (AnyGrey(s, words));                                  // greyed behind the pass
            if (!TMarks.Parallel)
            {
                s->Queued = 0;
                return;
            }
            // Others may have greyed objects here, seen Queued and left them: release, then look.
            Interlocked.Exchange(ref s->Queued, 0);
            if (!AnyGrey(s, words) || !TMarks.TryQueue(&s->Queued)) return;
        }
    }

    /// <summary>
    /// Marks and scans the grey objects of a slab of objects of at most
    /// <see cref="MaskScanMax"/> bytes, for <see cref="ScanSlab"/>, in passes over its bitmap
    /// words; returns how many passes it took. A pass takes the words and the grey objects in
    /// each in address order, upward or downward (<typeparamref name="TOrder"/>), and a pointer
    /// to an object of the same slab marks it at once: it is scanned in this same pass if it
    /// lies ahead or in the bitmap word at hand, in the next pass if in a word behind. Only
    /// pointers out of the slab go through <see cref="Shade"/>, which pushes their slab once. A
    /// tree or a list allocated in order is so scanned as it lies in memory, which the hardware
    /// prefetcher follows, and the work list holds slabs, not objects. Data allocated parents
    /// first (a tree built top-down, a list built by appending) has its children ahead, upward,
    /// and takes one pass upward; data allocated children first (a tree built bottom-up, a list
    /// built by prepending) has them behind and takes one pass downward, where upward it would
    /// take a pass for every word it crosses. The work list keeps the order that needs one pass
    /// (<see cref="WorkList.NoteScanPasses"/>).
    /// </summary>
    /// <remarks>
    /// Three things keep the loop's values in registers and its loads early:
    /// <list type="bullet">
    /// <item>No call sits in the loop over an object's pointers. Pointers out of the slab are
    /// gathered in a batch on the stack and shaded by <see cref="ShadeOut"/>: when the batch is
    /// nearly full, after each bitmap word when several workers run (so that the others get
    /// work soon), and at the end.</item>
    /// <item>The mark and alloc bits of the word being scanned are held in registers and its
    /// marks written back once the word's objects are done: most children lie in the same word,
    /// and marking each through memory would make every object wait for the previous one's
    /// store of that word.</item>
    /// <item>When the slot after the object at hand (upward; the slot before, downward) is
    /// grey, it is scanned next from an address one slot on, not from the grey bits; failing
    /// that, the slot on the other side. In data allocated in order, parents first or children
    /// first, the first of the two nearly always is, so the branch is predicted and the next
    /// object's loads do not wait for the bits the object's pointers set.</item>
    /// </list>
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization), SkipLocalsInit]
    private static int ScanSmallObjects<TMarks, TOrder>(Slab* s, ref WorkList work, int heapId)
        where TMarks : struct, IMarkBits where TOrder : struct, IScanOrder
    {
        nuint sbase = s->Base;
        nuint size = s->ElemSize;
        nuint extent = (nuint)s->NElems * size;
        ulong divMul = s->DivMul;
        int words = s->Words;
        // Every slot of a stamped slab has one type's pointer bits: the first slot's mask is
        // every object's. A traced type has a pointer, so 0 means "not stamped".
        ulong stampMask = s->PtrStamp != 0 ? ObjectMask(s, sbase) : 0;
        // Objects of this slab marked by this scan and not yet scanned, outside the word at
        // hand: this worker's own, so kept apart from the grey bits, without atomics.
        // Through a pointer: a word index here is below Slab.BitmapWords by construction.
        PendingBits pendingBits = default;
        ulong* pending = (ulong*)&pendingBits;
        OutPointers outBuffer;                                  // not zeroed: only [0, nOut) is read
        nuint* outs = (nuint*)&outBuffer;
        int nOut = 0;
        int passes = 0;
        bool behind;
        do
        {
            passes++;
            for (int i = 0; i < words; i++)
            {
                int w = TOrder.Down ? words - 1 - i : i;
                while (true)
                {
                    ulong grey = TakeGreyAndMark(s, w, TMarks.TakeGrey(&s->GreyBits[w])) | pending[w];
                    if (grey == 0) break;
                    pending[w] = 0;
                    // This word's mark and alloc bits, in registers while its objects are scanned
                    // (most children lie in the same word); the marks are written back after.
                    ulong wordMarks = s->MarkBits[w], wordAlloc = s->AllocBits[w];
                    // The word's grey objects are known now: fetch them all at once, so that their
                    // misses overlap (objects reached from other slabs lie anywhere in this one).
                    if (System.Runtime.Intrinsics.X86.Sse.IsSupported)
                        for (ulong g = grey; g != 0; g &= g - 1)
                            System.Runtime.Intrinsics.X86.Sse.Prefetch0((void*)SlotAt(sbase, size, w, System.Numerics.BitOperations.TrailingZeroCount(g)));
                    int bitIdx = FirstGrey<TOrder>(grey);
                    nuint obj = SlotAt(sbase, size, w, bitIdx);
                    while (true)
                    {
                        // The object at hand's own bit: not always the lowest, as a child behind it
                        // in this word joins the grey bits below it.
                        grey &= ~(1UL << bitIdx);
                        ulong mask = stampMask != 0 ? stampMask : ObjectMask(s, obj);
                        while (mask != 0)
                        {
                            nuint p = *(nuint*)(obj + ((nuint)System.Numerics.BitOperations.TrailingZeroCount(mask) << 3));
                            mask &= mask - 1;
                            nuint off = p - sbase;
                            if (off < extent)
                            {
                                // Same slab: this worker marks it, plainly; no lookup, no push.
                                int ci = (int)((off * divMul) >> 32);
                                int cw = ci >> 6;
                                ulong bit = 1UL << ci;
                                if (cw == w)
                                {
                                    if ((wordAlloc & ~wordMarks & bit) == 0) continue;   // free (stale) or marked
                                    wordMarks |= bit;
                                    grey |= bit;                                         // ahead or behind: this loop takes it
                                    continue;
                                }
                                ulong marks = s->MarkBits[cw];
                                if ((s->AllocBits[cw] & ~marks & bit) == 0) continue;
                                s->MarkBits[cw] = marks | bit;
                                pending[cw] |= bit;
                            }
                            else if (p != 0) outs[nOut++] = p;
                        }
                        if (nOut > OutFlushAt)
                        {
                            ShadeOut<TMarks>(outs, nOut, ref work, heapId);
                            nOut = 0;
                        }
                        // The next slot in the pass's order, when grey, is the next object: its
                        // address does not wait for the bits this object's pointers set, so its
                        // loads start early. Failing that, the slot on the other side, likewise.
                        if ((grey & (TOrder.Down ? BitBefore(bitIdx) : BitAfter(bitIdx))) != 0)
                        {
                            bitIdx += TOrder.Down ? -1 : 1;
                            obj = TOrder.Down ? obj - size : obj + size;
                            continue;
                        }
                        if (grey == 0) break;
                        if ((grey & (TOrder.Down ? BitAfter(bitIdx) : BitBefore(bitIdx))) != 0)
                        {
                            bitIdx += TOrder.Down ? 1 : -1;
                            obj = TOrder.Down ? obj + size : obj - size;
                            continue;
                        }
                        bitIdx = FirstGrey<TOrder>(grey);
                        obj = SlotAt(sbase, size, w, bitIdx);
                    }
                    s->MarkBits[w] = wordMarks;
                    if (TMarks.Parallel && nOut > 0)
                    {
                        ShadeOut<TMarks>(outs, nOut, ref work, heapId);
                        nOut = 0;
                    }
                }
            }
            behind = false;
            for (int w = 0; w < words; w++) behind |= pending[w] != 0;
        }
        while (behind);
        if (nOut > 0) ShadeOut<TMarks>(outs, nOut, ref work, heapId);
        return passes;
    }

    /// <summary>How <see cref="ScanSlab"/> picks the order of a slab's passes: as each worker's list keeps it, or always the one given (for tests).</summary>
    internal enum ScanOrder { Adaptive, Up, Down }

    /// <summary>Makes every pass of the scan by slab take <paramref name="order"/>, so that tests reach each order's paths for sure.</summary>
    internal void ForceScanOrder(ScanOrder order) => _scanOrder = order;

    /// <summary>Whether the worker of <paramref name="work"/> scans its next slab downward.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool ScansDown(in WorkList work) => _scanOrder == ScanOrder.Adaptive ? work.ScanDown : _scanOrder == ScanOrder.Down;

    /// <summary>The order a pass of <see cref="ScanSmallObjects"/> takes a slab's words and their grey objects in.</summary>
    private interface IScanOrder
    {
        /// <summary>True: from the highest address down; false: from the lowest up.</summary>
        static abstract bool Down { get; }
    }

    private struct UpOrder : IScanOrder
    {
        public static bool Down => false;
    }

    private struct DownOrder : IScanOrder
    {
        public static bool Down => true;
    }

    /// <summary>The bit of the slot after bit <paramref name="bit"/> of a word; 0 past bit 63, where the shift drops it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong BitAfter(int bit) => 2UL << bit;

    /// <summary>The bit of the slot before bit <paramref name="bit"/> of a word; 0 at bit 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong BitBefore(int bit) => (1UL << bit) >> 1;

    /// <summary>The grey object of a word a pass in <typeparamref name="TOrder"/> takes first: the lowest bit upward, the highest downward.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int FirstGrey<TOrder>(ulong grey) where TOrder : struct, IScanOrder
        => TOrder.Down ? 63 - System.Numerics.BitOperations.LeadingZeroCount(grey) : System.Numerics.BitOperations.TrailingZeroCount(grey);

    /// <summary>The address of slot <paramref name="w"/>·64 + <paramref name="bit"/> of a slab whose slots of <paramref name="size"/> bytes start at <paramref name="slotsBase"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static nuint SlotAt(nuint slotsBase, nuint size, int w, int bit) => slotsBase + (nuint)((w << 6) + bit) * size;

    /// <summary>A slab's worth of bits, on the stack.</summary>
    [InlineArray(Slab.BitmapWords)]
    private struct PendingBits { private ulong _word; }

    /// <summary>Pointers out of the slab being scanned, shaded in batches so that no call sits in the scan's loops.</summary>
    [InlineArray(OutCapacity)]
    private struct OutPointers { private nuint _p; }

    private const int OutCapacity = 256;

    /// <summary>A batch is shaded once it holds more than this: one more object (at most 64 pointers) still fits.</summary>
    private const int OutFlushAt = OutCapacity - 64;

    /// <summary>Lines of a queued slab's first grey object that <see cref="PrefetchNext"/> fetches.</summary>
    private const int PrefetchLines = 4;

    /// <summary>
    /// Prefetches for the next two slabs of the queue, in two stages, so that each one's misses
    /// overlap the scan of the slab before: the one after next gets its descriptor's lines (the
    /// fields, alloc, mark and grey bits) fetched; the next one, whose descriptor was fetched
    /// one slab earlier, gets the first lines of the grey object its scan takes first (the
    /// lowest, or the highest when the scan goes <paramref name="down"/>) and the lines after
    /// it in the scan's direction. Without this, a slab taken from a first-in-first-out queue
    /// starts cold.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PrefetchNext(ref WorkList work, bool down)
    {
        if (!System.Runtime.Intrinsics.X86.Sse.IsSupported) return;
        int left = work.Count;
        if (left >= 2 && (work.Items[work._head + 1] & SlabTag) != 0)
        {
            Slab* after = (Slab*)(work.Items[work._head + 1] & ~SlabTag);
            System.Runtime.Intrinsics.X86.Sse.Prefetch0(after);
            System.Runtime.Intrinsics.X86.Sse.Prefetch0(after->AllocBits);
            System.Runtime.Intrinsics.X86.Sse.Prefetch0(after->MarkBits);
            System.Runtime.Intrinsics.X86.Sse.Prefetch0(after->GreyBits);
        }
        if (left >= 1 && (work.Items[work._head] & SlabTag) != 0)
        {
            Slab* next = (Slab*)(work.Items[work._head] & ~SlabTag);
            int words = next->Words;
            for (int i = 0; i < words; i++)
            {
                int w = down ? words - 1 - i : i;
                ulong g = next->GreyBits[w];
                if (g == 0) continue;
                byte* obj = (byte*)SlotAt(next->Base, next->ElemSize, w, down ? FirstGrey<DownOrder>(g) : FirstGrey<UpOrder>(g));
                for (int k = 0; k < PrefetchLines; k++) System.Runtime.Intrinsics.X86.Sse.Prefetch0(obj + (down ? -k : k) * 64);
                return;
            }
        }
    }

    /// <summary>Shades <paramref name="n"/> pointers out of the slab being scanned and pushes what they queue (slabs, tagged, and large objects).</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void ShadeOut<TMarks>(nuint* outs, int n, ref WorkList work, int heapId) where TMarks : struct, IMarkBits
    {
        for (int i = 0; i < n; i++)
        {
            nuint queued = Shade<TMarks>(outs[i], ref work.Hint, heapId);
            if (queued != 0) work.Push(queued);
        }
    }

    /// <summary>
    /// The scanner's side of a grey word taken from slab <paramref name="s"/>: the allocated
    /// objects not marked yet (others may have asked twice, or for an object since marked),
    /// which it marks, plainly: only a slab's scanner writes its mark bits.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong TakeGreyAndMark(Slab* s, int w, ulong grey)
    {
        if (grey == 0) return 0;
        ulong marks = s->MarkBits[w];
        grey &= s->AllocBits[w] & ~marks;
        s->MarkBits[w] = marks | grey;
        return grey;
    }

    /// <summary>One pass of <see cref="ScanSlab"/> over a slab of objects wider than <see cref="MaskScanMax"/>.</summary>
    private void ScanWideObjects<TMarks>(Slab* s, ref WorkList work) where TMarks : struct, IMarkBits
    {
        for (int w = 0; w < s->Words; w++)
        {
            ulong grey = TakeGreyAndMark(s, w, TMarks.TakeGrey(&s->GreyBits[w]));
            while (grey != 0)
            {
                nuint obj = SlotAt(s->Base, s->ElemSize, w, System.Numerics.BitOperations.TrailingZeroCount(grey));
                grey &= grey - 1;
                ScanObject(obj, s->ElemSize, ref work);
            }
        }
    }

    /// <summary>The pointer words of the object at <paramref name="obj"/> in slab <paramref name="s"/> (at most <see cref="MaskScanMax"/> bytes) as one mask.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong ObjectMask(Slab* s, nuint obj)
    {
        Chunk* c = s->Chunk;
        return PointerMask(c->PtrBits, (obj - c->Base) >> 3, (int)(s->ElemSize >> 3));
    }

    /// <summary>The pointer words of an object of <paramref name="words"/> words (at most 64) as one mask: its heap bits from bit <paramref name="first"/>, in one or two words.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong PointerMask(ulong* ptrBits, nuint first, int words)
    {
        int shift = (int)(first & 63);
        ulong* at = ptrBits + (first >> 6);
        ulong mask = at[0] >> shift;
        if (shift + words > 64) mask |= at[1] << (64 - shift);
        return words < 64 ? mask & ((1UL << words) - 1) : mask;
    }

    private static bool AnyGrey(Slab* s, int words)
    {
        for (int w = 0; w < words; w++)
            if (Volatile.Read(ref s->GreyBits[w]) != 0) return true;
        return false;
    }

    /// <summary>Scans the large object that starts at <paramref name="obj"/>, an item of a work list.</summary>
    private void ScanLarge(nuint obj, ref WorkList work) => ScanObject(obj, AddressMap.Lookup(obj)->SlabOf(obj)->LargeSize, ref work);

    /// <summary>Gives half of <paramref name="work"/> to the global list, for the idle workers.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Share(ref WorkList work)
    {
        lock (_globalLock)
        {
            work.GiveHalf(ref _global);
            Monitor.PulseAll(_globalLock);
        }
    }

    private void Drain()
    {
        _idleWorkers = 0;
        if (!_parallelMark)
        {
            var work = new WorkList();
            try
            {
                lock (_globalLock) { while (_global.TryPop(out nuint o)) work.Push(o); }
                DrainLocal(ref work);
            }
            finally { work.Dispose(); }
            return;
        }
        RunOnWorkers(sweep: false);
    }

    /// <summary>
    /// Runs the mark (<see cref="WorkerLoop"/>) or the sweep (<see cref="SweepShards"/>) on this
    /// thread and the mark threads together, and returns when all are done. Dedicated threads,
    /// as Go's GC workers: not the thread pool, whose threads may be the very mutators parked
    /// at this safepoint.
    /// </summary>
    private void RunOnWorkers(bool sweep)
    {
        EnsureMarkThreads(_workers - 1);
        _sweepPhase = sweep;                               // published by the semaphore's release
        _markDone.Reset(_workers - 1);
        for (int i = 0; i < _workers - 1; i++) _markStart.Release();
        if (sweep) SweepShards();
        else WorkerLoop();
        _markDone.Wait();
    }

    /// <summary>What the mark threads run when released: the sweep's shards, else the mark.</summary>
    private bool _sweepPhase;

    private readonly SemaphoreSlim _markStart = new(0);
    private readonly CountdownEvent _markDone = new(1);
    private int _markThreads;

    private void EnsureMarkThreads(int count)
    {
        while (_markThreads < count)
        {
            var t = new Thread(MarkThreadLoop) { IsBackground = true, Name = "Arena mark worker" };
            t.Start();
            _markThreads++;
        }
    }

    private void MarkThreadLoop()
    {
        while (true)
        {
            _markStart.Wait();
            if (_shutdown) return;
            try
            {
                if (_sweepPhase) SweepShards();
                else WorkerLoop();
            }
            finally { _markDone.Signal(); }
        }
    }

    private volatile bool _shutdown;

    /// <summary>Ends the mark threads (heap disposal).</summary>
    public void Shutdown()
    {
        foreach (ICollectionListener l in AliveListeners()) l.OnHeapDisposed();
        _shutdown = true;
        if (_markThreads > 0) _markStart.Release(_markThreads);
    }

    /// <summary>
    /// One mark worker (Go: gcDrain): drains its own list, shares half of a long list, takes
    /// from the global list when empty, and stops when every worker is idle and nothing is left.
    /// </summary>
    private void WorkerLoop()
    {
        var work = new WorkList();
        try
        {
            while (true)
            {
                DrainLocal(ref work);
                lock (_globalLock)
                {
                    if (TakeShare(ref work)) continue;
                    _idleWorkers++;
                    while (_global.Count == 0 && _idleWorkers < _workers) Monitor.Wait(_globalLock);
                    if (_global.Count == 0)
                    {
                        Monitor.PulseAll(_globalLock);   // everyone is idle: marking is done
                        break;
                    }
                    _idleWorkers--;
                    TakeShare(ref work);
                }
            }
        }
        finally { work.Dispose(); }
    }

    /// <summary>Items (queued slabs, large objects) a worker must hold before it gives half to an idle one.</summary>
    private const int ShareThreshold = 4;

    private bool TakeShare(ref WorkList work)
    {
        int n = Math.Max(1, Math.Min(256, _global.Count / _workers));
        bool any = false;
        for (int i = 0; i < n && _global.TryPop(out nuint o); i++) { work.Push(o); any = true; }
        return any;
    }

    // ---- sweep ------------------------------------------------------------------------

    /// <summary>
    /// Sweeps every collected slab and large object; sets _liveBytes to the bytes of the objects
    /// kept. A generational heap's minor cycle skips the slabs of old objects only (Central's
    /// OldFull), which it cannot change. With <paramref name="keepEmpty"/> the slabs left empty
    /// stay with their class until the next cycle (Central.SweepShard).
    /// </summary>
    private void Sweep(bool full, bool keepEmpty)
    {
        _sweepMinor = _generational && !full;
        _sweepKeepEmpty = keepEmpty;
        _sweepNext = 0;
        _sweepLive = 0;
        if (_parallelMark && _heap.Shards > 1) RunOnWorkers(sweep: true);
        else SweepShards();
        _liveBytes = _sweepLive + SweepLarge();
    }

    // The running sweep's settings and progress (Sweep, SweepShards).
    private bool _sweepMinor, _sweepKeepEmpty;
    private int _sweepNext;
    private long _sweepLive;

    /// <summary>
    /// One worker's part of the sweep: takes (shard, class, kind) items in turn until none is
    /// left and sweeps that shard of that central list. Shards are the innermost order, so the
    /// workers take different shards of a class at once, and a class holding most slabs (every
    /// thread allocating one type) is split between them. Slabs stay in their shard.
    /// </summary>
    private void SweepShards()
    {
        Central[] centrals = _heap.Centrals;
        int shards = _heap.Shards;
        int classes = SizeClassTable.Count - 1;
        int items = 2 * classes * shards;                  // Collected and CollectedScan
        long live = 0;
        while (true)
        {
            int i = Interlocked.Increment(ref _sweepNext) - 1;
            if (i >= items) break;
            int shard = i % shards, c = 1 + i / shards % classes;
            var kind = (SlabKind)((int)SlabKind.Collected + i / (shards * classes));
            long freed = centrals[SlabClass.Of(c, kind)].SweepShard(shard, _generational, _sweepMinor, _sweepKeepEmpty, ref live);
            if (freed != 0) Interlocked.Add(ref _sweptFrees[c], freed);
        }
        Interlocked.Add(ref _sweepLive, live);
    }

    /// <summary>Frees the unmarked large collected objects; returns the bytes of the marked ones.</summary>
    private long SweepLarge()
    {
        long live = 0;
        Slab* dead = null;
        lock (_largeLock)
        {
            for (Slab* s = _large, next; s != null; s = next)
            {
                next = s->Next;
                if (!SlabClass.IsCollected(s->Kind)) continue;
                if ((s->MarkBits[0] & 1) != 0)
                {
                    live += (long)s->LargeSize;
                    if (_generational) s->HasOld = s->Chunk->HasOld = true;   // a generational heap keeps the mark: old
                    else s->MarkBits[0] = 0;
                    continue;
                }
                UnlinkLarge(s);
                s->Next = dead;
                dead = s;
            }
        }
        while (dead != null)
        {
            Slab* next = dead->Next;
            _sweptLargeFrees++;
            _sweptLargeBytes += (long)dead->LargeSize;
            dead->State = SlabState.Free;
            _heap.Pages.FreeSlab(dead);
            dead = next;
        }
        return live;
    }

    private void UnlinkLarge(Slab* s)
    {
        if (s->Prev != null) s->Prev->Next = s->Next; else _large = s->Next;
        if (s->Next != null) s->Next->Prev = s->Prev;
        s->Next = s->Prev = null;
    }

    // ---- statistics -------------------------------------------------------------------

    /// <summary>Objects freed by sweeps, per size class (class 0: large objects).</summary>
    public void AddSweptFrees(long[] frees, out long largeFrees, out long largeBytes)
    {
        lock (_gate)
        {
            for (int c = 1; c < frees.Length; c++) frees[c] += _sweptFrees[c];
            largeFrees = _sweptLargeFrees;
            largeBytes = _sweptLargeBytes;
        }
    }

    /// <summary>Every pause since the heap was created, in nanoseconds (for pause distributions in benchmarks).</summary>
    public long[] AllPausesNs()
    {
        lock (_gate) return [.. _allPauses];
    }

    /// <summary>
    /// Every collection's time to stop since the heap was created, in nanoseconds: from the
    /// first thread's parking until the last mutator parked (for distributions in benchmarks).
    /// </summary>
    public long[] AllStopsNs()
    {
        lock (_gate) return [.. _allStops];
    }

    public CollectorStats Snapshot()
    {
        bool pending = _pending;
        int notParked = MutatorsNotParked;
        lock (_gate)
        {
            int n = (int)Math.Min(_numGC, _pauses.Length);
            var pauses = new long[n];
            for (int i = 0; i < n; i++) pauses[i] = _pauses[(_numGC - n + i) % _pauses.Length];
            double elapsed = Math.Max(1, Stopwatch.GetTimestamp() - _createdTimestamp);
            return new CollectorStats(_numGC, _numMinorGC, _pauseTotalNs, n > 0 ? pauses[^1] : 0, pauses, _lastGCUnixNs,
                _nextGC, _heapLive, _gcTicks / elapsed, pending, pending ? notParked : 0, _stopTotalNs, _allStops.Count > 0 ? _allStops[^1] : 0);
        }
    }
}

/// <summary>The collector's part of <see cref="HeapStats"/>.</summary>
internal readonly record struct CollectorStats(long NumGC, long NumMinorGC, long PauseTotalNs, long LastPauseNs, long[] RecentPausesNs,
    long LastGC, long NextGC, long HeapLive, double GCCPUFraction, bool PendingCollection, int MutatorsNotParked,
    long StopTotalNs, long LastStopNs);
