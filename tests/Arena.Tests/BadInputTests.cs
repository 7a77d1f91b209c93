namespace Arena.Tests;

/// <summary>Every misuse gets a clear exception, and the heap stays fully usable after it.</summary>
public unsafe class BadInputTests
{
    private struct S32 { public long A, B, C, D; }

    private static void AssertStillUsable(Heap heap, long expectedObjects)
    {
        Assert.Equal(expectedObjects, heap.GetStats().HeapObjects);
        var ptrs = new List<Ptr<S32>>();
        for (int i = 0; i < 1000; i++) { var p = heap.Alloc<S32>(); p.Value.A = i; ptrs.Add(p); }
        for (int i = 0; i < ptrs.Count; i++) { Assert.Equal(i, ptrs[i].Value.A); heap.Free(ptrs[i]); }
        Assert.Equal(expectedObjects, heap.GetStats().HeapObjects);
    }

    [Fact]
    public void Double_free_is_reported_on_the_owning_thread()
    {
        using var heap = new Heap();
        Ptr<S32> p = heap.Alloc<S32>();
        heap.Free(p);
        var e = Assert.Throws<ArgumentException>(() => heap.Free(p));
        Assert.Contains("double free", e.Message);
        AssertStillUsable(heap, 0);
    }

    [Fact]
    public void Double_free_is_reported_from_another_thread()
    {
        using var heap = new Heap();
        Ptr<S32> p = heap.Alloc<S32>();
        Ptr<S32> keep = heap.Alloc<S32>();
        Exception? second = null;
        var t = new Thread(() =>
        {
            heap.Free(p);
            try { heap.Free(p); } catch (Exception e) { second = e; }
        });
        t.Start();
        t.Join();
        Assert.IsType<ArgumentException>(second);
        // and the owner freeing it again after the remote free is also caught
        Assert.Throws<ArgumentException>(() => heap.Free(p));
        AssertStillUsable(heap, 1);
        heap.Free(keep);
    }

    [Fact]
    public void Double_free_of_a_large_object_is_reported()
    {
        using var heap = new Heap();
        void* p = heap.Alloc(1 << 16);
        void* keep = heap.Alloc(1 << 16);
        heap.Free(p);
        Assert.Throws<ArgumentException>(() => heap.Free(p));
        AssertStillUsable(heap, 1);
        heap.Free(keep);
    }

    [Fact]
    public void Two_threads_freeing_one_large_object_at_once_free_it_once_and_one_is_told()
    {
        using var heap = new Heap();
        void* keep = heap.Alloc(1 << 16);
        using var start = new Barrier(2);
        for (int round = 0; round < 200; round++)
        {
            nint p = (nint)heap.Alloc(1 << 16);
            int freed = 0, refused = 0;
            void Race()
            {
                start.SignalAndWait();
                try { heap.Free((void*)p); Interlocked.Increment(ref freed); }
                catch (ArgumentException) { Interlocked.Increment(ref refused); }   // double free, or no longer the heap's
            }
            var other = new Thread(Race);
            other.Start();
            Race();
            other.Join();
            Assert.Equal((1, 1), (freed, refused));
        }
        Assert.Equal(1L << 16, heap.GetStats().HeapInuse);
        AssertStillUsable(heap, 1);
        heap.Free(keep);
    }

    [Fact]
    public void Foreign_pointers_are_rejected()
    {
        using var heap = new Heap();
        void* native = System.Runtime.InteropServices.NativeMemory.Alloc(64);
        try
        {
            var e = Assert.Throws<ArgumentException>(() => heap.Free(native));
            Assert.Contains("not allocated by this heap", e.Message);
            long local = 0;
            nint stack = (nint)(&local);
            Assert.Throws<ArgumentException>(() => heap.Free((void*)stack));
        }
        finally { System.Runtime.InteropServices.NativeMemory.Free(native); }
        Assert.Throws<ArgumentNullException>(() => heap.Free(null));
        Assert.Throws<ArgumentNullException>(() => heap.Free(Ptr<S32>.Null));
        AssertStillUsable(heap, 0);
    }

    [Fact]
    public void Interior_pointers_are_rejected()
    {
        using var heap = new Heap();
        byte* p = (byte*)heap.Alloc(48);
        var e = Assert.Throws<ArgumentException>(() => heap.Free(p + 8));
        Assert.Contains("inside the object", e.Message);
        byte* big = (byte*)heap.Alloc(100_000);
        Assert.Throws<ArgumentException>(() => heap.Free(big + 8192));
        AssertStillUsable(heap, 2);
        heap.Free(p);
        heap.Free(big);
    }

    [Fact]
    public void A_pointer_into_a_freed_page_run_is_rejected()
    {
        using var heap = new Heap();
        void* big = heap.Alloc(100_000);
        heap.Free(big);
        Assert.Throws<ArgumentException>(() => heap.Free((byte*)big + 16384));
        AssertStillUsable(heap, 0);
    }

