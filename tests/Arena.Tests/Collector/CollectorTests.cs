using Arena.Collector;

namespace Arena.Tests.Collector;

public unsafe class CollectorTests
{
    private static Ptr<GcNode> NewNode(Heap heap, long id)
    {
        Ptr<GcNode> n = heap.New<GcNode>();
        n.Value.Id = id;
        n.Value.Canary = id * unchecked((long)0x9E3779B97F4A7C15UL);
        return n;
    }

    private static Ptr<GcNode> List(Heap heap, int length)
    {
        Ptr<GcNode> head = Ptr<GcNode>.Null;
        for (int i = length - 1; i >= 0; i--)
        {
            Ptr<GcNode> n = NewNode(heap, i);
            n.Value.Left = head;
            head = n;
        }
        return head;
    }

    private static int CheckList(Ptr<GcNode> head)
    {
        int i = 0;
        for (Ptr<GcNode> n = head; !n.IsNull; n = n.Value.Left, i++)
        {
            Assert.Equal(i, n.Value.Id);
            Assert.Equal(i * unchecked((long)0x9E3779B97F4A7C15UL), n.Value.Canary);
        }
        return i;
    }

    /// <summary>Runs <paramref name="allocate"/> and a safepoint until a paced cycle has run.</summary>
    private static void RunPacedCycle(Heap heap, Action allocate)
    {
        long cycles = heap.GetStats().NumGC;
        while (heap.GetStats().NumGC == cycles)
        {
            allocate();
            heap.Safepoint();
        }
    }

    [Fact]
    public void A_paced_cycle_keeps_the_slabs_it_empties_for_the_next_allocations_and_gives_back_those_left_unused()
    {
        using var heap = new Heap();
        using var _ = heap.Scope();
        RunPacedCycle(heap, () => GcNodes.Churn(heap, 1000));
        long kept = heap.GetStats().HeapInuse;
        Assert.True(kept >= 4 << 20, $"the emptied slabs stay with their class: {kept} bytes in use");

        // Live nodes, half as many bytes as were freed: they go into the kept slabs, no new pages.
        Ptr<GcNode> list = List(heap, (int)(kept / 2 / sizeof(GcNode)));
        using Root<GcNode> root = heap.Root(list);
        Assert.Equal(kept, heap.GetStats().HeapInuse);

        // A paced cycle triggered by another class: the node slabs still empty since the last
        // cycle go back to the page heap; the ones the list took stay.
        RunPacedCycle(heap, () => heap.New<GcBig>());
        long after = heap.GetStats().HeapInuse;
        Assert.True(after < kept * 3 / 4, $"unused empty slabs go back: {after} of {kept} bytes still in use");
        Assert.Equal(kept / 2 / sizeof(GcNode), CheckList(root.Target));

        // Garbage again, in the slabs the sweep just kept, across more paced cycles.
        for (int i = 0; i < 3; i++) RunPacedCycle(heap, () => GcNodes.Churn(heap, 1000));
        heap.AssertValid();                               // ARENA_DEBUG: the kept slabs are valid Partial ones
        Assert.Equal(kept / 2 / sizeof(GcNode), CheckList(root.Target));

        // Trim() gives the kept slabs back; so does Collect(), at once.
        long beforeTrim = heap.GetStats().HeapInuse;
        heap.Trim();
        Assert.True(heap.GetStats().HeapInuse < beforeTrim, $"Trim() gives the kept slabs back: {heap.GetStats().HeapInuse} of {beforeTrim} bytes in use");
        RunPacedCycle(heap, () => GcNodes.Churn(heap, 1000));
        heap.Collect();
        long live = (kept / 2 / sizeof(GcNode)) * sizeof(GcNode);
        Assert.True(heap.GetStats().HeapInuse < live + (1 << 20), $"after Collect(): {heap.GetStats().HeapInuse} bytes in use for {live} live");
        Assert.Equal(kept / 2 / sizeof(GcNode), CheckList(root.Target));
    }

