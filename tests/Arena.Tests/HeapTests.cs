using Arena.Pages;
using Arena.SizeClasses;

namespace Arena.Tests;

public unsafe class HeapTests
{
    private struct S32 { public long A, B, C, D; }
    private struct S16 { public long A, B; }

    [Fact]
    public void Alloc_returns_zeroed_distinct_objects_of_the_class_size()
    {
        using var heap = new Heap();
        var seen = new HashSet<nint>();
        for (int i = 0; i < 2000; i++)
        {
            Ptr<S32> p = heap.Alloc<S32>();
            Assert.Equal(default, p.Value);
            Assert.Equal(0, p.Address % 32);
            p.Value.A = i;
            p.Value.D = ~i;
            Assert.True(seen.Add(p.Address));
        }
        HeapStats s = heap.GetStats();
        Assert.Equal(2000, s.Mallocs);
        Assert.Equal(2000, s.HeapObjects);
        Assert.Equal(2000 * 32, s.HeapAlloc);
        Assert.Equal(2000, s.BySize[SizeClassTable.ForSize(32)].Mallocs);
    }

    [Fact]
    public void Freed_objects_are_reused_and_counted()
    {
        using var heap = new Heap();
        var ptrs = new List<nint>();
        for (int i = 0; i < 600; i++) ptrs.Add(heap.Alloc<S16>().Address);
        foreach (nint p in ptrs) heap.Free((void*)p);
        HeapStats s = heap.GetStats();
        Assert.Equal(600, s.Frees);
        Assert.Equal(0, s.HeapObjects);
        Assert.Equal(0, s.HeapAlloc);
        Assert.Equal(600 * 16, s.TotalAlloc);
        long inuseBefore = s.HeapInuse;
        for (int i = 0; i < 600; i++) heap.Alloc<S16>();
        Assert.Equal(inuseBefore, heap.GetStats().HeapInuse);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(8)]
    [InlineData(33)]
    [InlineData(1024)]
    [InlineData(32768)]
    [InlineData(32769)]
    [InlineData(100_000)]
    [InlineData(5_000_000)]
    public void Raw_sizes_round_trip(int size)
    {
        using var heap = new Heap();
        byte* p = (byte*)heap.Alloc(size);
        new Span<byte>(p, size).Fill(0xAB);
        Assert.Equal(0xAB, p[size - 1]);
        HeapStats s = heap.GetStats();
        Assert.Equal(1, s.HeapObjects);
        Assert.True(s.HeapAlloc >= size);
        heap.Free(p);
        Assert.Equal(0, heap.GetStats().HeapObjects);
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(24, 16)]
    [InlineData(100, 64)]
    [InlineData(8, 4096)]
    [InlineData(40000, 8192)]
    public void Raw_alignment_is_honoured(int size, int alignment)
    {
        using var heap = new Heap();
        for (int i = 0; i < 20; i++)
        {
            void* p = heap.Alloc(size, alignment);
            Assert.Equal(0, (nint)p % alignment);
        }
    }

    [Fact]
    public void Large_objects_get_their_own_pages_and_give_them_back()
    {
        using var heap = new Heap(new HeapOptions { RetainedBytes = 0 });
        void* p = heap.Alloc(10 << 20);
        HeapStats s = heap.GetStats();
        Assert.True(s.HeapInuse >= 10 << 20);
        heap.Free(p);
        s = heap.GetStats();
        Assert.Equal(0, s.HeapInuse);
        Assert.Equal(0, s.HeapSys);
        Assert.True(s.HeapReleased >= 10 << 20);
    }

    [Fact]
    public void Another_thread_may_free_what_this_one_allocated()
    {
        using var heap = new Heap();
        var ptrs = new nint[5000];
        for (int i = 0; i < ptrs.Length; i++) ptrs[i] = heap.Alloc<S32>().Address;
        var t = new Thread(() => { foreach (nint p in ptrs) heap.Free((void*)p); });
        t.Start();
        t.Join();
        Assert.Equal(0, heap.GetStats().HeapObjects);
        // the slots come back: a second round fits in the same pages after a trim
        heap.Trim();
        long inuse = heap.GetStats().HeapInuse;
        for (int i = 0; i < ptrs.Length; i++) ptrs[i] = heap.Alloc<S32>().Address;
        Assert.Equal(5000, heap.GetStats().HeapObjects);
        Assert.True(heap.GetStats().HeapInuse <= inuse + 5000 * 32 + PageHeap.PageSize);
    }

