namespace Arena.Tests.Collector;

/// <summary>
/// What the model tests share about collections: whether one ran since the model last looked,
/// whether it was full or minor, and what the heap may hold after it. After a full cycle the
/// heap holds exactly the collected objects the model reaches; after a minor one, at least
/// those and at most what the cycles before may have kept (old objects, dead or not) and what
/// that reaches, since only full cycles free old objects.
/// </summary>
/// <param name="reach">Everything the model reaches from the given objects, them included.</param>
internal sealed class ModelCycles<T>(Heap heap, bool generational, int seed, Func<IEnumerable<T>, List<T>> reach) where T : class
{
    private long _lastGc = heap.GetStats().NumGC;
    private long _lastFull = heap.GetStats().NumGC - heap.GetStats().NumMinorGC;
    private List<T> _mayHold = [];

    /// <summary>Whether a cycle ran since the model last looked (a safepoint may have run one).</summary>
    public bool RanOne()
    {
        long gc = heap.GetStats().NumGC;
        if (gc == _lastGc) return false;
        _lastGc = gc;
        return true;
    }

    /// <summary>Runs a cycle: on a generational heap a minor one as often as a full one.</summary>
    public void Collect(Random rng)
    {
        if (generational && rng.Next(2) == 0) heap.CollectMinor();
        else heap.Collect();
        _lastGc = heap.GetStats().NumGC;
    }

    /// <summary>
    /// After a cycle, with <paramref name="live"/> what the model reaches: with
    /// <paramref name="checkCount"/> (only right when no other thread allocates), checks the
    /// heap's objects less <paramref name="notCollected"/> (manual ones) against it.
    /// </summary>
    public void Check(List<T> live, bool checkCount, long notCollected, string when)
    {
        HeapStats stats = heap.GetStats();
        long fullCycles = stats.NumGC - stats.NumMinorGC;
        bool full = !generational || fullCycles != _lastFull;
        _lastFull = fullCycles;
        _mayHold = full ? live : reach([.. live, .. _mayHold]);
        if (!checkCount) return;
        long objects = stats.HeapObjects - notCollected;
        if (full)
        {
            if (objects != live.Count) Assert.Fail($"seed {seed}, {when}: heap holds {objects} collected objects, the model reaches {live.Count}");
        }
        else if (objects < live.Count || objects > _mayHold.Count)
            Assert.Fail($"seed {seed}, {when} (minor): heap holds {objects} collected objects, the model reaches {live.Count} and may hold {_mayHold.Count}");
    }
}
