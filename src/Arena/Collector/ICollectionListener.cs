// See Collector.cs for the collector's overview.

namespace Arena.Collector;

/// <summary>
/// Told after every collection of its heap, with the world still stopped, and when the heap is
/// disposed. Typed pools age their victim caches here, as Go's sync.Pool does in poolCleanup
/// at each GC, and stop touching pooled memory once the heap is gone.
/// </summary>
internal interface ICollectionListener
{
    void OnCollection();

    /// <summary>The heap is being disposed: its memory is about to be released.</summary>
    void OnHeapDisposed();
}