    [Fact]
    public void Under_a_MaxBytes_limit_a_paced_cycle_gives_the_slabs_it_empties_back_so_other_classes_can_use_the_pages()
    {
        // Kept slabs would count against MaxBytes until the next cycle: an allocation of another
        // class that needs those pages would throw instead of waiting for them.
        using var heap = new Heap(new HeapOptions { MaxBytes = 16 << 20 });
        using var _ = heap.Scope();
        long before = 0;
        RunPacedCycle(heap, () => { GcNodes.Churn(heap, 1000); before = Math.Max(before, heap.GetStats().HeapInuse); });
        long after = heap.GetStats().HeapInuse;
        Assert.True(after < before / 2, $"the emptied slabs go back at once: {after} of {before} bytes still in use");

        // Most of the limit is free for large objects now (each its own pages), with no cycle between.
        var bigs = new List<Root<GcBig>>();
        while ((bigs.Count + 2) * (long)sizeof(GcBig) < (12 << 20)) bigs.Add(heap.Root(heap.New<GcBig>()));
        Assert.True(heap.GetStats().HeapInuse <= 16 << 20);
        foreach (var b in bigs) b.Dispose();
    }

    [Fact]
    public void Collected_allocations_count_in_the_stats_before_any_collection()
    {
        // Collected slabs count their allocations when they leave a cache, and GetStats adds
        // what the slabs a cache holds have handed out since.
        using var heap = new Heap();
        int sizeClass = Arena.SizeClasses.SizeClassTable.ForSize(32);
        using (heap.Scope())
        {
            for (int i = 0; i < 1000; i++) NewNode(heap, i);
            HeapStats mine = heap.GetStats();
            Assert.Equal(1000, mine.Mallocs);
            Assert.Equal(1000, mine.HeapObjects);
            Assert.Equal(1000, mine.BySize[sizeClass].Mallocs);
        }
        var other = new Thread(() =>
        {
            using (heap.Scope())
                for (int i = 0; i < 3000; i++) NewNode(heap, i);      // crosses slab refills
        });
        other.Start();
        other.Join();
        Assert.Equal(4000, heap.GetStats().Mallocs);
        heap.Collect();                                             // nothing rooted: all freed
        HeapStats after = heap.GetStats();
        Assert.Equal(4000, after.Mallocs);
        Assert.Equal(4000, after.Frees);
        Assert.Equal(0, after.HeapObjects);
        Assert.Equal(4000, after.BySize[sizeClass].Mallocs);
    }

    [Fact]
    public void Unreachable_objects_are_freed_and_rooted_ones_kept()
    {
        using var heap = new Heap();
        using (heap.Scope())
        {
            using Root<GcNode> root = heap.Root(List(heap, 1000));
            List(heap, 5000);                                    // garbage
            heap.Collect();
            Assert.Equal(1000, heap.GetStats().HeapObjects);
            Assert.Equal(1000, CheckList(root.Target));
            Assert.Equal(1000 * 32, heap.GetStats().HeapLive);
            root.Dispose();
            heap.Collect();
            Assert.Equal(0, heap.GetStats().HeapObjects);
        }
        HeapStats s = heap.GetStats();
        Assert.Equal(2, s.NumGC);
        Assert.Equal(6000, s.Frees);
        Assert.Equal(2, s.PauseNs.Count);
        Assert.True(s.PauseTotalNs > 0 && s.LastPauseNs > 0 && s.LastGC > 0);
    }

    [Fact]
    public void Interior_pointers_keep_their_object()
    {
        using var heap = new Heap();
        using var _ = heap.Scope();
        Ptr<GcNode> n = NewNode(heap, 7);
        using Root<GcLeaf> interior = heap.Root(new Ptr<GcLeaf>((GcLeaf*)((byte*)n.Pointer + 16)));
        heap.Collect();
        Assert.Equal(1, heap.GetStats().HeapObjects);
        Assert.Equal(7, n.Value.Id);
    }

    [Fact]
    public void A_ten_million_node_list_is_marked_without_recursion()
    {
        using var heap = new Heap();
        using var _ = heap.Scope();
        heap.GCPercent = -1;
        using Root<GcNode> root = heap.Root(List(heap, 10_000_000));
        heap.Collect();
        HeapStats s = heap.GetStats();
        Assert.Equal(10_000_000, s.HeapObjects);
        Assert.Equal(10_000_000L * 32, s.HeapLive);
    }

