using System.Runtime.InteropServices;

namespace Arena.Tests.Pools;

/// <summary>The struct pool on one thread: reuse, zeroing, victim aging, capacity, disposal.</summary>
public unsafe class ArenaPoolTests
{
    internal struct Item
    {
        public long A;
        public long B;
    }

    [StructLayout(LayoutKind.Sequential)]
    internal struct Wide
    {
        public Int128 X;
        public long Y;
    }

    internal struct Big
    {
        public fixed byte Bytes[40_000];
    }

    [Fact]
    public void Rent_gives_a_zeroed_object_and_reuses_the_last_returned()
    {
        using var heap = new Heap();
        using var pool = new ArenaPool<Item>(heap);
        Ptr<Item> a = pool.Rent();
        Assert.Equal(0, a.Value.A);
        a.Value.A = 17;
        a.Value.B = -1;
        pool.Return(a);
        Ptr<Item> b = pool.Rent();
        Assert.Equal(a, b);
        Assert.Equal(0, b.Value.A);
        Assert.Equal(0, b.Value.B);
        pool.Return(b);
        Assert.Equal(1, heap.GetStats().HeapObjects);
    }

    [Trait("Mode", "Unchecked")]
    [Fact]
    public void Objects_another_thread_spills_while_this_one_found_the_rings_empty_are_taken_within_a_bounded_number_of_rents()
    {
        using var heap = PoolTestHeaps.Unchecked();
        using var pool = new ArenaPool<Item>(heap, capacity: 1024, localCapacity: 8);
        // This thread empties its local and finds every ring empty: it then passes over the
        // rings for a while (a backoff) rather than poll them at every rent.
        var mine = Enumerable.Range(0, 20).Select(_ => pool.Rent()).ToList();
        // Another thread returns 200 objects: its local spills them to the rings.
        var theirs = new List<Ptr<Item>>();
        var t = new Thread(() =>
        {
            for (int i = 0; i < 200; i++) theirs.Add(pool.Rent());
            foreach (Ptr<Item> p in theirs) pool.Return(p);
        });
        t.Start();
        t.Join();
        var spilled = theirs.ToHashSet();
        int rents = 0;
        bool found = false;
        while (rents < 200 && !found)
        {
            Ptr<Item> p = pool.Rent();
            mine.Add(p);
            rents++;
            found = spilled.Contains(p);
        }
        Assert.True(found, "the spilled objects were never taken");
        Assert.InRange(rents, 1, 66);                     // the backoff is 64 rents
        foreach (Ptr<Item> p in mine) pool.Return(p);
    }

    [Trait("Mode", "Unchecked")]
    [Fact]
    public void A_thread_spills_into_its_own_ring_and_those_no_other_thread_uses_but_not_into_another_threads()
    {
        using var heap = PoolTestHeaps.Unchecked();
        using var pool = new ArenaPool<Item>(heap, capacity: 64, localCapacity: 2);
        int rings = Math.Min(Arena.Caches.Central.DefaultShards, 32);
        long Kept() => heap.GetStats().HeapObjects;

        // Alone, a thread may use every ring: all 64 places, plus its private slot and stack.
        var alone = Enumerable.Range(0, 100).Select(_ => pool.Rent()).ToList();
        foreach (Ptr<Item> p in alone) pool.Return(p);
        Assert.Equal(64 + 1 + 2, Kept());
        pool.Trim();
        pool.Trim();
        Assert.Equal(0, Kept());

        // Once another thread has a local (and so a ring of its own), this one keeps off it.
        var other = new Thread(() => pool.Return(pool.Rent()));
        other.Start();
        other.Join();                                   // ended, but its local stays until a new thread or a trim adopts it
        Assert.Equal(1, Kept());
        var mine = Enumerable.Range(0, 100).Select(_ => pool.Rent()).ToList();
        Assert.Equal(101, Kept());
        foreach (Ptr<Item> p in mine) pool.Return(p);
        long expected = rings == 1 ? 1 + 64 + 1 + 2 : 1 + (64 - 64 / rings) + 1 + 2;
        Assert.Equal(expected, Kept());
    }

