using System.Runtime.InteropServices;

namespace Arena.Tests.Pools;

/// <summary>Returns the struct pool must refuse, each leaving the pool intact.</summary>
public unsafe class ArenaPoolBadInputTests
{
    private struct Item
    {
        public long A;
        public long B;
    }

    /// <summary>After an error the pool still rents, returns and accounts exactly.</summary>
    private static void AssertIntact(Heap heap, ArenaPool<Item> pool, long expectedObjects)
    {
        Ptr<Item> p = pool.Rent();
        Assert.Equal(0, p.Value.A);
        pool.Return(p);
        Assert.Equal(p, pool.Rent());
        pool.Return(p);
        Assert.Equal(expectedObjects, heap.GetStats().HeapObjects);
    }

    [Fact]
    public void Null_is_refused()
    {
        using var heap = new Heap();
        using var pool = new ArenaPool<Item>(heap);
        var e = Assert.Throws<ArgumentNullException>(() => pool.Return(Ptr<Item>.Null));
        Assert.Contains("null", e.Message);
        AssertIntact(heap, pool, 1);
    }

    [Fact]
    public void A_second_return_is_refused_as_a_double_return()
    {
        using var heap = new Heap();
        using var pool = new ArenaPool<Item>(heap);
        Ptr<Item> a = pool.Rent();
        Ptr<Item> b = pool.Rent();
        pool.Return(a);
        var e = Assert.Throws<ArgumentException>(() => pool.Return(a));
        Assert.Contains("returned twice", e.Message);
        Assert.Equal("item", e.ParamName);
        pool.Return(b);
        // Each object is handed out once: two rents give two different objects.
        Ptr<Item> c = pool.Rent(), d = pool.Rent();
        Assert.NotEqual(c, d);
        pool.Return(c);
        pool.Return(d);
        Assert.Equal(2, heap.GetStats().HeapObjects);
    }

    [Fact]
    public void Double_return_is_caught_wherever_the_object_sits_in_the_pool()
    {
        using var heap = new Heap();
        using var pool = new ArenaPool<Item>(heap, 4);
        var items = Enumerable.Range(0, 40).Select(_ => pool.Rent()).ToList();
        foreach (Ptr<Item> p in items) pool.Return(p);      // private slot, stack, shared ring, heap
        pool.Trim();                                        // and some in the victim ring
        long objects = heap.GetStats().HeapObjects;
        int refused = 0;
        foreach (Ptr<Item> p in items)
        {
            try { pool.Return(p); }
            catch (ArgumentException) { refused++; }
        }
        Assert.Equal(items.Count, refused);                 // freed ones as "not from this pool", pooled ones as twice
        Assert.Equal(objects, heap.GetStats().HeapObjects);
    }

    [Fact]
    public void A_heap_object_another_pool_s_object_and_an_interior_pointer_are_refused()
    {
        using var heap = new Heap();
        using var pool = new ArenaPool<Item>(heap);
        using var other = new ArenaPool<Item>(heap);
        Ptr<Item> fromHeap = heap.Alloc<Item>();
        Ptr<Item> fromOther = other.Rent();
        Ptr<Item> mine = pool.Rent();
        Ptr<Item> interior = new((Item*)((byte*)mine.Pointer + 8));
        foreach (Ptr<Item> bad in new[] { fromHeap, fromOther, interior })
        {
            var e = Assert.Throws<ArgumentException>(() => pool.Return(bad));
            Assert.Contains("not rented from this pool", e.Message);
        }
        other.Return(fromOther);
        heap.Free(fromHeap);
        pool.Return(mine);
        AssertIntact(heap, pool, 2);
    }

    [Fact]
    public void Objects_of_another_heap_and_of_no_heap_are_refused()
    {
        using var heap = new Heap();
        using var otherHeap = new Heap();
        using var pool = new ArenaPool<Item>(heap);
        using var otherPool = new ArenaPool<Item>(otherHeap);
        Ptr<Item> foreign = otherPool.Rent();
        var e = Assert.Throws<ArgumentException>(() => pool.Return(foreign));
        Assert.Contains("not rented from this pool", e.Message);
        otherPool.Return(foreign);

        Item* native = (Item*)NativeMemory.AllocZeroed(4096, 2);   // with a page-aligned address inside
        try
        {
            Assert.Throws<ArgumentException>(() => pool.Return(new Ptr<Item>(native)));
            Item* aligned = (Item*)(((nint)native + 4095) & ~(nint)4095);
            e = Assert.Throws<ArgumentException>(() => pool.Return(new Ptr<Item>(aligned)));
            Assert.Contains("not Arena heap memory", e.Message);
        }
        finally
        {
            NativeMemory.Free(native);
        }
        Item onStack = default;
        var stackPointer = new Ptr<Item>(&onStack);
        Assert.Throws<ArgumentException>(() => pool.Return(stackPointer));
        AssertIntact(heap, pool, 1);
    }

    [Fact]
    public void Page_aligned_pointers_are_checked_through_the_address_map_first()
    {
        using var heap = new Heap();
        using var pool = new ArenaPool<Item>(heap);
        // 4 KiB objects are page-aligned; the first of a chunk has no readable word before it.
        var pages = Enumerable.Range(0, 4).Select(_ => (nint)heap.Alloc(4096)).ToList();
        Assert.All(pages, a => Assert.Equal(0, a % 4096));
        foreach (nint a in pages)
        {
            var e = Assert.Throws<ArgumentException>(() => pool.Return(new Ptr<Item>((Item*)a)));
            Assert.Contains("not rented from this pool", e.Message);
        }
        foreach (nint a in pages) heap.Free((void*)a);
        AssertIntact(heap, pool, 1);
    }

    [Fact]
    public void The_validating_slow_return_accepts_a_rented_object_and_then_refuses_it()
    {
        using var heap = new Heap();
        using var pool = new ArenaPool<Item>(heap);
        Ptr<Item> p = pool.Rent();
        pool.ReturnSlow(p.Address);                         // the path a page-aligned object takes
        var e = Assert.Throws<ArgumentException>(() => pool.ReturnSlow(p.Address));
        Assert.Contains("returned twice", e.Message);
        Assert.Equal(p, pool.Rent());
        pool.Return(p);
        AssertIntact(heap, pool, 1);
    }

    [Fact]
    public void A_pointer_the_pool_already_gave_back_to_the_heap_is_refused()
    {
        using var heap = new Heap();
        using var pool = new ArenaPool<Item>(heap);
        Ptr<Item> p = pool.Rent();
        pool.Return(p);
        pool.Trim();
        pool.Trim();                                        // freed to the heap
        Assert.Equal(0, heap.GetStats().HeapObjects);
        var e = Assert.Throws<ArgumentException>(() => pool.Return(p));
        Assert.Contains("not rented from this pool", e.Message);
        AssertIntact(heap, pool, 1);
    }

    [Fact]
    public void Renting_and_returning_after_the_heap_is_disposed_throw_without_touching_memory()
    {
        var heap = new Heap();
        var pool = new ArenaPool<Item>(heap);
        Ptr<Item> rented = pool.Rent();
        Ptr<Item> pooled = pool.Rent();
        pool.Return(pooled);                                // in this thread's cache
        heap.Dispose();                                     // every object's memory is gone
        Assert.Throws<ObjectDisposedException>(() => pool.Rent());
        Assert.Throws<ObjectDisposedException>(() => pool.Return(rented));
        Assert.Throws<ObjectDisposedException>(() => pool.Trim());
        pool.Dispose();                                     // after its heap: nothing to give back
        Assert.True(pool.IsDisposed);
    }
}
