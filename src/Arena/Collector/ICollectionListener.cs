// See Collector.cs for the collector's overview.

namespace Arena.Collector;

/// <summary>
/// Told after every collection of its heap, with the world still stopped. Typed pools age
/// their victim caches here, as Go's sync.Pool does in poolCleanup at each GC.
/// </summary>
internal interface ICollectionListener
{
    void OnCollection();
}