    [Fact]
    public void Manual_objects_are_roots_and_are_never_collected()
    {
        using var heap = new Heap();
        using var _ = heap.Scope();
        Ptr<GcNode> manual = heap.Alloc<GcNode>();
        manual.Value.Right = List(heap, 100);
        heap.Collect();
        Assert.Equal(101, heap.GetStats().HeapObjects);
        Assert.Equal(100, CheckList(manual.Value.Right));
        heap.Free(manual);
        heap.Collect();
        Assert.Equal(0, heap.GetStats().HeapObjects);
    }

    /// <summary>
    /// A manual object freed by a thread whose cache does not hold its slab (a remote free: a bit
    /// in RemoteBits, merged into the alloc bits only when the slab is refilled) is no root: what
    /// only it held is freed by the next cycle.
    /// </summary>
    [Fact]
    public void A_manual_object_freed_by_another_thread_is_no_longer_a_root()
    {
        using var heap = new Heap();
        using var _ = heap.Scope();
        Ptr<GcNode> manual = heap.Alloc<GcNode>();
        Ptr<GcNode> kept = heap.Alloc<GcNode>();
        manual.Value.Right = List(heap, 100);
        kept.Value.Right = List(heap, 10);
        OtherThread.Run(() => heap.Free(manual));
        heap.Collect();
        Assert.Equal(1 + 10, heap.GetStats().HeapObjects);
        Assert.Equal(10, CheckList(kept.Value.Right));
        heap.Free(kept);
        heap.Collect();
        Assert.Equal(0, heap.GetStats().HeapObjects);
    }

    /// <summary>
    /// The same for a manual object freed by the thread that allocated it after its slab left the
    /// thread's cache: the slab is full, so the next allocation of its class takes another one.
    /// </summary>
    [Fact]
    public void A_manual_object_freed_after_its_slab_left_the_cache_is_no_longer_a_root()
    {
        using var heap = new Heap();
        using var _ = heap.Scope();
        Ptr<GcNode> manual = heap.Alloc<GcNode>();
        manual.Value.Right = List(heap, 100);
        // GcNode is 32 bytes: an 8 KiB slab holds 256. Fill the first slab so it leaves the cache.
        var fill = new List<Ptr<GcNode>>();
        for (int i = 0; i < 600; i++) fill.Add(heap.Alloc<GcNode>());
        heap.Free(manual);
        heap.Collect();
        Assert.Equal(600, heap.GetStats().HeapObjects);
        foreach (Ptr<GcNode> p in fill) heap.Free(p);
        heap.Collect();
        Assert.Equal(0, heap.GetStats().HeapObjects);
    }

    /// <summary>
    /// An ended thread's cache is retired by its finalizer at any moment, collections included:
    /// its slabs move to the central lists. The manual objects in them are roots all the same,
    /// even when the move happens while the collector is scanning the manual roots.
    /// </summary>
    [Fact]
    public void A_manual_object_of_an_ended_thread_stays_a_root_when_its_cache_is_retired_during_the_root_scan()
    {
        using var heap = new Heap(new HeapOptions(), shards: 1);
        using var _ = heap.Scope();
        // Manual slabs of the class on the central lists: one full, which the scan visits first,
        // and one partial, which the other thread takes.
        var early = new List<Ptr<GcNode>>();
        for (int i = 0; i < 300; i++) early.Add(heap.Alloc<GcNode>());
        heap.Trim();
        bool called = false;
        Ptr<GcNode> manual = default;
        Arena.Caches.ThreadCache? ended = null;
        OtherThread.Run(() =>
        {
            using (heap.Scope())
            {
                manual = heap.Alloc<GcNode>();
                manual.Value.Right = List(heap, 100);
            }
            ended = heap.CurrentThreadCache();
        });
        heap.Collector.WhileScanningManualRoots = () =>
        {
            // What the finalizer of the ended thread's cache does, at the worst moment.
            heap.RetireCache(ended!);
            GC.SuppressFinalize(ended!);
            called = true;
        };
        try
        {
            heap.Collect();
        }
        finally
        {
            heap.Collector.WhileScanningManualRoots = null;
        }
        Assert.True(called);
        Assert.Equal(301 + 100, heap.GetStats().HeapObjects);
        GcNodes.Churn(heap, 1000);   // would take the list's slots had they been freed
        Assert.Equal(100, CheckList(manual.Value.Right));
        heap.Free(manual);
        foreach (Ptr<GcNode> p in early) heap.Free(p);
        heap.Collect();
        Assert.Equal(0, heap.GetStats().HeapObjects);
        System.Runtime.InteropServices.NativeMemory.Free(ended!.Block);
    }

