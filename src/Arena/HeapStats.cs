namespace Arena;

/// <summary>
/// A snapshot of a heap's memory statistics, named after Go's runtime.MemStats. Counters
/// are read without stopping other threads, so a snapshot taken while they allocate is
/// approximate; one taken while they are quiet is exact.
/// </summary>
public readonly record struct HeapStats
{
    /// <summary>Bytes of allocated objects (rounded up to their size class). Go: HeapAlloc.</summary>
    public long HeapAlloc { get; init; }
    /// <summary>Bytes of memory obtained from the operating system and not given back. Go: HeapSys.</summary>
    public long HeapSys { get; init; }
    /// <summary>Bytes in chunks that hold no slab, scope or large object. Go: HeapIdle.</summary>
    public long HeapIdle { get; init; }
    /// <summary>
    /// Bytes in pages used by slabs, scopes and large objects. Go: HeapInuse. Includes the
    /// slabs a paced collection emptied and kept for the allocations after it, until the next
    /// cycle, <see cref="Heap.Collect"/> or <see cref="Heap.Trim"/> gives them back.
    /// </summary>
    public long HeapInuse { get; init; }
    /// <summary>
    /// Bytes given back to the operating system over the heap's life. Go counts memory
    /// released but still mapped; Arena frees whole chunks, so they leave HeapSys.
    /// </summary>
    public long HeapReleased { get; init; }
    /// <summary>Number of allocated objects. Go: HeapObjects.</summary>
    public long HeapObjects { get; init; }
    /// <summary>Cumulative bytes allocated (never decreases). Go: TotalAlloc.</summary>
    public long TotalAlloc { get; init; }
    /// <summary>Cumulative count of objects allocated. Go: Mallocs.</summary>
    public long Mallocs { get; init; }
    /// <summary>Cumulative count of objects freed. Go: Frees.</summary>
    public long Frees { get; init; }
    /// <summary>Per size class: object size, objects allocated and freed. Go: BySize.</summary>
    public IReadOnlyList<SizeClassStats> BySize { get; init; }

    /// <summary>Completed collections. Go: NumGC.</summary>
    public long NumGC { get; init; }
    /// <summary>
    /// Of <see cref="NumGC"/>, the minor collections of a generational heap
    /// (<see cref="HeapOptions.Generational"/>); 0 otherwise.
    /// </summary>
    public long NumMinorGC { get; init; }
    /// <summary>Total stop-the-world pause time of all collections, in nanoseconds. Go: PauseTotalNs.</summary>
    public long PauseTotalNs { get; init; }
    /// <summary>Pause of the latest collection, in nanoseconds (0 before the first).</summary>
    public long LastPauseNs { get; init; }
    /// <summary>Pauses of the latest collections (up to 256), oldest first, in nanoseconds. Go: PauseNs.</summary>
    public IReadOnlyList<long> PauseNs { get; init; }
    /// <summary>When the latest collection ended, in nanoseconds since 1970 (UTC). Go: LastGC.</summary>
    public long LastGC { get; init; }
    /// <summary>The heap size (live collected bytes plus new allocation) that triggers the next collection. Go: NextGC.</summary>
    public long NextGC { get; init; }
    /// <summary>Bytes of collected objects found live by the latest collection (Go: the pacer's heapLive after mark).</summary>
    public long HeapLive { get; init; }
    /// <summary>Fraction of wall time since the heap was created spent in collections. Go: GCCPUFraction.</summary>
    public double GCCPUFraction { get; init; }
    /// <summary>True while a collection is requested and waits for mutators to reach a safepoint.</summary>
    public bool PendingCollection { get; init; }
    /// <summary>While a collection is pending: mutator threads (open scopes) that have not yet reached a safepoint.</summary>
    public int MutatorsNotParked { get; init; }
    /// <summary>
    /// Total time to stop of all collections, in nanoseconds: for each, from the moment the
    /// first thread parked for it (or called <see cref="Heap.Collect"/>) until the last
    /// mutator reached a safepoint. The threads that parked wait through it before the pause;
    /// it is not part of <see cref="PauseTotalNs"/>. Long when a mutator passes safepoints
    /// rarely. Go reports the same wait as the runtime/metrics histogram
    /// /sched/pauses/stopping/gc:seconds.
    /// </summary>
    public long StopTotalNs { get; init; }
    /// <summary>Time to stop of the latest collection, in nanoseconds (0 before the first); see <see cref="StopTotalNs"/>.</summary>
    public long LastStopNs { get; init; }
    /// <summary>
    /// Bytes of chunks and large runs attached to open scopes, all threads. Included in
    /// HeapInuse (Go counts stacks apart from the heap). Go: StackInuse.
    /// </summary>
    public long StackInuse { get; init; }
    /// <summary>
    /// Bytes of scope memory held by all threads: open scopes, the first chunk each depth
    /// keeps while closed, and per-thread chunk caches. Go: StackSys.
    /// </summary>
    public long StackSys { get; init; }
    /// <summary>Scopes opened over the heap's life, all threads. Objects allocated in scopes are not counted in Mallocs.</summary>
    public long ScopesOpened { get; init; }
    /// <summary>Scopes open now, all threads.</summary>
    public long OpenScopes { get; init; }
    /// <summary>Safepoints passed by disposing an outermost scope, all threads.</summary>
    public long ScopeSafepoints { get; init; }
}

/// <summary>Allocation counts of one size class. Go: MemStats.BySize's element.</summary>
/// <param name="Size">The largest object size of the class, in bytes.</param>
/// <param name="Mallocs">Cumulative objects allocated in the class.</param>
/// <param name="Frees">Cumulative objects freed in the class.</param>
public readonly record struct SizeClassStats(int Size, long Mallocs, long Frees);
