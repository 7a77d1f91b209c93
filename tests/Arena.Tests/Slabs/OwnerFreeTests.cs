using Arena.SizeClasses;
using Arena.Tests.Collector;

namespace Arena.Tests.Slabs;

/// <summary>
/// The fast paths of a manual slab held by a thread's cache write neither alloc bits nor
/// counts: objects below FreeIndex are allocated, the owner's frees go to OwnerFrees, and a
/// fold settles both into the bits (Slab.cs). These tests pin each reader of that rule: the
/// owner's free, a remote free, the fold that reuses freed objects, the statistics, and a
/// typed free that finds its slab without the address map.
/// </summary>
public unsafe class OwnerFreeTests
{
    private struct S32 { public long A, B, C, D; }
    private struct Other32 { public int A; public long B, C, D; }
    private struct S16 { public long A, B; }

    /// <summary>Objects per 8 KiB slab of the 32-byte class.</summary>
    private static readonly int PerSlab = 8192 / 32;

    [Fact]
    public void Another_thread_frees_objects_the_owner_handed_out_and_has_not_folded()
    {
        using var heap = new Heap();
        var ptrs = new Ptr<S32>[100];
        for (int i = 0; i < ptrs.Length; i++) ptrs[i] = heap.Alloc<S32>();       // fast path: no alloc bits yet
        OtherThread.Run(() =>
        {
            foreach (Ptr<S32> p in ptrs) heap.Free(p);                            // must not read as double frees
        });
        HeapStats s = heap.GetStats();
        Assert.Equal((100L, 100L, 0L), (s.Mallocs, s.Frees, s.HeapObjects));
        // The owner's cache takes the remote frees back once it folds: nothing is lost or doubled.
        var again = new HashSet<nint>();
        for (int i = 0; i < 2 * PerSlab; i++) Assert.True(again.Add(heap.Alloc<S32>().Address));
        Assert.Equal(2 * PerSlab, heap.GetStats().HeapObjects);
    }

    [Fact]
    public void Another_thread_freeing_what_the_owner_freed_is_a_double_free()
    {
        using var heap = new Heap();
        Ptr<S32> p = heap.Alloc<S32>();
        Ptr<S32> keep = heap.Alloc<S32>();
        keep.Value.A = 42;
        heap.Free(p);                                                              // in OwnerFrees, not folded
        Exception? second = null;
        OtherThread.Run(() =>
        {
            try { heap.Free(p); } catch (Exception e) { second = e; }
        });
        Assert.IsType<ArgumentException>(second);
        Assert.Contains("double free", second!.Message);
        HeapStats s = heap.GetStats();
        Assert.Equal((2L, 1L, 1L), (s.Mallocs, s.Frees, s.HeapObjects));
        Assert.Equal(42, keep.Value.A);
        heap.Free(keep);
        Assert.Equal(0, heap.GetStats().HeapObjects);
    }

    [Fact]
    public void The_owner_double_free_is_caught_before_the_fold_and_the_fold_counts_it_once()
    {
        using var heap = new Heap();
        LocalHeap local = heap.Local();
        Ptr<S32> p = local.Alloc<S32>();
        local.Free(p);
        Assert.Throws<ArgumentException>(() => { LocalHeap l = heap.Local(); l.Free(p); });
        Assert.Throws<ArgumentException>(() => heap.Free((void*)p.Address));
        // Run the slab out so that it folds: p's slot comes back exactly once.
        var live = new List<nint>();
        for (int i = 0; i < 2 * PerSlab; i++) live.Add(local.Alloc<S32>().Address);
        Assert.Equal(live.Count, live.Distinct().Count());
        Assert.Single(live, a => a == p.Address);
        HeapStats s = heap.GetStats();
        Assert.Equal((1L + 2 * PerSlab, 1L, 2L * PerSlab), (s.Mallocs, s.Frees, s.HeapObjects));
        foreach (nint a in live) local.Free((void*)a);
        Assert.Equal(0, heap.GetStats().HeapObjects);
    }