    /// <summary>
    /// A slot of a size class may hold a smaller object than the one before it: the words past
    /// the new object's end still hold what the old one wrote there, pointers included. They are
    /// not the new object's, so they keep nothing alive. A collected array here.
    /// </summary>
    [Fact]
    public void The_words_of_a_slot_past_a_smaller_collected_object_keep_nothing()
    {
        using var heap = new Heap();
        using var _ = heap.Scope();
        Ptr<GcNode> x = heap.New<GcNode>();
        Root<GcNode> rx = heap.Root(x);
        Ptr<GcLink> six = heap.NewArray<GcLink>(6);          // 48 bytes: class 48
        six[5].Value.To = x;
        heap.Collect();                                      // the array is freed, x kept by its root
        rx.Dispose();
        Ptr<GcLink> five = heap.NewArray<GcLink>(5);         // 40 bytes, in the array's slot
        using Root<GcLink> keep = heap.Root(five);
        Assert.Equal(six.Address, five.Address);
        Assert.Equal(x.Address, ((nint*)five.Pointer)[5]);  // the old pointer is still in the slot's last word
        heap.Collect();
        Assert.Equal(1, heap.GetStats().HeapObjects);        // x went
    }

    /// <summary>The same for manual objects: a slot's last word past a smaller object is no root.</summary>
    [Fact]
    public void The_words_of_a_slot_past_a_smaller_manual_object_are_no_root()
    {
        using var heap = new Heap();
        using var _ = heap.Scope();
        Ptr<GcNode> x = heap.New<GcNode>();
        Root<GcNode> rx = heap.Root(x);
        Ptr<GcFull48> wide = heap.Alloc<GcFull48>();         // 48 bytes, its pointer in word 5
        wide.Value.Last = x;
        heap.Free(wide);
        heap.Trim();                                         // its slab goes back to the page heap
        rx.Dispose();
        Ptr<GcMid> mid = heap.Alloc<GcMid>();                // 40 bytes, in the same slot of a new slab
        Assert.Equal(wide.Address, mid.Address);
        Assert.Equal(x.Address, ((nint*)mid.Pointer)[5]);
        heap.Collect();
        Assert.Equal(1, heap.GetStats().HeapObjects);        // mid only
        heap.Free(mid);
    }

    [Fact]
    public void Arrays_trace_every_element_and_large_ones_are_swept()
    {
        using var heap = new Heap();
        using var _ = heap.Scope();
        Ptr<GcNode> small = heap.NewArray<GcNode>(10);          // 320 B
        Ptr<GcNode> large = heap.NewArray<GcNode>(5000);        // 160 KB
        for (int i = 0; i < 10; i++) small[i].Value.Left = NewNode(heap, i);
        large[4999].Value.Right = NewNode(heap, 4999);
        using (heap.Root(small))
        using (heap.Root(large))
        {
            heap.Collect();
            Assert.Equal(2 + 10 + 1, heap.GetStats().HeapObjects);
            for (int i = 0; i < 10; i++) Assert.Equal(i, small[i].Value.Left.Value.Id);
            Assert.Equal(4999, large[4999].Value.Right.Value.Id);
        }
        heap.Collect();
        HeapStats s = heap.GetStats();
        Assert.Equal(0, s.HeapObjects);
        Assert.Equal(0, s.HeapAlloc);
    }

    [Fact]
    public void A_large_traced_object_keeps_what_its_last_word_points_to()
    {
        using var heap = new Heap();
        using var _ = heap.Scope();
        Ptr<GcBig> big = heap.New<GcBig>();
        big.Value.Tail = NewNode(heap, 42);
        using (heap.Root(big))
        {
            heap.Collect();
            Assert.Equal(2, heap.GetStats().HeapObjects);
            Assert.Equal(42, big.Value.Tail.Value.Id);
        }
        heap.Collect();
        Assert.Equal(0, heap.GetStats().HeapObjects);
    }