    [Fact]
    public void Rented_objects_are_distinct_and_come_back_after_return()
    {
        using var heap = new Heap();
        using var pool = new ArenaPool<Item>(heap, 256);
        var rented = new List<Ptr<Item>>();
        for (int i = 0; i < 100; i++)
        {
            Ptr<Item> p = pool.Rent();
            Assert.Equal(0, p.Value.A);
            p.Value.A = i + 1;
            rented.Add(p);
        }
        Assert.Equal(100, rented.Distinct().Count());
        for (int i = 0; i < rented.Count; i++) Assert.Equal(i + 1, rented[i].Value.A);
        foreach (Ptr<Item> p in rented) pool.Return(p);
        long mallocs = heap.GetStats().Mallocs;
        var again = new HashSet<Ptr<Item>>();
        for (int i = 0; i < 100; i++) again.Add(pool.Rent());
        Assert.Equal(mallocs, heap.GetStats().Mallocs);   // all 100 came from the pool
        Assert.Equal(rented.ToHashSet(), again);
        foreach (Ptr<Item> p in again) pool.Return(p);
    }

    [Fact]
    public void Objects_idle_through_two_trims_go_back_to_the_heap()
    {
        using var heap = new Heap();
        using var pool = new ArenaPool<Item>(heap, 64);
        var items = Enumerable.Range(0, 40).Select(_ => pool.Rent()).ToList();
        foreach (Ptr<Item> p in items) pool.Return(p);
        Assert.Equal(40, heap.GetStats().HeapObjects);
        Assert.Equal(0, pool.Trim());                       // now the victim cache
        Assert.Equal(40, heap.GetStats().HeapObjects);
        Assert.Equal(40, pool.Trim());                      // idle through a second trim: freed
        Assert.Equal(0, heap.GetStats().HeapObjects);
        Assert.Equal(0, pool.Trim());
    }

    [Fact]
    public void Rent_after_one_trim_takes_from_the_victim_cache_and_saves_it()
    {
        using var heap = new Heap();
        using var pool = new ArenaPool<Item>(heap, 64);
        var items = Enumerable.Range(0, 10).Select(_ => pool.Rent()).ToList();
        foreach (Ptr<Item> p in items) pool.Return(p);
        pool.Trim();
        long mallocs = heap.GetStats().Mallocs;
        var rescued = Enumerable.Range(0, 4).Select(_ => pool.Rent()).ToList();
        Assert.Equal(mallocs, heap.GetStats().Mallocs);
        Assert.All(rescued, p => Assert.Contains(p, items));
        foreach (Ptr<Item> p in rescued) pool.Return(p);   // fresh again: survives the next trim
        Assert.Equal(6, pool.Trim());                     // only the 6 left in the victim cache
        Assert.Equal(4, heap.GetStats().HeapObjects);
        Assert.Equal(4, pool.Trim());
        Assert.Equal(0, heap.GetStats().HeapObjects);
    }

    [Fact]
    public void OnCollection_ages_the_pool_as_Trim_does()
    {
        using var heap = new Heap();
        using var pool = new ArenaPool<Item>(heap);
        pool.Return(pool.Rent());
        pool.OnCollection();
        Assert.Equal(1, heap.GetStats().HeapObjects);
        pool.OnCollection();
        Assert.Equal(0, heap.GetStats().HeapObjects);
    }

    [Theory]
    [InlineData(1, 2)]
    [InlineData(4, 4)]
    [InlineData(5, 8)]
    public void Capacity_bounds_what_the_pool_keeps(int capacity, int ringSize)
    {
        using var heap = new Heap();
        using var pool = new ArenaPool<Item>(heap, capacity);
        Assert.Equal(ringSize, pool.Capacity);
        var items = Enumerable.Range(0, 200).Select(_ => pool.Rent()).ToList();
        foreach (Ptr<Item> p in items) pool.Return(p);
        long kept = heap.GetStats().HeapObjects;
        long bound = ringSize + 1 + pool.LocalCapacity;
        Assert.InRange(kept, 2, bound);
        pool.Trim();
        pool.Trim();
        Assert.Equal(0, heap.GetStats().HeapObjects);
    }

    [Trait("Mode", "Unchecked")]
    [Fact]
    public void A_larger_local_capacity_keeps_more_on_the_thread_and_trims_the_same()
    {
        using var heap = PoolTestHeaps.Unchecked();
        using var pool = new ArenaPool<Item>(heap, capacity: 2, localCapacity: 100);
        Assert.Equal(100, pool.LocalCapacity);
        var items = Enumerable.Range(0, 101).Select(_ => pool.Rent()).ToList();
        foreach (Ptr<Item> p in items) pool.Return(p);
        Assert.Equal(101, heap.GetStats().HeapObjects);     // private slot + 100 on the stack
        long mallocs = heap.GetStats().Mallocs;
        var again = Enumerable.Range(0, 101).Select(_ => pool.Rent()).ToList();
        Assert.Equal(mallocs, heap.GetStats().Mallocs);
        foreach (Ptr<Item> p in again) pool.Return(p);
        pool.Return(pool.Rent());
        pool.Trim();
        pool.Trim();
        Assert.Equal(0, heap.GetStats().HeapObjects);
    }

