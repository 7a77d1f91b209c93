using Arena.SizeClasses;
using Arena.Tests.Collector;

namespace Arena.Tests;

/// <summary>
/// <see cref="LocalHeap"/>: the thread's handle allocates and frees exactly as the heap does,
/// refuses the same bad input, and stays safe after the heap is disposed.
/// </summary>
public unsafe class LocalHeapTests
{
    private struct S32 { public long A, B, C, D; }

    [Fact]
    public void Alloc_returns_zeroed_distinct_objects_and_is_counted()
    {
        using var heap = new Heap();
        LocalHeap local = heap.Local();
        Assert.Same(heap, local.Heap);
        var seen = new HashSet<nint>();
        for (int i = 0; i < 2000; i++)
        {
            Ptr<S32> p = local.Alloc<S32>();
            Assert.Equal(default, p.Value);
            p.Value.A = i;
            p.Value.D = ~i;
            Assert.True(seen.Add(p.Address));
        }
        HeapStats s = heap.GetStats();
        Assert.Equal(2000, s.Mallocs);
        Assert.Equal(2000, s.HeapObjects);
        Assert.Equal(2000, s.BySize[SizeClassTable.ForSize(32)].Mallocs);
        foreach (nint p in seen) local.Free((void*)p);
        Assert.Equal(0, heap.GetStats().HeapObjects);
    }

    [Fact]
    public void Handle_and_heap_free_each_others_objects()
    {
        using var heap = new Heap();
        LocalHeap local = heap.Local();
        Ptr<S32> a = heap.Alloc<S32>();
        Ptr<S32> b = local.Alloc<S32>();
        local.Free(a);
        heap.Free(b);
        HeapStats st = heap.GetStats();
        Assert.Equal((2, 2, 0L), (st.Mallocs, st.Frees, st.HeapObjects));
        // Freed in place by the owning thread: a second free of either is caught as a double free.
        Assert.Throws<ArgumentException>(() => heap.Free(a));
        Assert.Throws<ArgumentException>(() => { LocalHeap l = heap.Local(); l.Free(b); });
    }

    [Fact]
    public void Raw_alloc_serves_every_size_and_alignment_the_heap_does()
    {
        using var heap = new Heap();
        LocalHeap local = heap.Local();
        var ptrs = new List<nint>();
        foreach (nint size in new nint[] { 0, 1, 8, 24, 32, 1000, 32768, 32769, 200_000 })
        {
            byte* p = (byte*)local.Alloc(size);
            if (size > 0) { p[0] = 1; p[size - 1] = 2; }
            ptrs.Add((nint)p);
        }
        byte* aligned = (byte*)local.Alloc(100, 64);
        Assert.Equal(0, (nint)aligned % 64);
        ptrs.Add((nint)aligned);
        Assert.Equal(ptrs.Count, ptrs.Distinct().Count());
        foreach (nint p in ptrs) local.Free((void*)p);
        Assert.Equal(0, heap.GetStats().HeapObjects);
    }

