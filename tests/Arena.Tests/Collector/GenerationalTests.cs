using Arena.Pages;

namespace Arena.Tests.Collector;

/// <summary>
/// Generational mode (HeapOptions.Generational): minor cycles keep old objects without tracing
/// them, find the young objects that old ones point to through the cards the write barrier
/// sets, and free the unreachable young ones; full cycles free everything unreachable.
/// </summary>
public unsafe class GenerationalTests
{
    private static Heap NewHeap() => new(new HeapOptions { Generational = true });

    private static Ptr<GcNode> NewNode(Heap heap, long id) => GcNodes.New(heap, id);

    private static void AssertNode(Ptr<GcNode> n, long id) => GcNodes.AssertIntact(n, id);

    private static void Churn(Heap heap, int count) => GcNodes.Churn(heap, count);

    [Fact]
    public void An_old_object_keeps_a_young_child_stored_through_its_property()
    {
        using var heap = NewHeap();
        using var _ = heap.Scope();
        using Root<GcNode> root = heap.Root(NewNode(heap, 1));
        heap.Collect();                                   // the parent is old from now on
        root.Target.Value.Left = NewNode(heap, 2);        // the barrier sets the parent's card
        root.Target.Value.Left.Value.Right = NewNode(heap, 3);   // young to young: found by tracing
        heap.CollectMinor();

        HeapStats s = heap.GetStats();
        Assert.Equal(1, s.NumMinorGC);
        Assert.Equal(3, s.HeapObjects);
        Churn(heap, 20_000);
        AssertNode(root.Target, 1);
        AssertNode(root.Target.Value.Left, 2);
        AssertNode(root.Target.Value.Left.Value.Right, 3);
    }

    [Fact]
    public void A_minor_cycle_does_not_trace_old_objects_so_a_store_past_the_barrier_is_missed()
    {
        // The contract's other side: minor cycles depend on the barrier. Writing the field
        // through a raw pointer skips it, and the young child is freed although reachable.
        using var heap = NewHeap();
        using var _ = heap.Scope();
        using Root<GcNode> root = heap.Root(NewNode(heap, 1));
        heap.Collect();
        Ptr<GcNode> child = NewNode(heap, 2);
        *(Ptr<GcNode>*)root.Target.Pointer = child;       // GcNode's first field is _left
        Assert.Equal(child, root.Target.Value.Left);
        heap.CollectMinor();
        Assert.Equal(1, heap.GetStats().HeapObjects);

        // A full collection traces the old parent again and skips the freed slot it points to.
        *(Ptr<GcNode>*)root.Target.Pointer = Ptr<GcNode>.Null;
        heap.Collect();
        Assert.Equal(1, heap.GetStats().HeapObjects);
        AssertNode(root.Target, 1);
    }

    [Fact]
    public void Young_garbage_is_freed_by_a_minor_cycle_and_old_garbage_by_a_full_one()
    {
        using var heap = NewHeap();
        using var _ = heap.Scope();
        var root = heap.Root(NewNode(heap, 0));
        for (int i = 1; i < 100; i++)
        {
            Ptr<GcNode> n = NewNode(heap, i);
            n.Value.Left = root.Target;
            root.Target = n;
        }
        heap.Collect();
        Assert.Equal(100, heap.GetStats().HeapObjects);
        Churn(heap, 1000);
        root.Dispose();                                   // the 100 old objects die

        heap.CollectMinor();
        HeapStats minor = heap.GetStats();
        Assert.Equal(1, minor.NumMinorGC);
        Assert.Equal(100, minor.HeapObjects);             // young garbage gone, old garbage kept
        Assert.Equal(100 * 32, minor.HeapLive);

        heap.Collect();
        HeapStats full = heap.GetStats();
        Assert.Equal(1, full.NumMinorGC);
        Assert.Equal(0, full.HeapObjects);
        Assert.Equal(0, full.HeapLive);
    }