    [Fact]
    public void Types_aligned_over_8_bytes_and_large_types_are_aligned_and_zeroed()
    {
        using var heap = new Heap();
        using (var pool = new ArenaPool<Wide>(heap))
        {
            var items = Enumerable.Range(0, 50).Select(_ => pool.Rent()).ToList();
            Assert.All(items, p => Assert.Equal(0, p.Address % 16));
            foreach (Ptr<Wide> p in items) { p.Value.X = 5; pool.Return(p); }
            Ptr<Wide> again = pool.Rent();
            Assert.Equal((Int128)0, again.Value.X);
            pool.Return(again);
        }
        using (var pool = new ArenaPool<Big>(heap))
        {
            Ptr<Big> big = pool.Rent();
            big.Value.Bytes[39_999] = 9;
            pool.Return(big);
            Ptr<Big> again = pool.Rent();
            Assert.Equal(big, again);
            Assert.Equal(0, again.Value.Bytes[39_999]);
            pool.Return(again);
        }
        Assert.Equal(0, heap.GetStats().HeapObjects);
    }

    [Fact]
    public void Dispose_gives_everything_back_and_later_returns_free_to_the_heap()
    {
        using var heap = new Heap();
        var pool = new ArenaPool<Item>(heap, 8);
        var items = Enumerable.Range(0, 30).Select(_ => pool.Rent()).ToList();
        foreach (Ptr<Item> p in items.Take(25)) pool.Return(p);
        pool.Dispose();
        Assert.True(pool.IsDisposed);
        Assert.Equal(5, heap.GetStats().HeapObjects);      // the five still rented
        Assert.Throws<ObjectDisposedException>(() => pool.Rent());
        Assert.Throws<ObjectDisposedException>(() => pool.Trim());
        foreach (Ptr<Item> p in items.Skip(25)) pool.Return(p);
        Assert.Equal(0, heap.GetStats().HeapObjects);
        pool.Dispose();                                     // twice is harmless
    }

    [Fact]
    public void Disposed_pools_give_their_slot_to_new_pools_without_mixing_caches()
    {
        using var heap = new Heap();
        var first = new ArenaPool<Item>(heap);
        Ptr<Item> a = first.Rent();
        first.Return(a);                                    // in this thread's cache of the first pool
        first.Dispose();
        using var second = new ArenaPool<Item>(heap);
        Ptr<Item> b = second.Rent();
        Assert.NotEqual(a, b);                              // not the first pool's cached object
        second.Return(b);
        Assert.Equal(b, second.Rent());
        second.Return(b);
    }

    [Fact]
    public void Many_pools_used_in_turn_on_one_thread_keep_their_own_caches()
    {
        using var heap = new Heap();
        var pools = Enumerable.Range(0, 40).Select(_ => new ArenaPool<Item>(heap)).ToList();
        try
        {
            var held = pools.Select(p => p.Rent()).ToList();
            for (int i = 0; i < pools.Count; i++) pools[i].Return(held[i]);
            long mallocs = heap.GetStats().Mallocs;
            for (int i = pools.Count - 1; i >= 0; i--)
            {
                Ptr<Item> again = pools[i].Rent();
                Assert.Equal(held[i], again);                // each pool's own cached object
                pools[i].Return(again);
            }
            Assert.Equal(mallocs, heap.GetStats().Mallocs);
        }
        finally
        {
            foreach (ArenaPool<Item> p in pools) p.Dispose();
        }
        Assert.Equal(0, heap.GetStats().HeapObjects);
    }

    [Fact]
    public void Pools_on_the_default_heap_work_without_a_heap_argument()
    {
        using var pool = new ArenaPool<Item>();
        Assert.Same(Heap.Default, pool.Heap);
        Ptr<Item> p = pool.Rent();
        p.Value.B = 3;
        pool.Return(p);
        Ptr<Item> again = pool.Rent();
        Assert.Equal(0, again.Value.B);
        pool.Return(again);
    }