    [Fact]
    public void Empty_slabs_go_back_to_the_page_heap()
    {
        using var heap = new Heap();
        using (heap.Scope())
        {
            heap.GCPercent = -1;
            for (int i = 0; i < 100_000; i++) heap.New<GcLeaf>();
            Assert.True(heap.GetStats().HeapInuse >= 100_000 * 16);
            heap.Collect();
        }
        Assert.Equal(0, heap.GetStats().HeapInuse);
    }

    [Fact]
    public void Pacing_requests_a_collection_that_runs_at_a_safepoint()
    {
        using var heap = new Heap();
        using var _ = heap.Scope();
        Assert.Equal(100, heap.GCPercent);
        Assert.Equal(Arena.Collector.Collector.MinimumGoal, heap.GetStats().NextGC);
        int allocated = 0;
        while (!heap.GetStats().PendingCollection && allocated < 1_000_000) { heap.New<GcLeaf>(); allocated++; }
        Assert.True(heap.GetStats().PendingCollection, "4 MiB of allocation must request a collection");
        Assert.InRange(allocated * 16L, 3L << 20, 5L << 20);
        Assert.Equal(0, heap.GetStats().NumGC);       // allocation never waits
        heap.Safepoint();
        Assert.Equal(1, heap.GetStats().NumGC);
        Assert.False(heap.GetStats().PendingCollection);
        heap.GCPercent = -1;
        for (int i = 0; i < 1_000_000; i++) heap.New<GcLeaf>();
        Assert.False(heap.GetStats().PendingCollection);
    }

    /// <summary>
    /// Starts a thread that opens a scope on <paramref name="heap"/> and stays inside it for
    /// <paramref name="milliseconds"/>, passing no safepoint, then passes one and leaves; returns
    /// once that thread is inside its region.
    /// </summary>
    private static Thread StartSleeperInRegion(Heap heap, int milliseconds)
    {
        using var inRegion = new ManualResetEventSlim();
        var thread = new Thread(() =>
        {
            using var scope = heap.Scope();
            inRegion.Set();
            Thread.Sleep(milliseconds);
            heap.Safepoint();
        });
        thread.Start();
        inRegion.Wait();
        return thread;
    }

    /// <summary>
    /// The time to stop runs from the first thread's parking until the last mutator reaches a
    /// safepoint: here a second mutator that passes none for 300 ms. It is not in the pause.
    /// </summary>
    [Fact]
    public void The_time_to_stop_runs_from_the_first_parked_thread_to_the_last_mutator_arriving()
    {
        using var heap = new Heap();
        Assert.Equal((0L, 0L), (heap.GetStats().StopTotalNs, heap.GetStats().LastStopNs));
        using (heap.Scope()) heap.Collect();     // a lone mutator waits for no one
        long alone = heap.GetStats().LastStopNs;

        Thread other;
        using (heap.Scope())
        {
            other = StartSleeperInRegion(heap, 300);
            heap.Collect();                      // parks, then waits for the other thread
        }
        other.Join();

        HeapStats stats = heap.GetStats();
        Assert.Equal(2, stats.NumGC);
        Assert.True(stats.LastStopNs >= 100_000_000, $"stopped in {stats.LastStopNs} ns, while the other mutator slept 300 ms");
        Assert.True(stats.LastStopNs > 10 * alone, $"{stats.LastStopNs} ns waiting for a sleeper, {alone} ns alone");
        Assert.Equal(alone + stats.LastStopNs, stats.StopTotalNs);
        Assert.Equal([alone, stats.LastStopNs], heap.Collector.AllStopsNs());
        Assert.True(stats.LastPauseNs < stats.LastStopNs, $"the pause ({stats.LastPauseNs} ns) of an empty heap holds the wait ({stats.LastStopNs} ns)");

        using (heap.Scope()) heap.Collect();     // alone again: each cycle's wait starts afresh
        Assert.True(heap.GetStats().LastStopNs < stats.LastStopNs / 10, $"{heap.GetStats().LastStopNs} ns alone after {stats.LastStopNs} ns");
    }