    [Fact]
    public void Cards_work_in_large_objects_and_past_the_first_chunk_of_a_huge_one()
    {
        using var heap = NewHeap();
        using var _ = heap.Scope();
        using Root<GcBig> big = heap.Root(heap.New<GcBig>());            // 40 KiB: a large object
        const int length = 200_000;                                      // 6.4 MB: a huge chunk of its own
        using Root<GcNode> array = heap.Root(heap.NewArray<GcNode>(length));
        heap.Collect();

        big.Target.Value.Tail = NewNode(heap, 1);
        array.Target[length - 7].Value.Right = NewNode(heap, 2);         // past the first 4 MiB
        array.Target[3].Value.Left = NewNode(heap, 3);
        heap.CollectMinor();

        Assert.Equal(5, heap.GetStats().HeapObjects);
        Churn(heap, 20_000);
        AssertNode(big.Target.Value.Tail, 1);
        AssertNode(array.Target[length - 7].Value.Right, 2);
        AssertNode(array.Target[3].Value.Left, 3);
    }

    [Fact]
    public void Every_card_is_clear_after_a_cycle()
    {
        using var heap = NewHeap();
        using var _ = heap.Scope();
        using Root<GcNode> root = OldList(heap, 5000);
        heap.Collect();
        for (Ptr<GcNode> n = root.Target; !n.IsNull; n = n.Value.Left) n.Value.Right = NewNode(heap, -2);
        Assert.True(DirtyCards(heap) > 0);
        heap.CollectMinor();
        Assert.Equal(0, DirtyCards(heap));
        Assert.Equal(10_000, heap.GetStats().HeapObjects);
    }

    /// <summary>A rooted list of <paramref name="count"/> nodes, ids 1..count, the head being the last made.</summary>
    private static Root<GcNode> OldList(Heap heap, int count)
    {
        Root<GcNode> head = heap.Root(NewNode(heap, 1));
        for (int i = 2; i <= count; i++)
        {
            Ptr<GcNode> n = NewNode(heap, i);
            n.Value.Left = head.Target;
            head.Target = n;
        }
        return head;
    }

    private static Ptr<GcNode> Nth(Root<GcNode> head, int steps)
    {
        Ptr<GcNode> n = head.Target;
        for (int i = 0; i < steps; i++) n = n.Value.Left;
        return n;
    }

    private static long SweptSlabs(Heap heap) => heap.Centrals[CollectedLayout<GcNode>.CollectedSlabClass].SweptSlabs;

    [Fact]
    public void Minor_sweeps_pass_over_full_slabs_of_old_objects_and_a_full_cycle_sweeps_them_again()
    {
        using var heap = NewHeap();
        using var _ = heap.Scope();
        const int count = 20_000;
        using Root<GcNode> head = OldList(heap, count);
        heap.Collect();                                   // every node old, their slabs full
        long live = heap.GetStats().HeapLive;
        int slabs = (int)(SweptSlabs(heap));              // the list's slabs, swept once

        Ptr<GcNode> young = NewNode(heap, -5);            // young garbage: the minor cycle frees it
        heap.CollectMinor();
        long visited = SweptSlabs(heap) - slabs;
        Assert.InRange(visited, 1, 2);                    // the young object's slab, and at most the list's last one
        heap.AssertValid();                               // ARENA_DEBUG: OldFull's slabs and byte count
        Assert.Equal(live, heap.GetStats().HeapLive);     // the skipped slabs' bytes still count
        Assert.Equal(count, heap.GetStats().HeapObjects);
        AssertNode(head.Target, count);
        AssertNode(Nth(head, count - 1), 1);

        // Cut the list in half: the old half is garbage, which minor cycles keep...
        Nth(head, count / 2 - 1).Value.Left = Ptr<GcNode>.Null;
        heap.CollectMinor();
        Assert.Equal(count, heap.GetStats().HeapObjects);
        // ...and a full cycle, which visits every slab again, frees.
        long before = SweptSlabs(heap);
        heap.Collect();
        Assert.True(SweptSlabs(heap) - before >= slabs - 2, $"a full cycle visits the old slabs: {SweptSlabs(heap) - before} of {slabs}");
        Assert.Equal(count / 2, heap.GetStats().HeapObjects);
        heap.AssertValid();
        Churn(heap, 20_000);
        Ptr<GcNode> n = head.Target;
        for (int i = 0; i < count / 2; i++, n = n.Value.Left) AssertNode(n, count - i);
        Assert.True(n.IsNull);
    }

