namespace Arena.Tests.Collector;

/// <summary>
/// The safepoint protocol under churn: mutators enter and leave without a lock while nothing
/// is pending, so these tests race many short mutator regions against collections and check
/// the liveness contract each time: an object a mutator allocated, held only in its locals,
/// is never freed before that mutator passes a safepoint.
/// </summary>
public unsafe class SafepointStressTests
{
    [Fact]
    public void Collections_never_run_inside_a_mutator_region_opened_without_the_lock()
    {
        using var heap = new Heap(new HeapOptions { MarkWorkers = 2 });
        heap.GCPercent = -1;                              // only the collector thread below asks
        const int Threads = 4, RegionsPerThread = 20_000;
        int damaged = 0, overlapped = 0, done = 0;
        // A rooted list, so that each cycle takes long enough for idle threads to try to enter.
        Root<GcNode> ballast;
        using (heap.Scope())
        {
            Ptr<GcNode> list = Ptr<GcNode>.Null;
            for (int i = 0; i < 50_000; i++)
            {
                Ptr<GcNode> node = heap.New<GcNode>();
                node.Value.Right = list;
                list = node;
            }
            ballast = heap.Root(list);
        }
        var mutators = Enumerable.Range(0, Threads).Select(t => new Thread(() =>
        {
            var rng = new Random(t);
            for (int r = 0; r < RegionsPerThread; r++)
            {
                using (heap.Scope())
                {
                    // No cycle may start or finish while this region is open: it has no safepoint.
                    long cycle = heap.Collector.NumGC;
                    // Fresh objects in locals only: safe until this region's end.
                    int n = rng.Next(1, 8);
                    Ptr<GcNode> head = Ptr<GcNode>.Null;
                    for (int i = 0; i < n; i++)
                    {
                        Ptr<GcNode> node = heap.New<GcNode>();
                        node.Value.Canary = 0x0BADC0DE ^ (r * 8 + i);
                        node.Value.Id = t;
                        node.Value.Right = head;
                        head = node;
                    }
                    Thread.SpinWait(rng.Next(0, 50));
                    // More allocation after the wait: a cycle that ran meanwhile would have
                    // freed the list above, and these could take its slots.
                    for (int i = 0; i < 4; i++) heap.New<GcNode>().Value.Canary = -1;
                    int k = n - 1;
                    for (Ptr<GcNode> p = head; !p.IsNull; p = p.Value.Right, k--)
                    {
                        if (p.Value.Canary != (0x0BADC0DE ^ (r * 8 + k)) || p.Value.Id != t) Interlocked.Increment(ref damaged);
                    }
                    if (k != -1) Interlocked.Increment(ref damaged);
                    if (heap.Collector.NumGC != cycle) Interlocked.Increment(ref overlapped);
                }
                Thread.SpinWait(rng.Next(0, 200));     // idle between regions: not a mutator
            }
            Interlocked.Increment(ref done);
        })).ToList();
        mutators.ForEach(m => m.Start());
        long collections = 0;
        while (Volatile.Read(ref done) < Threads)
        {
            heap.Collect();                               // from a non-mutator thread
            collections++;
        }
        mutators.ForEach(m => m.Join());
        Assert.Equal(0, overlapped);
        Assert.Equal(0, damaged);
        Assert.True(collections > 10, $"only {collections} collections ran during the test");
        HeapStats s = heap.GetStats();
        Assert.False(s.PendingCollection);
        Assert.Equal(0, s.MutatorsNotParked);
        heap.Collect();
        Assert.Equal(50_000, heap.GetStats().HeapObjects);
        ballast.Dispose();
        heap.Collect();
        Assert.Equal(0, heap.GetStats().HeapObjects);
    }

    [Fact]
    public void Mutators_that_only_enter_and_leave_let_every_requested_collection_run()
    {
        using var heap = new Heap();
        const int Threads = 3;
        int stop = 0;
        var churn = Enumerable.Range(0, Threads).Select(_ => new Thread(() =>
        {
            while (Volatile.Read(ref stop) == 0)
            {
                using (heap.Scope()) { }
            }
        })).ToList();
        churn.ForEach(t => t.Start());
        try
        {
            for (int i = 1; i <= 200; i++)
            {
                heap.Collect();
                Assert.Equal(i, heap.GetStats().NumGC);
            }
        }
        finally
        {
            Volatile.Write(ref stop, 1);
            churn.ForEach(t => t.Join());
        }
        Assert.Equal(0, heap.GetStats().MutatorsNotParked);
    }
}
