namespace Arena.Tests.Pools;

/// <summary>
/// <see cref="LocalPool{T}"/>: the thread's handle rents and returns exactly as the pool does,
/// shares the pool's per-thread cache, refuses the same bad input, and stays safe after the
/// pool or its heap is disposed.
/// </summary>
public unsafe class LocalPoolTests
{
    private struct Item
    {
        public long A;
        public long B;
    }

    private delegate void Use(LocalPool<Item> local);

    /// <summary>A ref struct cannot be captured by a lambda, so a handle's exception is caught here.</summary>
    private static Exception? Catch(LocalPool<Item> local, Use use)
    {
        try { use(local); }
        catch (Exception e) { return e; }
        return null;
    }

    [Fact]
    public void Rent_gives_zeroed_objects_and_reuses_what_was_returned_through_either_path()
    {
        using var heap = new Heap();
        using var pool = new ArenaPool<Item>(heap);
        LocalPool<Item> local = pool.Local();
        Assert.Same(pool, local.Pool);
        Ptr<Item> a = local.Rent();
        Assert.Equal(0, a.Value.A);
        a.Value.A = 17;
        local.Return(a);
        Ptr<Item> b = pool.Rent();                 // the pool's own path sees the handle's cache
        Assert.Equal(a, b);
        Assert.Equal(0, b.Value.A);
        b.Value.B = 5;
        pool.Return(b);
        Ptr<Item> c = local.Rent();
        Assert.Equal(a, c);
        Assert.Equal(0, c.Value.B);
        local.Return(c);
        Assert.Equal(1, heap.GetStats().HeapObjects);
    }

    [Fact]
    public void Many_objects_spill_to_the_shared_ring_and_come_back_without_new_allocations()
    {
        using var heap = new Heap();
        using var pool = new ArenaPool<Item>(heap, 256);
        LocalPool<Item> local = pool.Local();
        var rented = new List<Ptr<Item>>();
        for (int i = 0; i < 200; i++) rented.Add(local.Rent());
        Assert.Equal(200, rented.Distinct().Count());
        foreach (Ptr<Item> p in rented) local.Return(p);
        long mallocs = heap.GetStats().Mallocs;
        var again = new HashSet<Ptr<Item>>();
        for (int i = 0; i < 200; i++) again.Add(local.Rent());
        Assert.Equal(mallocs, heap.GetStats().Mallocs);
        Assert.Equal(rented.ToHashSet(), again);
        foreach (Ptr<Item> p in again) local.Return(p);
    }

    [Trait("Mode", "Unchecked")]
    [Fact]
    public void Trims_age_what_the_handles_cache_holds()
    {
        using var heap = PoolTestHeaps.Unchecked();
        using var pool = new ArenaPool<Item>(heap, 64);
        LocalPool<Item> local = pool.Local();
        var items = Enumerable.Range(0, 10).Select(_ => pool.Rent()).ToList();
        foreach (Ptr<Item> p in items) local.Return(p);
        Assert.Equal(0, pool.Trim());
        Assert.Equal(10, pool.Trim());
        Assert.Equal(0, heap.GetStats().HeapObjects);
        // The handle's cache was drained, not lost: it goes on working.
        Ptr<Item> q = local.Rent();
        local.Return(q);
        Assert.Equal(q, local.Rent());
    }

    [Fact]
    public void Bad_returns_are_refused_and_leave_the_pool_intact()
    {
        using var heap = new Heap();
        using var pool = new ArenaPool<Item>(heap);
        using var other = new ArenaPool<Item>(heap);
        LocalPool<Item> local = pool.Local();
        Ptr<Item> a = local.Rent();
        Ptr<Item> foreign = other.Rent();
        Ptr<Item> manual = heap.Alloc<Item>();
        Assert.IsType<ArgumentNullException>(Catch(local, l => l.Return(Ptr<Item>.Null)));
        Assert.IsType<ArgumentException>(Catch(local, l => l.Return(foreign)));
        Assert.IsType<ArgumentException>(Catch(local, l => l.Return(manual)));
        local.Return(a);
        var twice = Catch(local, l => l.Return(a));
        Assert.IsType<ArgumentException>(twice);
        Assert.Contains("returned twice", twice!.Message);
        Ptr<Item> b = local.Rent();
        Ptr<Item> c = local.Rent();
        Assert.Equal(a, b);
        Assert.NotEqual(b, c);
        local.Return(b);
        local.Return(c);
        other.Return(foreign);
        heap.Free(manual);
        Assert.Equal(3, heap.GetStats().HeapObjects);       // b, c in this pool; foreign in the other
    }

