using Arena.Pages;
using Arena.Slabs;

namespace Arena.Tests.Pages;

public unsafe class PageHeapTests
{
    private static PageHeap NewPageHeap(long max = 0, long retained = 0) => new(heapId: 1_000_000 + Random.Shared.Next(1000), max, retained);

    [Fact]
    public void Runs_are_disjoint_page_aligned_and_mapped_to_their_slab()
    {
        var ph = NewPageHeap();
        try
        {
            var rng = new Random(42);
            var slabs = new List<nint>();
            for (int i = 0; i < 300; i++) slabs.Add((nint)ph.AllocSlab(rng.Next(1, 11), 0));
            var ranges = slabs.Select(p => ((Slab*)p)->Base).Zip(slabs.Select(p => (nuint)((Slab*)p)->Pages * PageHeap.PageSize)).OrderBy(r => r.First).ToList();
            for (int i = 1; i < ranges.Count; i++) Assert.True(ranges[i - 1].First + ranges[i - 1].Second <= ranges[i].First, "runs overlap");
            foreach (nint p in slabs)
            {
                Slab* s = (Slab*)p;
                Assert.Equal(0u, (uint)(s->Base % PageHeap.PageSize));
                for (int pg = 0; pg < s->Pages; pg++)
                {
                    nuint a = s->Base + (nuint)pg * PageHeap.PageSize + 100;
                    Chunk* c = ph.Owning(a);
                    Assert.True(c != null);
                    Assert.True(c->SlabOf(a) == s);
                }
            }
            long pages = slabs.Sum(p => (long)((Slab*)p)->Pages);
            Assert.Equal(pages * PageHeap.PageSize, ph.InuseBytes);
            foreach (nint p in slabs) ph.FreeSlab((Slab*)p);
            Assert.Equal(0, ph.InuseBytes);
            ph.AssertValid();
        }
        finally { ph.DisposeAll(); }
    }

    [Fact]
    public void Freed_runs_coalesce_and_fill_again_without_new_chunks()
    {
        var ph = NewPageHeap(retained: 1L << 30);
        try
        {
            var one = new List<nint>();
            for (int i = 0; i < PageHeap.PagesPerChunk; i++) one.Add((nint)ph.AllocSlab(1, 0));
            long sys = ph.SysBytes;
            Assert.Equal((long)PageHeap.ChunkSize, sys);
            // free 8 neighbours in the middle: a run of 8 fits there again
            for (int i = 100; i < 108; i++) ph.FreeSlab((Slab*)one[i]);
            Slab* eight = ph.AllocSlab(8, 0);
            Assert.Equal(((Slab*)one[99])->Base + PageHeap.PageSize, eight->Base);
            Assert.Equal(sys, ph.SysBytes);
            // a run of 2 does not fit anywhere in the full chunk: a new chunk is reserved
            Slab* two = ph.AllocSlab(2, 0);
            Assert.Equal(2 * (long)PageHeap.ChunkSize, ph.SysBytes);
            Assert.True(ph.Owning(two->Base) != ph.Owning(eight->Base));
        }
        finally { ph.DisposeAll(); }
    }

    [Fact]
    public void Huge_runs_get_a_chunk_of_their_own_mapped_across_every_granule()
    {
        var ph = NewPageHeap();
        try
        {
            Slab* s = ph.AllocSlab(PageHeap.PagesPerChunk * 2 + 3, 0);
            Assert.Equal(3 * (long)PageHeap.ChunkSize, ph.SysBytes);
            for (nuint off = 0; off < 3 * PageHeap.ChunkSize; off += PageHeap.ChunkSize / 2)
                Assert.True(ph.Owning(s->Base + off)->SlabOf(s->Base + off) == s);
            ph.FreeSlab(s);
            Assert.Equal(0, ph.SysBytes);
            Assert.True(AddressMap.Lookup(s->Base) == null);
        }
        finally { ph.DisposeAll(); }
    }

    [Fact]
    public void MaxBytes_refuses_a_run_that_would_pass_it()
    {
        var ph = NewPageHeap(max: 10 * PageHeap.PageSize);
        try
        {
            Slab* a = ph.AllocSlab(8, 0);
            var e = Assert.Throws<ArenaOutOfMemoryException>(() => ph.AllocSlab(3, 0));
            Assert.Equal(8L * PageHeap.PageSize, e.InUseBytes);
            Slab* b = ph.AllocSlab(2, 0);
            ph.FreeSlab(a);
            ph.FreeSlab(b);
            Assert.Equal(0, ph.InuseBytes);
        }
        finally { ph.DisposeAll(); }
    }