    [Theory]
    [InlineData(-1, 8)]
    [InlineData(16, 0)]
    [InlineData(16, 3)]
    [InlineData(16, 16384)]
    [InlineData(16, -8)]
    public void Sizes_and_alignments_out_of_range_are_rejected(long size, int alignment)
    {
        using var heap = new Heap();
        Assert.Throws<ArgumentOutOfRangeException>(() => heap.Alloc((nint)size, alignment));
        AssertStillUsable(heap, 0);
    }

    [Fact]
    public void A_size_past_the_largest_request_is_rejected()
    {
        using var heap = new Heap();
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => heap.Alloc(unchecked((nint)(Heap.MaxRequest + 1))));
        Assert.Equal("size", e.ParamName);
    }

    [Fact]
    public void MaxBytes_is_a_hard_limit_and_the_heap_recovers()
    {
        using var heap = new Heap(new HeapOptions { MaxBytes = 1 << 20 });
        var ptrs = new List<nint>();
        ArenaOutOfMemoryException? e = null;
        try { while (true) ptrs.Add((nint)heap.Alloc(1024)); }
        catch (ArenaOutOfMemoryException ex) { e = ex; }
        Assert.NotNull(e);
        Assert.Equal(1 << 20, e.MaxBytes);
        Assert.Contains("MaxBytes", e.Message);
        HeapStats s = heap.GetStats();
        Assert.True(s.HeapInuse <= 1 << 20);
        Assert.Equal(ptrs.Count, s.HeapObjects);
        Assert.Throws<ArenaOutOfMemoryException>(() => heap.Alloc(2 << 20));
        foreach (nint p in ptrs) heap.Free((void*)p);
        heap.Trim();
        AssertStillUsable(heap, 0);
        heap.Trim();
        for (int i = 0; i < ptrs.Count; i++) heap.Alloc(1024);  // the same amount fits again
    }

    [Fact]
    public void Memory_the_system_refuses_throws_at_every_entry_point_and_the_heap_stays_usable()
    {
        using var heap = new Heap();
        // A fresh heap: its first small object needs a slab, and so a chunk.
        heap.Pages.FailReserveStep = 1;
        Assert.Throws<ArenaOutOfMemoryException>(() => heap.Alloc<S32>());
        AssertStillUsable(heap, 0);
        // A huge object: a chunk of its own.
        heap.Pages.FailReserveStep = 2;
        Assert.Throws<ArenaOutOfMemoryException>(() => heap.Alloc(8 << 20));
        AssertStillUsable(heap, 0);
        using (Scope scope = heap.Scope())
        {
            Ptr<S32> before = scope.New<S32>();
            before.Value.A = 7;
            heap.Pages.FailReserveStep = 3;
            Assert.Throws<ArenaOutOfMemoryException>(() => scope.NewArray<byte>(8 << 20));   // a huge run for the scope
            heap.Pages.FailReserveStep = 4;
            Assert.Throws<ArenaOutOfMemoryException>(() => heap.NewArray<Arena.Tests.Collector.GcNode>(300_000));   // a huge collected array
            Assert.Equal(7, before.Value.A);
            Assert.True(scope.IsOpen);
            Span<byte> after = scope.NewSpan<byte>(8 << 20);
            after.Fill(1);
            heap.Collect();
        }
        HeapStats s = heap.GetStats();
        Assert.Equal(0, s.StackInuse);
        AssertStillUsable(heap, 0);
        heap.AssertValid();
    }

    [Fact]
    public void Options_out_of_range_are_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new Heap(new HeapOptions { MaxBytes = -1 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Heap(new HeapOptions { RetainedBytes = -1 }));
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new Heap(new HeapOptions { MarkWorkers = -1 }));
        Assert.Equal("MarkWorkers", e.ParamName);
        Assert.Throws<ArgumentNullException>(() => new Heap(null!));
    }

    [Fact]
    public void Layout_queries_out_of_range_are_rejected()
    {
        Assert.Equal("size", Assert.Throws<ArgumentOutOfRangeException>(() => ArenaLayout.SizeClassFor(-1, 8)).ParamName);
        foreach (int alignment in new[] { 0, -8, 3, 24 })
            Assert.Equal("alignment", Assert.Throws<ArgumentOutOfRangeException>(() => ArenaLayout.SizeClassFor(16, alignment)).ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => ArenaLayout.ClassSize(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => ArenaLayout.ClassSize(ArenaLayout.SizeClassCount));
        Assert.Equal(0, ArenaLayout.ClassSize(0));                                  // class 0: large objects
        Assert.Equal(32768, ArenaLayout.ClassSize(ArenaLayout.SizeClassCount - 1));  // Go's largest small class
        Assert.Equal(0, ArenaLayout.SizeClassFor(32769, 8));                        // past it: large
    }
}