    /// <summary>
    /// Once a thread has parked for a collection, a thread opening its outermost scope waits
    /// for the cycle instead of running (Go starts no goroutine while it stops the world):
    /// otherwise every thread that joins adds its work to the wait of those already parked.
    /// </summary>
    [Fact]
    public void A_thread_opening_its_outermost_scope_while_the_world_stops_waits_for_the_cycle()
    {
        using var heap = new Heap();
        Thread busy = StartSleeperInRegion(heap, 300);
        var collecting = new Thread(() =>
        {
            using (heap.Scope()) heap.Collect();
        });
        collecting.Start();
        // The collecting thread has parked: a collection is pending, and only the busy thread runs.
        Assert.True(SpinWait.SpinUntil(() => heap.GetStats() is { PendingCollection: true, MutatorsNotParked: 1 }, 5000));

        long seen = -1;
        var joining = new Thread(() =>
        {
            using (heap.Scope()) seen = heap.GetStats().NumGC;
        });
        joining.Start();
        Assert.True(joining.Join(5000), "the joining thread never got in");
        busy.Join();
        collecting.Join();

        Assert.Equal(1, seen);                   // it got in only after the cycle
        Assert.Equal(1, heap.GetStats().NumGC);
    }

    [Fact]
    public void Memory_limit_requests_collections_even_with_pacing_off()
    {
        using var heap = new Heap();
        using var _ = heap.Scope();
        heap.GCPercent = -1;
        heap.MemoryLimit = 1 << 20;
        for (int i = 0; i < 100_000 && !heap.GetStats().PendingCollection; i++) heap.New<GcLeaf>();
        Assert.True(heap.GetStats().PendingCollection);
        heap.Safepoint();
        Assert.Equal(1, heap.GetStats().NumGC);
        Assert.Throws<ArgumentOutOfRangeException>(() => heap.MemoryLimit = 0);
        Assert.Throws<ArgumentOutOfRangeException>(() => heap.GCPercent = -2);
    }

    [Fact]
    public void Collected_allocation_outside_a_mutator_region_explains_the_fix()
    {
        using var heap = new Heap();
        var e = Assert.Throws<InvalidOperationException>(() => heap.New<GcNode>());
        Assert.Contains("heap.Scope()", e.Message);
        Assert.Throws<InvalidOperationException>(() => heap.NewArray<GcNode>(3));
        using (heap.Scope())
        {
            heap.New<GcNode>();
            Assert.Equal("length", Assert.Throws<ArgumentOutOfRangeException>(() => heap.NewArray<GcNode>(-1)).ParamName);
            // int.MaxValue 40 KiB objects: past the 1 TiB a request may take.
            Assert.Throws<ArgumentOutOfRangeException>(() => heap.NewArray<GcBig>(int.MaxValue));
            Assert.Equal(1, heap.GetStats().HeapObjects);
        }
        Assert.Throws<InvalidOperationException>(() => heap.New<GcNode>());
    }

    [Fact]
    public void Free_of_a_collected_object_is_refused_and_the_heap_stays_intact()
    {
        using var heap = new Heap();
        using var _ = heap.Scope();
        Ptr<GcNode> n = NewNode(heap, 3);
        using Root<GcNode> r = heap.Root(n);
        var e = Assert.Throws<InvalidOperationException>(() => heap.Free(n));
        Assert.Contains("collector", e.Message);
        heap.Collect();
        Assert.Equal(3, n.Value.Id);
        Assert.Equal(1, heap.GetStats().HeapObjects);
    }

    [Fact]
    public void Roots_can_be_retargeted_and_disposed_twice()
    {
        using var heap = new Heap();
        using var _ = heap.Scope();
        Root<GcNode> r = heap.Root(Ptr<GcNode>.Null);
        Assert.True(r.IsActive);
        r.Target = NewNode(heap, 1);
        heap.Collect();
        Assert.Equal(1, r.Target.Value.Id);
        r.Dispose();
        r.Dispose();
        Assert.False(r.IsActive);
        Assert.Throws<ObjectDisposedException>(() => r.Target);
        heap.Collect();
        Assert.Equal(0, heap.GetStats().HeapObjects);
    }

