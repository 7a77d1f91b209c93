namespace Arena;

/// <summary>Settings of a <see cref="Heap"/>. Read once, by the constructor.</summary>
public sealed class HeapOptions
{
    /// <summary>
    /// Hard limit on bytes in use (pages of slabs, scopes and large objects; HeapInuse).
    /// An allocation past it throws <see cref="ArenaOutOfMemoryException"/> and the heap
    /// stays usable. 0 (the default) means no limit.
    /// </summary>
    public long MaxBytes { get; init; }

    /// <summary>
    /// Bytes of wholly free 4 MiB chunks the heap keeps for reuse; free chunks past this
    /// are given back to the operating system. Default 64 MiB.
    /// </summary>
    public long RetainedBytes { get; init; } = 64L << 20;

    /// <summary>
    /// Checked mode: extra validation and poisoning of freed memory, for tests and
    /// debugging. Also turned on by the environment variable <c>ARENA_CHECKED=1</c>.
    /// </summary>
    public bool Checked { get; init; }

    /// <summary>
    /// Threads that mark in parallel during a collection (Go: the GC workers of GOMAXPROCS).
    /// 0 (the default) means one per logical core, at most 16.
    /// </summary>
    public int MarkWorkers { get; init; }

    /// <summary>
    /// On Linux, ask the kernel to back the heap's 4 MiB chunks with transparent huge pages
    /// (madvise MADV_HUGEPAGE), as Go's runtime does: the first touch of a chunk then takes two
    /// 2 MiB page faults instead of 1024 small ones, and the TLB covers more of the heap. Takes
    /// effect where THP is "madvise" or "always" (/sys/kernel/mm/transparent_hugepage/enabled).
    /// The price: a chunk's resident memory grows in 2 MiB steps. Default true.
    /// </summary>
    public bool HugePages { get; init; } = true;

    /// <summary>
    /// Generational collection with sticky mark bits: objects that survive a collection are
    /// old, and a paced collection (a minor one) traces only from the roots and from the old
    /// objects whose pointer fields were written since the last collection (recorded by the
    /// write barrier in a card table), so a large long-lived heap is not traced again at every
    /// cycle. A full collection runs when the old objects have grown by GCPercent percent since
    /// the last full one, when the heap passes MemoryLimit, and at every <see cref="Heap.Collect"/>.
    /// The price: an old object that dies is freed by the next full collection, not the next
    /// collection; and every pointer store into a collected object must go through the
    /// generated properties (or <see cref="WriteBarrier.Write{T}"/>), which then also mark a card.
    /// Default false.
    /// </summary>
    public bool Generational { get; init; }

    internal void Validate()
    {
        if (MarkWorkers < 0)
            throw new ArgumentOutOfRangeException(nameof(MarkWorkers), MarkWorkers, "MarkWorkers must be 0 (one per core) or positive.");
        if (MaxBytes < 0)
            throw new ArgumentOutOfRangeException(nameof(MaxBytes), MaxBytes, "MaxBytes must be 0 (no limit) or positive.");
        if (RetainedBytes < 0)
            throw new ArgumentOutOfRangeException(nameof(RetainedBytes), RetainedBytes, "RetainedBytes must be 0 or positive.");
    }
}