    /// <summary>
    /// The operating system refuses one of a new chunk's native allocations (step 1: its
    /// memory, 2: its header, 3: its pointer bits, 4: its cards, 5: a table of the address map,
    /// once the chunk is entered there): the request throws ArenaOutOfMemoryException, and the
    /// page heap is left as it was, every descriptor and map entry included, so the next
    /// request gets its chunk.
    /// </summary>
    [Theory]
    [InlineData(1, false)]
    [InlineData(2, false)]
    [InlineData(3, false)]
    [InlineData(4, false)]
    [InlineData(5, false)]
    [InlineData(1, true)]
    [InlineData(2, true)]
    [InlineData(3, true)]
    [InlineData(4, true)]
    [InlineData(5, true)]
    public void A_chunk_the_system_refuses_throws_and_leaves_the_page_heap_as_it_was(int step, bool huge)
    {
        var ph = NewPageHeap();
        try
        {
            Slab* full = ph.AllocSlab(PageHeap.PagesPerChunk, 0);      // a first chunk, all used: a small run needs a new one
            long sys = ph.SysBytes, inuse = ph.InuseBytes;
            int descriptors = ph.DescriptorsInUse;
            int pages = huge ? PageHeap.PagesPerChunk + 1 : 2;
            ph.FailReserveStep = step;
            var e = Assert.Throws<ArenaOutOfMemoryException>(() => ph.AllocSlab(pages, 0));
            Assert.Contains("operating system", e.Message);
            Assert.Equal(huge ? 2 * (long)PageHeap.ChunkSize : (long)PageHeap.ChunkSize, e.RequestedBytes);
            Assert.Equal(sys, ph.SysBytes);
            Assert.Equal(inuse, ph.InuseBytes);
            Assert.Equal(descriptors, ph.DescriptorsInUse);
            if (step == 5)
            {
                Assert.NotEqual(0u, (uint)(ph.LastChunkBase >> PageHeap.ChunkShift));
                Assert.True(AddressMap.Lookup(ph.LastChunkBase) == null, "the refused chunk is still in the address map");
            }
            ph.AssertValid();

            Slab* s = ph.AllocSlab(pages, 0);
            Assert.Equal(descriptors + 1, ph.DescriptorsInUse);
            Assert.True(ph.Owning(s->Base) != null);
            ph.FreeSlab(s);
            ph.FreeSlab(full);
            Assert.Equal(0, ph.InuseBytes);
            Assert.Equal(descriptors - 1, ph.DescriptorsInUse);
            ph.AssertValid();
        }
        finally { ph.DisposeAll(); }
    }

    [Fact]
    public void Address_map_finds_nothing_outside_chunks()
    {
        Assert.True(AddressMap.Lookup(0) == null);
        Assert.True(AddressMap.Lookup(nuint.MaxValue) == null);
        long local = 0;
        Assert.True(AddressMap.Lookup((nuint)(&local)) == null);
    }
}

public unsafe class HugePageTests
{
    [Fact]
    public void Chunks_take_the_huge_page_hint_where_the_platform_offers_it_and_only_when_asked()
    {
        using var with = new Heap(new HeapOptions { HugePages = true });
        using var without = new Heap(new HeapOptions { HugePages = false });
        Assert.True(new HeapOptions().HugePages);
        var a = new List<nint>();
        var b = new List<nint>();
        for (int i = 0; i < 3000; i++)
        {
            a.Add((nint)with.Alloc(4096));
            b.Add((nint)without.Alloc(4096));
        }
        if (!OperatingSystem.IsLinux()) Assert.False(HugePages.Supported);
        if (HugePages.Supported) Assert.True(with.Pages.HugePageChunks > 0);
        Assert.Equal(0, without.Pages.HugePageChunks);
        // The memory behaves the same either way.
        foreach (nint p in a.Concat(b)) { ((byte*)p)[0] = 1; ((byte*)p)[4095] = 2; }
        foreach (nint p in a) with.Free((void*)p);
        foreach (nint p in b) without.Free((void*)p);
        Assert.Equal(0, with.GetStats().HeapObjects);
        Assert.Equal(0, without.GetStats().HeapObjects);
    }
}

public unsafe class PageHeapMarkTests
{
    [Fact]
    public void Chunks_freed_while_a_collection_marks_are_released_only_when_the_mark_ends()
    {
        var ph = new PageHeap(heapId: 3_000_000 + Random.Shared.Next(1000), 0, retainedBytes: 0);
        try
        {
            Slab* small = ph.AllocSlab(1, 0);                                  // a chunk of its own pages
            Slab* large = ph.AllocSlab(PageHeap.PagesPerChunk + 1, 0);         // a chunk for one object
            nuint smallBase = small->Base, largeBase = large->Base;
            long sys = ph.SysBytes;
            ph.BeginMark();
            ph.FreeSlab(small);
            ph.FreeSlab(large);
            // Still mapped: a mark worker holding either chunk as a hint reads a live descriptor.
            Assert.Equal(sys, ph.SysBytes);
            Assert.True(ph.Owning(smallBase) != null);
            Assert.True(ph.Owning(largeBase) != null);
            Assert.Equal(0, ph.ReleaseFreeChunks());                          // a Trim waits too
            ph.EndMark();
            Assert.Equal(0, ph.SysBytes);
            Assert.True(ph.Owning(smallBase) == null);
            Assert.True(ph.Owning(largeBase) == null);
            // A chunk reused before the mark ended stays.
            Slab* again = ph.AllocSlab(1, 0);
            ph.BeginMark();
            ph.FreeSlab(again);
            Slab* reused = ph.AllocSlab(1, 0);
            ph.EndMark();
            Assert.True(ph.Owning(reused->Base) != null);
            ph.FreeSlab(reused);
            Assert.Equal(0, ph.SysBytes);
        }
        finally { ph.DisposeAll(); }
    }
}