    [Fact]
    public void A_collection_waits_for_every_mutator_and_shows_who_it_waits_for()
    {
        using var heap = new Heap();
        using var inRegion = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var mutator = new Thread(() =>
        {
            using (heap.Scope())
            {
                inRegion.Set();
                release.Wait();
                heap.Safepoint();
            }
        });
        mutator.Start();
        inRegion.Wait();
        var collector = new Thread(heap.Collect);
        collector.Start();
        HeapStats s = default;
        for (int i = 0; i < 200 && !(s = heap.GetStats()).PendingCollection; i++) Thread.Sleep(5);
        Assert.True(s.PendingCollection);
        Assert.Equal(1, s.MutatorsNotParked);
        Assert.Equal(0, s.NumGC);
        release.Set();
        collector.Join();
        mutator.Join();
        Assert.Equal(1, heap.GetStats().NumGC);
        Assert.False(heap.GetStats().PendingCollection);
    }

    [Fact]
    public void An_empty_array_in_a_freed_slot_keeps_nothing_its_stale_words_point_to()
    {
        using var heap = new Heap();
        using var _ = heap.Scope();
        Ptr<GcNode> node = GcNodes.New(heap, 1);
        Root<GcNode> nodeRoot = heap.Root(node);
        using Root<GcLink> kept = heap.Root(heap.New<GcLink>());   // keeps the links' slab in use
        for (int i = 0; i < 10; i++) heap.New<GcLink>().Value.To = node;
        heap.Collect();                                          // the ten links die; their slots still hold node's address
        var empties = new Root<GcLink>[10];
        for (int i = 0; i < empties.Length; i++) empties[i] = heap.Root(heap.NewArray<GcLink>(0));
        nodeRoot.Dispose();
        heap.Collect();
        // The empty arrays hold no pointer: node is garbage, whatever their slots held before.
        Assert.Equal(1 + empties.Length, heap.GetStats().HeapObjects);
        foreach (Root<GcLink> r in empties) r.Dispose();
    }


    /// <summary>
    /// The sweep runs on the mark workers, one shard of a central list at a time: with more
    /// shards and workers than cores, slabs that several threads filled in their own shards are
    /// swept in parallel, and exactly the rooted objects are kept, canaries intact, cycle after cycle.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_sweep_spread_over_workers_and_shards_keeps_exactly_the_rooted_objects(bool generational)
    {
        using var heap = new Heap(new HeapOptions { MarkWorkers = 4, Generational = generational }, shards: 8);
        const int threads = 6, perThread = 20_000, kept = 500;
        var roots = new System.Collections.Concurrent.ConcurrentBag<Root<GcNode>>();
        for (int cycle = 0; cycle < 3; cycle++)
        {
            var ts = Enumerable.Range(0, threads).Select(t => new Thread(() =>
            {
                using var scope = heap.Scope();
                Ptr<GcNode> head = Ptr<GcNode>.Null;
                for (int i = 0; i < perThread; i++)
                {
                    Ptr<GcNode> n = NewNode(heap, i);
                    if (i < kept)                              // a list of the first ones; the rest is garbage
                    {
                        n.Value.Left = head;
                        head = n;
                    }
                }
                roots.Add(heap.Root(head));
            })).ToArray();
            foreach (Thread t in ts) t.Start();
            foreach (Thread t in ts) t.Join();
            heap.Collect();
            Assert.Equal((long)(cycle + 1) * threads * kept, heap.GetStats().HeapObjects);
            foreach (Root<GcNode> r in roots)
            {
                int n = 0;
                for (Ptr<GcNode> p = r.Target; !p.IsNull; p = p.Value.Left, n++)
                    Assert.Equal(p.Value.Id * unchecked((long)0x9E3779B97F4A7C15UL), p.Value.Canary);
                Assert.Equal(kept, n);
            }
        }
        foreach (Root<GcNode> r in roots) r.Dispose();
        heap.Collect();
        Assert.Equal(0, heap.GetStats().HeapObjects);
    }
}

public unsafe class ScopeRootTests
{
    [Fact]
    public void An_object_referenced_only_from_scope_memory_lives_while_the_scope_is_open()
    {
        using var heap = new Heap();
        using (Scope outer = heap.Scope())
        {
            Ptr<Ptr<GcNode>> slot;
            using (Scope inner = heap.Scope())
            {
                slot = inner.New<Ptr<GcNode>>();
                Ptr<GcNode> n = heap.New<GcNode>();
                n.Value.Id = 99;
                slot.Value = n;
                heap.Collect();
                Assert.Equal(1, heap.GetStats().HeapObjects);
                Assert.Equal(99, slot.Value.Value.Id);
            }
            heap.Collect();                                  // the inner scope's memory is gone
            Assert.Equal(0, heap.GetStats().HeapObjects);
        }
    }