    [Fact]
    public void Folding_reuses_freed_objects_and_never_hands_out_a_live_one()
    {
        using var heap = new Heap();
        LocalHeap local = heap.Local();
        var live = new Dictionary<nint, long>();
        var rng = new Random(7);
        long canary = 1;
        int reused = 0;
        var everFreed = new HashSet<nint>();
        for (int round = 0; round < 20_000; round++)
        {
            if (live.Count > 0 && rng.Next(3) == 0)
            {
                nint victim = live.Keys.ElementAt(rng.Next(live.Count));
                Assert.Equal(live[victim], ((S32*)victim)->A);
                Assert.Equal(~live[victim], ((S32*)victim)->D);
                if (rng.Next(2) == 0) local.Free(new Ptr<S32>((S32*)victim)); else heap.Free((void*)victim);
                live.Remove(victim);
                everFreed.Add(victim);
            }
            else
            {
                Ptr<S32> p = local.Alloc<S32>();
                Assert.False(live.ContainsKey(p.Address), "a live object was handed out again");
                Assert.Equal(default, p.Value);
                if (everFreed.Contains(p.Address)) reused++;
                p.Value.A = canary;
                p.Value.D = ~canary;
                live[p.Address] = canary++;
            }
        }
        foreach ((nint a, long c) in live) Assert.Equal(c, ((S32*)a)->A);
        Assert.True(reused > 1000, $"freed objects should be reused once folded ({reused})");
        HeapStats s = heap.GetStats();
        Assert.Equal(live.Count, s.HeapObjects);
        Assert.Equal(s.Mallocs - s.Frees, s.HeapObjects);
        foreach (nint a in live.Keys) heap.Free((void*)a);
        Assert.Equal(0, heap.GetStats().HeapObjects);
    }

    [Fact]
    public void Statistics_count_what_a_held_slab_handed_out_and_took_back()
    {
        using var heap = new Heap();
        var ready = new ManualResetEventSlim();
        var done = new ManualResetEventSlim();
        var t = new Thread(() =>
        {
            var ptrs = new List<Ptr<S32>>();
            for (int i = 0; i < 100; i++) ptrs.Add(heap.Alloc<S32>());
            for (int i = 0; i < 40; i++) heap.Free(ptrs[i]);
            ready.Set();
            done.Wait();                                                           // keeps its slab, unfolded
        });
        t.Start();
        ready.Wait();
        HeapStats s = heap.GetStats();
        done.Set();
        t.Join();
        Assert.Equal((100L, 40L, 60L), (s.Mallocs, s.Frees, s.HeapObjects));
        Assert.Equal(60L * 32, s.HeapAlloc);
        Assert.Equal((100L, 40L), (s.BySize[SizeClassTable.ForSize(32)].Mallocs, s.BySize[SizeClassTable.ForSize(32)].Frees));
    }

    [Fact]
    public void The_collector_scans_exactly_the_manual_objects_a_held_slab_has_allocated()
    {
        using var heap = new Heap();
        using var _ = heap.Scope();
        // Ten manual nodes: the first from the slow path (its bit set), the rest from the fast
        // path (no bits: allocated by the free-index rule). Each holds one collected node.
        var holders = new Ptr<GcNode>[10];
        for (int i = 0; i < holders.Length; i++)
        {
            holders[i] = heap.Alloc<GcNode>();
            Ptr<GcNode> target = heap.New<GcNode>();
            target.Value.Id = 100 + i;
            holders[i].Value.Right = target;
        }
        heap.Collect();
        Assert.Equal(20, heap.GetStats().HeapObjects);
        for (int i = 0; i < holders.Length; i++) Assert.Equal(100 + i, holders[i].Value.Right.Value.Id);
        // Freed by their owner (owner-free bits, not folded): no longer roots.
        for (int i = 0; i < holders.Length; i += 2) heap.Free(holders[i]);
        heap.Collect();
        Assert.Equal(10, heap.GetStats().HeapObjects);
        for (int i = 1; i < holders.Length; i += 2) Assert.Equal(100 + i, holders[i].Value.Right.Value.Id);
        for (int i = 1; i < holders.Length; i += 2) heap.Free(holders[i]);
        heap.Collect();
        Assert.Equal(0, heap.GetStats().HeapObjects);
    }