    [Fact]
    public void A_default_handle_throws_invalid_operation()
    {
        Assert.Throws<InvalidOperationException>(() => default(LocalPool<Item>).Rent());
        Assert.IsType<InvalidOperationException>(Catch(default, l => l.Return(Ptr<Item>.Null)));
        var e = Assert.Throws<InvalidOperationException>(() => default(LocalPool<Item>).Pool);
        Assert.Contains("pool.Local()", e.Message);
    }

    [Fact]
    public void After_the_pool_is_disposed_the_handle_cannot_rent_and_returns_free_to_the_heap()
    {
        using var heap = new Heap();
        var pool = new ArenaPool<Item>(heap);
        LocalPool<Item> local = pool.Local();
        Ptr<Item> out1 = local.Rent();
        local.Return(local.Rent());
        pool.Dispose();
        Assert.Throws<ObjectDisposedException>(() => pool.Local());
        Assert.IsType<ObjectDisposedException>(Catch(local, l => l.Rent()));
        Assert.Equal(1, heap.GetStats().HeapObjects);
        local.Return(out1);
        Assert.Equal(0, heap.GetStats().HeapObjects);
    }

    [Fact]
    public void After_the_heap_is_disposed_neither_path_touches_pooled_memory()
    {
        var heap = new Heap();
        using var pool = new ArenaPool<Item>(heap);
        LocalPool<Item> local = pool.Local();
        Ptr<Item> rented = local.Rent();
        local.Return(local.Rent());                // the handle's cache holds an object
        heap.Dispose();                            // and its memory is gone
        Assert.IsType<ObjectDisposedException>(Catch(local, l => l.Rent()));
        Assert.IsType<ObjectDisposedException>(Catch(local, l => l.Return(rented)));
        Assert.Throws<ObjectDisposedException>(() => pool.Rent());
        Assert.Throws<ObjectDisposedException>(() => pool.Trim());
        Assert.Throws<ObjectDisposedException>(() => pool.Rent());   // a failed trim did not unfreeze it
        Assert.Throws<ObjectDisposedException>(() => pool.Local());
    }

    [Fact]
    public void In_checked_mode_the_handle_takes_the_tracked_path()
    {
        using var heap = new Heap(new HeapOptions { Checked = true });
        using var pool = new ArenaPool<Item>(heap);
        LocalPool<Item> local = pool.Local();
        Ptr<Item> a = local.Rent();
        Ptr<Item> b = local.Rent();
        Assert.Equal(2, pool.RentedCount);
        local.Return(a);
        Assert.Equal(1, pool.RentedCount);
        Assert.IsType<ArgumentException>(Catch(local, l => l.Return(a)));
        local.Return(b);
        Assert.Equal(0, pool.RentedCount);
    }

    [Fact]
    public void Handles_on_two_threads_return_each_others_objects()
    {
        using var heap = new Heap();
        using var pool = new ArenaPool<Item>(heap, 4096);
        const int N = 20_000;
        var handoff = new System.Collections.Concurrent.BlockingCollection<nint>(1024);
        int dirty = 0, torn = 0;
        var producer = new Thread(() =>
        {
            LocalPool<Item> mine = pool.Local();
            for (int i = 0; i < N; i++)
            {
                Ptr<Item> p = mine.Rent();
                if (p.Value.A != 0 || p.Value.B != 0) Interlocked.Increment(ref dirty);
                p.Value.A = i + 1;
                p.Value.B = ~(long)(i + 1);
                handoff.Add(p.Address);
            }
            handoff.CompleteAdding();
        });
        long seen = 0;
        var consumer = new Thread(() =>
        {
            LocalPool<Item> mine = pool.Local();
            foreach (nint a in handoff.GetConsumingEnumerable())
            {
                var p = new Ptr<Item>((Item*)a);
                if (p.Value.B != ~p.Value.A) torn++;
                mine.Return(p);
                seen++;
            }
        });
        producer.Start();
        consumer.Start();
        producer.Join();
        consumer.Join();
        Assert.Equal(N, seen);
        Assert.Equal((0, 0), (dirty, torn));
        pool.Trim();
        pool.Trim();
        Assert.Equal(0, heap.GetStats().HeapObjects);
    }

    [Trait("Mode", "Unchecked")]
    [Fact]
    public void The_generated_pool_hands_out_a_local_handle()
    {
        if (Heap.Default.Checked)   // the generated pool is on the default heap
            Assert.Fail("This test is about the per-thread caches, which checked mode bypasses: run it without ARENA_CHECKED=1.");
        LocalPool<PooledNode> local = PooledNode.Pool.Local();
        Ptr<PooledNode> a = local.Rent();
        local.Return(a);
        Ptr<PooledNode> b = PooledNode.Pool.Rent();
        Assert.Equal(a, b);
        PooledNode.Pool.Return(b);
    }
}