    [Fact]
    public void A_young_child_stored_into_an_old_slab_that_minor_sweeps_skip_is_kept()
    {
        // Minor sweeps do not visit a slab of old objects only, so nothing there sets the
        // chunk's HasOld again: minor cycles must leave the flag as it is, or the barrier
        // stops at the chunk, marks no card, and the young child is freed while reachable.
        // The list fills its slabs exactly, so no partly full slab of old objects shares
        // their chunk and sets the flag again when it is swept.
        using var heap = NewHeap();
        using var _ = heap.Scope();
        Ptr<GcNode> probe = NewNode(heap, -1);
        int perSlab = AddressMap.Lookup((nuint)probe.Address)->SlabOf((nuint)probe.Address)->NElems;
        heap.Collect();                                   // the probe is garbage: its slab is empty again
        int count = 20 * perSlab;
        using Root<GcNode> head = OldList(heap, count);
        heap.Collect();
        heap.CollectMinor();
        heap.CollectMinor();

        Ptr<GcNode> parent = Nth(head, count / 2);
        parent.Value.Right = NewNode(heap, 42);
        heap.CollectMinor();
        heap.AssertValid();
        Assert.Equal(count + 1, heap.GetStats().HeapObjects);
        Churn(heap, 20_000);                              // reuses any slot freed by mistake
        AssertNode(Nth(head, count / 2).Value.Right, 42);
    }

    private static int DirtyCards(Heap heap)
    {
        nint[] chunks = new nint[4];
        int n = heap.Pages.CopyChunks(ref chunks), dirty = 0;
        for (int i = 0; i < n; i++)
        {
            Chunk* c = (Chunk*)chunks[i];
            for (nuint k = 0; k < c->Size >> PageHeap.CardShift; k++) dirty += c->Cards[k];
        }
        return dirty;
    }

    [Fact]
    public void Paced_cycles_are_minor_until_the_old_objects_grow_by_GCPercent()
    {
        using var heap = NewHeap();
        using var _ = heap.Scope();
        using Root<GcNode> root = heap.Root(NewNode(heap, 0));
        Ptr<GcNode> tail = root.Target;
        long id = 1;
        for (int round = 0; round < 60; round++)
        {
            for (int i = 0; i < 20_000; i++)                 // 640 KB a round that stays
            {
                Ptr<GcNode> n = NewNode(heap, id++);
                tail.Value.Left = n;                         // old tail to young node: a card
                tail = n;
            }
            Churn(heap, 100_000);                            // 3.2 MB a round that dies
            heap.Safepoint();
        }
        HeapStats s = heap.GetStats();
        long full = s.NumGC - s.NumMinorGC;
        Assert.True(s.NumMinorGC >= 5, $"{s.NumMinorGC} minor cycles of {s.NumGC}");
        Assert.True(full >= 2, $"{full} full cycles of {s.NumGC}: the old objects grew 38 MB");
        long count = 0;
        for (Ptr<GcNode> n = root.Target; !n.IsNull; n = n.Value.Left) AssertNode(n, count++);
        Assert.Equal(id, count);
        heap.Collect();
        Assert.Equal(id, heap.GetStats().HeapObjects);
    }

    [Fact]
    public void A_copy_outside_the_heap_takes_stores_while_a_generational_heap_exists()
    {
        using var heap = NewHeap();
        Assert.NotEqual(0, WriteBarrier.s_mode & WriteBarrier.ModeCards);
        var onStack = new GcNode();
        var managed = new GcNode[1];
        var target = new Ptr<GcNode>((GcNode*)0x1000);
        onStack.Left = target;
        managed[0].Right = target;
        Assert.Equal(target, onStack.Left);
        Assert.Equal(target, managed[0].Right);
    }