    [Fact]
    public void A_raw_free_looks_in_the_slab_of_the_last_allocated_class_first_and_checks_the_same()
    {
        using var heap = new Heap();
        LocalHeap local = heap.Local();
        byte* a = (byte*)local.Alloc(48);                   // the hint: the 48-byte class
        byte* b = (byte*)local.Alloc(48);
        local.Free(a);                                       // found through the hint
        Assert.Throws<ArgumentException>(() => { LocalHeap l = heap.Local(); l.Free(a); });   // double free, same path
        var e = Assert.Throws<ArgumentException>(() => heap.Free(b + 16));                    // interior: the general path says so
        Assert.Contains("points inside the object", e.Message);
        // The slab's tail: 8192 / 48 = 170 objects and 32 bytes left over. The first byte past the
        // last object is no object, though the multiply would make it object 170.
        Arena.Pages.Chunk* chunk = Arena.Pages.AddressMap.Lookup((nuint)b);
        Arena.Slabs.Slab* slab = chunk->SlabOf((nuint)b);
        Assert.Equal(170, slab->NElems);
        byte* tail = (byte*)(slab->Base + 170 * 48);
        Assert.Throws<ArgumentException>(() => heap.Free(tail));
        byte* c = (byte*)local.Alloc(16);                    // the hint moves to the 16-byte class
        local.Free(b);                                       // not in the hinted slab: the address map finds it
        heap.Free(c);
        HeapStats st = heap.GetStats();
        Assert.Equal((3L, 3L, 0L), (st.Mallocs, st.Frees, st.HeapObjects));
    }

    [Fact]
    public void A_raw_free_through_another_heap_never_takes_the_hinted_slab()
    {
        using var mine = new Heap();
        using var theirs = new Heap();
        void* own = mine.Alloc(32);
        void* foreign = theirs.Alloc(32);                    // this thread's current cache is now theirs,
        Assert.Equal(1, theirs.GetStats().HeapObjects);      // its hint the 32-byte class, whose slab holds foreign
        Assert.Throws<ArgumentException>(() => mine.Free(foreign));
        Assert.Throws<ArgumentException>(() => { LocalHeap l = mine.Local(); l.Free(foreign); });
        Assert.Equal(1, theirs.GetStats().HeapObjects);
        theirs.Free(foreign);
        mine.Free(own);
        Assert.Equal(0, mine.GetStats().HeapObjects);
        Assert.Equal(0, theirs.GetStats().HeapObjects);
    }

    [Fact]
    public void A_typed_free_of_an_interior_pointer_in_the_held_slab_is_rejected_and_changes_nothing()
    {
        using var heap = new Heap();
        LocalHeap local = heap.Local();
        Ptr<S32> p = local.Alloc<S32>();
        p.Value.A = 5;
        var inside = new Ptr<S32>((S32*)((byte*)p.Pointer + 8));
        var e = Assert.Throws<ArgumentException>(() => { LocalHeap l = heap.Local(); l.Free(inside); });
        Assert.Contains("points inside the object", e.Message);
        Assert.Throws<ArgumentException>(() => heap.Free(inside));
        Assert.Equal(5, p.Value.A);
        Assert.Equal(1, heap.GetStats().HeapObjects);
        local.Free(p);
        Assert.Equal(0, heap.GetStats().HeapObjects);
    }

    [Fact]
    public void A_typed_free_finds_objects_of_any_type_and_class()
    {
        using var heap = new Heap();
        LocalHeap local = heap.Local();
        Ptr<S32> a = local.Alloc<S32>();
        Ptr<S32> b = local.Alloc<S32>();
        local.Free(new Ptr<Other32>((Other32*)a.Pointer));                        // same class: the held slab
        heap.Free(new Ptr<S16>((S16*)b.Pointer));                                 // another class: the address map
        Assert.Throws<ArgumentException>(() => heap.Free(b));
        HeapStats s = heap.GetStats();
        Assert.Equal((2L, 2L, 0L), (s.Mallocs, s.Frees, s.HeapObjects));
    }

    [Fact]
    public void A_typed_free_of_another_heaps_object_is_rejected()
    {
        using var mine = new Heap();
        using var theirs = new Heap();
        Ptr<S32> own = mine.Alloc<S32>();                                         // mine holds a 32-byte slab
        Ptr<S32> foreign = theirs.Alloc<S32>();
        foreign.Value.B = 9;
        var e = Assert.Throws<ArgumentException>(() => mine.Free(foreign));
        Assert.Contains("was not allocated by this heap", e.Message);
        Assert.Throws<ArgumentException>(() => { LocalHeap l = mine.Local(); l.Free(foreign); });
        Assert.Equal(9, foreign.Value.B);
        Assert.Equal(1, theirs.GetStats().HeapObjects);
        theirs.Free(foreign);
        mine.Free(own);
        Assert.Equal(0, mine.GetStats().HeapObjects);
        Assert.Equal(0, theirs.GetStats().HeapObjects);
    }
}