    [Fact]
    public void Bad_input_throws_the_heaps_exceptions_and_leaves_the_heap_usable()
    {
        using var heap = new Heap();
        using var other = new Heap();
        nint p = (nint)heap.Local().Alloc(32);
        nint foreign = (nint)other.Alloc(32);
        Assert.Throws<ArgumentOutOfRangeException>(() => { LocalHeap l = heap.Local(); l.Alloc(-1); });
        Assert.Throws<ArgumentOutOfRangeException>(() => { LocalHeap l = heap.Local(); l.Alloc(16, 3); });
        var nul = Assert.Throws<ArgumentNullException>(() => { LocalHeap l = heap.Local(); l.Free(null); });
        Assert.Contains("null", nul.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Throws<ArgumentException>(() => { LocalHeap l = heap.Local(); l.Free((void*)(p + 8)); });
        Assert.Throws<ArgumentException>(() => { LocalHeap l = heap.Local(); l.Free((void*)foreign); });
        heap.Local().Free((void*)p);
        var twice = Assert.Throws<ArgumentException>(() => { LocalHeap l = heap.Local(); l.Free((void*)p); });
        Assert.Contains("free", twice.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(0, heap.GetStats().HeapObjects);
        Assert.Equal(1, other.GetStats().HeapObjects);
        LocalHeap local = heap.Local();
        void* q = local.Alloc(32);
        local.Free(q);
        Assert.Equal(0, heap.GetStats().HeapObjects);
    }

    [Fact]
    public void A_default_handle_throws_invalid_operation()
    {
        Assert.Throws<InvalidOperationException>(() => default(LocalHeap).Alloc<long>());
        Assert.Throws<InvalidOperationException>(() => { LocalHeap l = default; l.Alloc(8); });
        Assert.Throws<InvalidOperationException>(() => { LocalHeap l = default; l.Free(null); });
        var e = Assert.Throws<InvalidOperationException>(() => default(LocalHeap).Heap);
        Assert.Contains("heap.Local()", e.Message);
    }

    [Fact]
    public void A_handle_taken_before_dispose_throws_object_disposed_after_it()
    {
        var heap = new Heap();
        LocalHeap local = heap.Local();
        for (int i = 0; i < 100; i++) local.Free(local.Alloc<S32>());   // the cache holds a current slab
        Ptr<S32> live = local.Alloc<S32>();
        heap.Dispose();
        Assert.Throws<ObjectDisposedException>(() => heap.Local());
        // A ref struct cannot be captured by a lambda, so each call is caught here.
        Assert.IsType<ObjectDisposedException>(Catch(local, l => l.Alloc<S32>()));
        Assert.IsType<ObjectDisposedException>(Catch(local, l => l.Alloc(32)));
        Assert.IsType<ObjectDisposedException>(Catch(local, l => l.Alloc(100_000)));
        Assert.IsType<ObjectDisposedException>(Catch(local, l => l.Free(live)));
    }

    [Fact]
    public void The_handle_keeps_its_heap_while_the_thread_uses_another()
    {
        using var a = new Heap();
        using var b = new Heap();
        LocalHeap la = a.Local();
        Ptr<S32> x = la.Alloc<S32>();
        b.Free(b.Alloc<S32>());            // the thread's current cache is now b's
        Ptr<S32> y = la.Alloc<S32>();
        la.Free(x);
        la.Free(y);
        HeapStats sa = a.GetStats(), sb = b.GetStats();
        Assert.Equal((2, 2, 0L), (sa.Mallocs, sa.Frees, sa.HeapObjects));
        Assert.Equal((1, 1, 0L), (sb.Mallocs, sb.Frees, sb.HeapObjects));
    }

    [Fact]
    public void Objects_freed_through_a_handle_on_another_thread_come_back()
    {
        using var heap = new Heap();
        var ptrs = new nint[5000];
        LocalHeap local = heap.Local();
        for (int i = 0; i < ptrs.Length; i++) ptrs[i] = (nint)local.Alloc(48);
        var t = new Thread(() =>
        {
            LocalHeap theirs = heap.Local();
            foreach (nint p in ptrs) theirs.Free((void*)p);
        });
        t.Start();
        t.Join();
        HeapStats s = heap.GetStats();
        Assert.Equal(0, s.HeapObjects);
        Assert.Equal(ptrs.Length, s.Frees);
        // The owner merges the remote frees and allocates from those objects again.
        var again = new HashSet<nint>();
        for (int i = 0; i < ptrs.Length; i++) again.Add((nint)local.Alloc(48));
        Assert.True(again.Overlaps(ptrs));
        foreach (nint p in again) local.Free((void*)p);
        heap.AssertValid();
    }

    [Fact]
    public void Manual_objects_from_a_handle_are_roots_for_the_collector()
    {
        using var heap = new Heap();
        using var _ = heap.Scope();
        LocalHeap local = heap.Local();
        Ptr<GcNode> manual = local.Alloc<GcNode>();
        Ptr<GcNode> child = heap.New<GcNode>();
        child.Value.Canary = 0x5EED;
        manual.Value.Right = child;
        heap.Collect();
        Assert.Equal(2, heap.GetStats().HeapObjects);
        Assert.Equal(0x5EED, manual.Value.Right.Value.Canary);
        local.Free(manual);
        heap.Collect();
        Assert.Equal(0, heap.GetStats().HeapObjects);
    }

    [Fact]
    public void A_warm_loop_through_a_handle_allocates_no_managed_memory()
    {
        using var heap = new Heap();
        LocalHeap local = heap.Local();
        for (int i = 0; i < 10_000; i++)   // warm everything the loop calls, Alloc<Guid> included (see ManagedAllocationTests)
        {
            local.Free(local.Alloc(32));
            local.Free(local.Alloc<Guid>());
        }
        for (int i = 0; i < 1000; i++) local.Free(local.Alloc(100_000));
        Assert.Equal(0, ManagedBytes.OfWarmLoop(() =>
        {
            LocalHeap local = heap.Local();
            for (int i = 0; i < 1_000_000; i++)
            {
                local.Free(local.Alloc(32));
                local.Free(local.Alloc<Guid>());
            }
        }));
    }

    private delegate void Use(LocalHeap local);

    private static Exception? Catch(LocalHeap local, Use use)
    {
        try { use(local); }
        catch (Exception e) { return e; }
        return null;
    }
}

public unsafe class LocalHeapNewTests
{
    [Fact]
    public void New_through_a_handle_allocates_collected_objects_inside_a_scope()
    {
        using var heap = new Heap();
        Root<GcNode> kept;
        using (heap.Scope())
        {
            LocalHeap local = heap.Local();
            Ptr<GcNode> a = local.New<GcNode>();
            Ptr<GcNode> b = local.New<GcNode>();
            Assert.Equal(default, b.Value);
            a.Value.Canary = 7;
            a.Value.Left = b;
            kept = heap.Root(a);
            for (int i = 0; i < 1000; i++) local.New<GcNode>();   // garbage once the scope closes
        }
        heap.Collect();
        Assert.Equal(2, heap.GetStats().HeapObjects);
        Assert.Equal(7, kept.Target.Value.Canary);
        kept.Dispose();
        heap.Collect();
        Assert.Equal(0, heap.GetStats().HeapObjects);
    }

    [Fact]
    public void New_through_a_handle_outside_a_scope_explains_the_fix()
    {
        using var heap = new Heap();
        var e = Assert.Throws<InvalidOperationException>(() => heap.Local().New<GcNode>());
        Assert.Contains("heap.Scope()", e.Message);
        Assert.Equal(0, heap.GetStats().HeapObjects);
    }

    [Fact]
    public void New_through_a_default_or_disposed_handle_throws()
    {
        Assert.Throws<InvalidOperationException>(() => default(LocalHeap).New<GcNode>());
        var heap = new Heap();
        var scope = heap.Scope();
        LocalHeap local = heap.Local();
        local.New<GcNode>();
        scope.Dispose();
        heap.Dispose();
        Exception? caught = null;
        try { local.New<GcNode>(); }
        catch (Exception e) { caught = e; }
        Assert.IsType<ObjectDisposedException>(caught);
    }
}