    [Fact]
    public void Leaving_the_outermost_scope_is_a_safepoint_that_runs_a_pending_collection()
    {
        using var heap = new Heap();
        using (heap.Scope())
        {
            heap.GCPercent = 0;                              // every refill asks for a collection
            for (int i = 0; i < 10_000; i++) heap.New<GcLeaf>();
            Assert.True(heap.GetStats().PendingCollection);
            Assert.Equal(0, heap.GetStats().NumGC);
        }
        Assert.Equal(1, heap.GetStats().NumGC);
        Assert.Equal(0, heap.GetStats().HeapObjects);
    }

    [Fact]
    public void A_thread_opening_its_first_scope_waits_for_a_running_collection_and_is_counted()
    {
        using var heap = new Heap();
        using var opened = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var t = new Thread(() =>
        {
            using (heap.Scope()) { opened.Set(); release.Wait(); }
        });
        t.Start();
        opened.Wait();
        var collect = new Thread(heap.Collect);
        collect.Start();
        while (!heap.GetStats().PendingCollection) Thread.Sleep(1);
        Assert.Equal(1, heap.GetStats().MutatorsNotParked);
        release.Set();                                       // its scope closes: a safepoint
        collect.Join();
        t.Join();
        Assert.Equal(1, heap.GetStats().NumGC);
    }
}

// These tests store scope pointers into heap objects on purpose, to check what happens at
// run time; the escape analyzer (ARENA103) rightly flags that at compile time.
#pragma warning disable ARENA103
public unsafe class CheckedStoreTests
{
    [Fact]
    public void Checked_mode_reports_a_pointer_into_a_disposed_scope_stored_through_a_barrier()
    {
        using var heap = new Heap(new HeapOptions { Checked = true });
        Ptr<GcNode> target;
        using (Scope s = heap.Scope()) target = s.New<GcNode>();      // dies with its scope
        Ptr<GcNode> holder = heap.Alloc<GcNode>();
        var e = Assert.Throws<InvalidOperationException>(() => holder.Value.Left = target);
        Assert.Contains("no longer allocated", e.Message);
        Assert.True(holder.Value.Left.IsNull);                         // nothing was stored
        using (Scope s = heap.Scope())
        {
            Ptr<GcNode> live = s.New<GcNode>();
            holder.Value.Left = live;                                  // a live scope's memory is fine
            Assert.Equal(live, holder.Value.Left);
            holder.Value.Left = Ptr<GcNode>.Null;
        }
        // Memory no checked heap owns is not checked: native memory, and another heap's object.
        GcNode* native = (GcNode*)System.Runtime.InteropServices.NativeMemory.AllocZeroed((nuint)sizeof(GcNode));
        using var unchecked_ = new Heap(new HeapOptions { Checked = false });
        Ptr<GcNode> other = unchecked_.Alloc<GcNode>();
        try
        {
            holder.Value.Left = new Ptr<GcNode>(native);
            holder.Value.Right = other;
            Assert.Equal((nint)native, holder.Value.Left.Address);
            Assert.Equal(other, holder.Value.Right);
        }
        finally
        {
            holder.Value.Left = Ptr<GcNode>.Null;
            holder.Value.Right = Ptr<GcNode>.Null;
            System.Runtime.InteropServices.NativeMemory.Free(native);
            unchecked_.Free(other);
        }
        heap.Free(holder);
    }

    [Trait("Mode", "Unchecked")]
    [Fact]
    public void Without_checked_mode_stores_take_the_fast_path()
    {
        using Heap heap = Pools.PoolTestHeaps.Unchecked("unchecked stores, which ARENA_CHECKED=1 turns off");
        Ptr<GcNode> target;
        using (Scope s = heap.Scope()) target = s.New<GcNode>();
        Ptr<GcNode> holder = heap.Alloc<GcNode>();
        holder.Value.Left = target;                                    // not validated: no throw
        Assert.Equal(target, holder.Value.Left);
        heap.Free(holder);
    }
}
#pragma warning restore ARENA103