    [Fact]
    public void Trim_gives_whole_free_chunks_back()
    {
        using var heap = new Heap();
        var ptrs = new List<nint>();
        for (int i = 0; i < 20_000; i++) ptrs.Add((nint)heap.Alloc(1000));  // ~20 MB over several chunks
        Assert.True(heap.GetStats().HeapSys >= 16 << 20);
        foreach (nint p in ptrs) heap.Free((void*)p);
        long released = heap.Trim();
        HeapStats s = heap.GetStats();
        Assert.True(released >= 16 << 20, $"released {released}");
        Assert.Equal(0, s.HeapInuse);
        Assert.Equal(0, s.HeapSys);
        Assert.Equal(released, s.HeapReleased);
    }

    [Fact]
    public void Retention_threshold_bounds_the_free_chunks_kept()
    {
        using var heap = new Heap(new HeapOptions { RetainedBytes = 4 << 20 });
        var ptrs = new List<nint>();
        for (int i = 0; i < 100; i++) ptrs.Add((nint)heap.Alloc(100_000)); // large: freed straight to the page heap
        foreach (nint p in ptrs) heap.Free((void*)p);
        HeapStats s = heap.GetStats();
        Assert.True(s.HeapSys <= 4 << 20, $"HeapSys {s.HeapSys}");
        Assert.True(s.HeapReleased > 0);
    }

    [Fact]
    public void Dispose_releases_every_chunk_and_later_calls_throw()
    {
        var heap = new Heap();
        Ptr<S32> p = heap.Alloc<S32>();
        heap.Alloc(1 << 20);
        heap.Dispose();
        Assert.Throws<ObjectDisposedException>(() => heap.Alloc<S32>());
        Assert.Throws<ObjectDisposedException>(() => heap.Alloc(100));
        Assert.Throws<ObjectDisposedException>(() => heap.Free(p));
        Assert.Throws<ObjectDisposedException>(() => heap.GetStats());
        Assert.Throws<ObjectDisposedException>(() => heap.Root(p));
        Assert.Throws<ObjectDisposedException>(() => heap.Collect());
        Assert.Throws<ObjectDisposedException>(() => heap.New<Arena.Tests.Collector.GcNode>());
        Assert.Throws<ObjectDisposedException>(() => heap.Scope());
        Assert.Throws<ObjectDisposedException>(() => heap.Trim());
        Assert.True(AddressMapLookup(p.Address) == null);
        heap.Dispose(); // twice is fine
    }

    [Fact]
    public void Default_heap_cannot_be_disposed()
    {
        var e = Assert.Throws<InvalidOperationException>(() => Heap.Default.Dispose());
        Assert.Contains("new Heap", e.Message);
        Ptr<S16> p = Heap.Default.Alloc<S16>();
        Heap.Default.Free(p);
    }

    [Fact]
    public void Two_heaps_on_one_thread_keep_their_objects_apart()
    {
        using var a = new Heap();
        using var b = new Heap();
        for (int i = 0; i < 100; i++)
        {
            Ptr<S16> pa = a.Alloc<S16>();
            Ptr<S16> pb = b.Alloc<S16>();
            Assert.Throws<ArgumentException>(() => b.Free(pa));
            Assert.Throws<ArgumentException>(() => a.Free(pb));
            a.Free(pa);
            b.Free(pb);
        }
        Assert.Equal(0, a.GetStats().HeapObjects);
        Assert.Equal(0, b.GetStats().HeapObjects);
    }

    private static Chunk* AddressMapLookup(nint a) => AddressMap.Lookup((nuint)a);
}