    [Fact]
    public void Constructor_rejects_bad_arguments()
    {
        Assert.Throws<ArgumentNullException>(() => new ArenaPool<Item>(null!));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ArenaPool<Item>(Heap.Default, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ArenaPool<Item>(Heap.Default, ArenaPool<Item>.MaxCapacity + 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ArenaPool<Item>(Heap.Default, 8, localCapacity: 1));
        var heap = new Heap();
        heap.Dispose();
        Assert.Throws<ObjectDisposedException>(() => new ArenaPool<Item>(heap));
    }

    [Fact]
    public void Out_of_memory_leaves_the_pool_usable()
    {
        using var heap = new Heap(new HeapOptions { MaxBytes = 4L << 20 });
        using var pool = new ArenaPool<Big>(heap, 2);
        var held = new List<Ptr<Big>>();
        Assert.Throws<ArenaOutOfMemoryException>((Action)(() => { while (true) held.Add(pool.Rent()); }));
        Assert.NotEmpty(held);
        pool.Return(held[^1]);
        held.RemoveAt(held.Count - 1);
        Ptr<Big> again = pool.Rent();                       // from the pool, no new memory needed
        held.Add(again);
        foreach (Ptr<Big> p in held) pool.Return(p);
    }
}

public class ArenaPoolCollectionTests
{
    [Fact]
    public void Pooled_objects_idle_across_two_collections_go_back_to_the_heap()
    {
        using var heap = new Heap();
        using var pool = new ArenaPool<long>(heap);
        var rented = new Ptr<long>[50];
        for (int i = 0; i < rented.Length; i++) rented[i] = pool.Rent();
        foreach (Ptr<long> p in rented) pool.Return(p);
        long pooled = heap.GetStats().HeapObjects;
        Assert.Equal(50, pooled);                          // pooled objects stay allocated
        heap.Collect();                                    // first collection: into the victim cache
        Assert.Equal(50, heap.GetStats().HeapObjects);
        heap.Collect();                                    // second: idle twice, freed
        Assert.Equal(0, heap.GetStats().HeapObjects);
        Ptr<long> again = pool.Rent();                     // the pool still works
        pool.Return(again);
    }

    /// <summary>
    /// A pooled object of an arena type is a manual object: scanned as a root while it is
    /// rented, so what it points to outlives every collection, and no longer a root once the
    /// pool has given it back to the heap.
    /// </summary>
    [Fact]
    public unsafe void A_rented_pooled_object_keeps_the_collected_objects_it_points_to()
    {
        using var heap = new Heap();
        using var _ = heap.Scope();
        using var pool = new ArenaPool<Arena.Tests.Collector.GcNode>(heap);
        Ptr<Arena.Tests.Collector.GcNode> held = pool.Rent();
        Ptr<Arena.Tests.Collector.GcNode> first = Arena.Tests.Collector.GcNodes.New(heap, 1);
        held.Value.Right = first;
        first.Value.Right = Arena.Tests.Collector.GcNodes.New(heap, 2);
        heap.Collect();
        Arena.Tests.Collector.GcNodes.Churn(heap, 1000);   // would reuse the two slots had they been freed
        heap.Collect();
        Arena.Tests.Collector.GcNodes.AssertIntact(held.Value.Right, 1);
        Arena.Tests.Collector.GcNodes.AssertIntact(held.Value.Right.Value.Right, 2);
        Assert.Equal(2 + 1, heap.GetStats().HeapObjects);  // the two nodes and the pooled object

        pool.Return(held);
        heap.Collect();                                    // idle once: in the victim cache, still a root
        heap.Collect();                                    // idle twice: back on the heap
        heap.Collect();                                    // what it pointed to is unreachable now
        Assert.Equal(0, heap.GetStats().HeapObjects);
    }

    /// <summary>The same for a pooled object over 32 KiB, on pages of its own, with its pointer in its last word.</summary>
    [Fact]
    public unsafe void A_rented_large_pooled_object_keeps_what_its_last_word_points_to()
    {
        using var heap = new Heap();
        using var _ = heap.Scope();
        using var pool = new ArenaPool<Arena.Tests.Collector.GcBig>(heap);
        Ptr<Arena.Tests.Collector.GcBig> held = pool.Rent();
        held.Value.Tail = Arena.Tests.Collector.GcNodes.New(heap, 5);
        heap.Collect();
        Arena.Tests.Collector.GcNodes.Churn(heap, 1000);
        heap.Collect();
        Arena.Tests.Collector.GcNodes.AssertIntact(held.Value.Tail, 5);
        Assert.Equal(1 + 1, heap.GetStats().HeapObjects);

        pool.Return(held);
        heap.Collect();
        heap.Collect();
        heap.Collect();
        Assert.Equal(0, heap.GetStats().HeapObjects);
    }
}