    [Fact]
    public void Stores_into_manual_objects_need_no_card_since_those_are_roots()
    {
        using var heap = NewHeap();
        using var _ = heap.Scope();
        Ptr<GcNode> manual = heap.Alloc<GcNode>();
        heap.Collect();
        manual.Value.Left = NewNode(heap, 1);
        heap.CollectMinor();
        Assert.Equal(0, DirtyCards(heap));
        Churn(heap, 20_000);
        AssertNode(manual.Value.Left, 1);
        heap.Free(manual);
    }
}

/// <summary>
/// Generational mode under threads: each mutator grows a rooted list whose old tail takes young
/// nodes (card marks from several threads into shared card lines) while churning garbage, and a
/// non-mutator thread asks for minor and full collections in turn. Every list keeps every node.
/// </summary>
public unsafe class GenerationalStressTests
{
    [Fact]
    public void Mutators_growing_old_lists_keep_every_node_across_minor_and_full_cycles()
    {
        using var heap = new Heap(new HeapOptions { Generational = true, MarkWorkers = 2 });
        const int Threads = 3, Rounds = 1500;
        int done = 0;
        // The mutators go on past Rounds until five minor and five full cycles have run (or
        // 30 s have passed, which the count below then reports): how many run in Rounds alone
        // depends on how busy the machine is.
        int enough = 0;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        static bool Enough(HeapStats s) => s.NumMinorGC >= 5 && s.NumGC - s.NumMinorGC >= 5;
        var errors = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var lengths = new long[Threads];
        var roots = new Root<GcNode>[Threads];
        var mutators = Enumerable.Range(0, Threads).Select(t => new Thread(() =>
        {
            var rng = new Random(1000 + t);
            using (heap.Scope())
            {
                Ptr<GcNode> head = heap.New<GcNode>();
                head.Value.Id = t;
                roots[t] = heap.Root(head);
                Ptr<GcNode> tail = head;
                long length = 1;
                for (int r = 0; r < Rounds || (Volatile.Read(ref enough) == 0 && clock.Elapsed.TotalSeconds < 30); r++)
                {
                    int grow = rng.Next(50, 400);
                    for (int i = 0; i < grow; i++)
                    {
                        Ptr<GcNode> n = heap.New<GcNode>();
                        n.Value.Id = t;
                        n.Value.Canary = length++;
                        tail.Value.Left = n;
                        tail = n;
                        for (int g = rng.Next(0, 6); g > 0; g--) heap.New<GcNode>().Value.Canary = -1;
                    }
                    heap.Safepoint();                         // tail is reachable from the root
                }
                lengths[t] = length;
            }
            Interlocked.Increment(ref done);
        })).ToList();
        mutators.ForEach(m => m.Start());
        long requests = 0;
        while (Volatile.Read(ref done) < Threads)
        {
            if (requests++ % 2 == 0) heap.CollectMinor(); else heap.Collect();
            if (Enough(heap.GetStats())) Volatile.Write(ref enough, 1);
            Thread.Sleep(1);
        }
        mutators.ForEach(m => m.Join());
        HeapStats s = heap.GetStats();
        Assert.True(Enough(s), $"{s.NumMinorGC} minor of {s.NumGC} cycles");
        heap.Collect();
        long total = 0;
        for (int t = 0; t < Threads; t++)
        {
            long k = 0;
            for (Ptr<GcNode> n = roots[t].Target; !n.IsNull; n = n.Value.Left, k++)
            {
                if (n.Value.Id != t || n.Value.Canary != k) errors.Enqueue($"thread {t}: node {k} damaged");
            }
            if (k != lengths[t]) errors.Enqueue($"thread {t}: {k} nodes, {lengths[t]} made");
            total += k;
        }
        Assert.True(errors.IsEmpty, string.Join("\n", errors.Take(10)));
        Assert.Equal(total, heap.GetStats().HeapObjects);
        foreach (Root<GcNode> r in roots) r.Dispose();
        heap.Collect();
        Assert.Equal(0, heap.GetStats().HeapObjects);
    }
}
