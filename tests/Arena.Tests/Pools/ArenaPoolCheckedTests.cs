namespace Arena.Tests.Pools;

/// <summary>Checked mode: objects rented and never returned are reported with type and count.</summary>
public class ArenaPoolCheckedTests
{
    private struct Item
    {
        public long A;
    }

    private static Heap CheckedHeap() => new(new HeapOptions { Checked = true });

    [Fact]
    public void Objects_rented_before_the_previous_trim_and_never_returned_are_reported_by_trim()
    {
        using var heap = CheckedHeap();
        using var pool = new ArenaPool<Item>(heap);
        var seen = new List<PoolLeakReport>();
        void Handler(PoolLeakReport r) { if (ReferenceEquals(r.Pool, pool)) lock (seen) seen.Add(r); }
        ArenaDiagnostics.PoolLeak += Handler;
        try
        {
            var leaked = Enumerable.Range(0, 3).Select(_ => pool.Rent()).ToList();
            pool.Return(pool.Rent());
            Assert.Equal(3, pool.RentedCount);
            pool.Trim();
            Assert.Null(pool.LastLeakReport);               // rented since the last trim: maybe in use
            Assert.Empty(seen);
            pool.Trim();
            PoolLeakReport report = Assert.IsType<PoolLeakReport>(pool.LastLeakReport);
            Assert.Equal(typeof(Item), report.ItemType);
            Assert.Equal(3, report.Count);
            Assert.Equal(PoolLeakTrigger.Trim, report.Trigger);
            Assert.Contains("Item", report.ToString());
            Assert.Equal([report], seen);
            foreach (Ptr<Item> p in leaked) pool.Return(p);
            pool.Trim();
            Assert.Null(pool.LastLeakReport);
            Assert.Equal(0, pool.RentedCount);
        }
        finally
        {
            ArenaDiagnostics.PoolLeak -= Handler;
        }
    }

    [Fact]
    public void Disposal_reports_every_object_still_rented_even_if_a_handler_throws()
    {
        using var heap = CheckedHeap();
        var pool = new ArenaPool<Item>(heap);
        PoolLeakReport? seen = null;
        void Throwing(PoolLeakReport r) { if (ReferenceEquals(r.Pool, pool)) throw new InvalidOperationException("handler bug"); }
        void Handler(PoolLeakReport r) { if (ReferenceEquals(r.Pool, pool)) seen = r; }
        ArenaDiagnostics.PoolLeak += Throwing;
        ArenaDiagnostics.PoolLeak += Handler;
        try
        {
            Ptr<Item> a = pool.Rent(), b = pool.Rent();
            pool.Return(pool.Rent());
            pool.Dispose();
            Assert.NotNull(seen);
            Assert.Equal(2, seen!.Count);
            Assert.Equal(PoolLeakTrigger.Dispose, seen.Trigger);
            Assert.Same(seen, pool.LastLeakReport);
            pool.Return(a);                                  // late returns still go back to the heap
            pool.Return(b);
            Assert.Equal(0, heap.GetStats().HeapObjects);
        }
        finally
        {
            ArenaDiagnostics.PoolLeak -= Throwing;
            ArenaDiagnostics.PoolLeak -= Handler;
        }
    }

    [Fact]
    public void Checked_mode_catches_double_returns_and_counts_across_threads()
    {
        using var heap = CheckedHeap();
        using var pool = new ArenaPool<Item>(heap);
        Ptr<Item> p = pool.Rent();
        var t = new Thread(() => pool.Return(p));            // returned by another thread
        t.Start();
        t.Join();
        Assert.Equal(0, pool.RentedCount);
        Assert.Throws<ArgumentException>(() => pool.Return(p));
        Assert.Equal(0, pool.RentedCount);
    }

    [Trait("Mode", "Unchecked")]
    [Fact]
    public void Outside_checked_mode_nothing_is_tracked_or_reported()
    {
        using var heap = PoolTestHeaps.Unchecked("unchecked mode");
        var pool = new ArenaPool<Item>(heap);
        Ptr<Item> p = pool.Rent();
        pool.Trim();
        pool.Trim();
        pool.Dispose();
        Assert.Equal(-1, pool.RentedCount);
        Assert.Null(pool.LastLeakReport);
        pool.Return(p);
    }
}
