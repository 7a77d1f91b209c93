using Arena.Pages;
using Arena.Slabs;

namespace Arena.Tests.Collector;

/// <summary>A 640-byte collected object (past the one-mask width) with a pointer in its first word.</summary>
[ArenaType]
public unsafe partial struct GcWide
{
    private Ptr<GcWide> _prev;
    public long Canary;
    public fixed long Pad[78];
}

/// <summary>
/// The mark loop scans a queued slab's grey objects in address order and marks pointers into
/// the same slab without a lookup or a push (Collector.ScanSlab). These cases reach each of
/// its paths from objects of one slab: pointers ahead in the same bitmap word, in a later
/// word, behind (found by a second pass), stale and interior pointers, slabs of mixed types
/// (no stamp) and objects too wide for one mask. Each runs with one mark worker (plain bits)
/// and with two (atomic bits, and the release-and-look-again protocol), with every pass taken
/// upward, with every pass taken downward, and in the order each worker adapts, and checks
/// that no slab is left grey or queued.
/// </summary>
public unsafe class SlabScanTests
{
    /// <summary>The order the scan's passes take a slab in (the collector's internal ScanOrder, for test names).</summary>
    public enum Order { Up, Down, Adaptive }

    private static Heap NewHeap(int workers, Order order)
    {
        var heap = new Heap(new HeapOptions { MarkWorkers = workers });
        heap.Collector.ForceScanOrder(order switch
        {
            Order.Up => global::Arena.Collector.Collector.ScanOrder.Up,
            Order.Down => global::Arena.Collector.Collector.ScanOrder.Down,
            _ => global::Arena.Collector.Collector.ScanOrder.Adaptive,
        });
        return heap;
    }

    /// <summary>One and two mark workers, each with passes upward, downward and adapting.</summary>
    public static TheoryData<int, Order> WorkersAndOrders => new()
    {
        { 1, Order.Up }, { 1, Order.Down }, { 1, Order.Adaptive },
        { 2, Order.Up }, { 2, Order.Down }, { 2, Order.Adaptive },
    };

    private static Slab* SlabOf(void* p) => AddressMap.Lookup((nuint)p)->SlabOf((nuint)p);

    /// <summary>No slab of these objects holds a grey bit or its queued flag after a collection.</summary>
    private static void AssertNothingGrey<T>(IEnumerable<Ptr<T>> objects) where T : unmanaged, IArenaType<T>
        => AssertNothingGrey(objects.Select(p => (nint)SlabOf(p.Pointer)).Distinct().ToArray());

    private static void AssertNothingGrey(nint[] slabs)
    {
        foreach (nint slab in slabs)
        {
            Slab* s = (Slab*)slab;
            Assert.Equal(0, s->Queued);
            for (int w = 0; w < Slab.BitmapWords; w++) Assert.Equal(0UL, s->GreyBits[w]);
        }
    }

    /// <summary>Nodes allocated in order, so that consecutive ones share slabs (32 bytes: 256 to an 8 KiB slab).</summary>
    private static Ptr<GcNode>[] Nodes(Heap heap, int count)
    {
        var nodes = new Ptr<GcNode>[count];
        for (int i = 0; i < count; i++) nodes[i] = GcNodes.New(heap, i);
        return nodes;
    }

    private static void CollectChurnCollect(Heap heap)
    {
        heap.Collect();
        GcNodes.Churn(heap, 5000);
        heap.Collect();
    }

    /// <summary>
    /// Links the nodes into one list through Left, in <paramref name="order"/>, lets
    /// <paramref name="moreLinks"/> add others, roots the first, collects with churn between,
    /// and checks that the whole list is there and counted, that nothing is left grey, and
    /// that it all goes once unrooted.
    /// </summary>
    private static void AssertListKept(int workers, Order scanOrder, int[] order, Action<Ptr<GcNode>[]>? moreLinks = null)
    {
        using var heap = NewHeap(workers, scanOrder);
        using var _ = heap.Scope();
        Ptr<GcNode>[] nodes = Nodes(heap, order.Length);
        for (int k = 0; k + 1 < order.Length; k++) nodes[order[k]].Value.Left = nodes[order[k + 1]];
        moreLinks?.Invoke(nodes);
        using (heap.Root(nodes[order[0]]))
        {
            CollectChurnCollect(heap);
            Ptr<GcNode> n = nodes[order[0]];
            for (int k = 0; k < order.Length; k++, n = n.Value.Left) GcNodes.AssertIntact(n, order[k]);
            Assert.True(n.IsNull);
            Assert.Equal(order.Length, heap.GetStats().HeapObjects);
            Assert.Equal(order.Length * 32L, heap.GetStats().HeapLive);
            AssertNothingGrey(nodes);
        }
        heap.Collect();
        Assert.Equal(0, heap.GetStats().HeapObjects);
    }

    [Theory]
    [MemberData(nameof(WorkersAndOrders))]
    public void A_list_linked_forward_through_its_slabs_is_kept_whole(int workers, Order order)
        => AssertListKept(workers, order, [.. Enumerable.Range(0, 3000)]);         // ahead: same word, next word, next slab

    [Theory]
    [MemberData(nameof(WorkersAndOrders))]
    public void A_list_linked_backward_is_kept_whole_by_the_passes_behind(int workers, Order order)
        => AssertListKept(workers, order, [.. Enumerable.Range(0, 3000).Reverse()]);   // every pointer behind its object

    [Theory]
    [MemberData(nameof(WorkersAndOrders))]
    public void A_tree_linked_children_first_is_kept_whole(int workers, Order order)
    {
        // Nodes numbered in post-order: both children lie behind their parent, in the same
        // bitmap word, an earlier word of the slab, or an earlier slab, at every level.
        const int depth = 11;
        using var heap = NewHeap(workers, order);
        using var _ = heap.Scope();
        Ptr<GcNode>[] nodes = Nodes(heap, (1 << (depth + 1)) - 1);
        int next = 0;
        int Link(int d)
        {
            if (d == 0) return next++;
            int left = Link(d - 1), right = Link(d - 1), self = next++;
            nodes[self].Value.Left = nodes[left];
            nodes[self].Value.Right = nodes[right];
            return self;
        }
        int root = Link(depth);
        Assert.Equal(nodes.Length - 1, root);
        using (heap.Root(nodes[root]))
        {
            CollectChurnCollect(heap);
            int seen = 0;
            void Walk(Ptr<GcNode> n, int d)                  // the same post-order: children, then the node
            {
                Assert.False(n.IsNull);
                if (d > 0) { Walk(n.Value.Left, d - 1); Walk(n.Value.Right, d - 1); }
                GcNodes.AssertIntact(n, seen++);
            }
            Walk(nodes[root], depth);
            Assert.Equal(nodes.Length, seen);
            Assert.Equal(nodes.Length, heap.GetStats().HeapObjects);
            AssertNothingGrey(nodes);
        }
        heap.Collect();
        Assert.Equal(0, heap.GetStats().HeapObjects);
    }

    [Theory]
    [MemberData(nameof(WorkersOrdersAndSeeds))]
    public void A_list_through_its_nodes_in_random_order_is_kept_whole(int workers, Order order, int seed)
    {
        int[] links = [.. Enumerable.Range(0, 4000)];
        new Random(seed).Shuffle(links);
        // Every kind of link: ahead and behind, in one word, one slab or another.
        AssertListKept(workers, order, links, nodes =>
        {
            for (int k = 0; k < links.Length; k += 7) nodes[links[k]].Value.Right = nodes[links[(k * 31 + 5) % links.Length]];
        });
    }

    /// <summary><see cref="WorkersAndOrders"/>, each with seeds 1 and 2.</summary>
    public static TheoryData<int, Order, int> WorkersOrdersAndSeeds
    {
        get
        {
            var data = new TheoryData<int, Order, int>();
            foreach (var row in WorkersAndOrders)
                for (int seed = 1; seed <= 2; seed++) data.Add((int)row[0], (Order)row[1], seed);
            return data;
        }
    }

    [Theory]
    [MemberData(nameof(WorkersAndOrders))]
    public void A_stale_pointer_to_a_freed_slot_of_the_same_slab_marks_nothing(int workers, Order order)
    {
        using var heap = NewHeap(workers, order);
        using var _ = heap.Scope();
        Ptr<GcNode> kept = GcNodes.New(heap, 1);
        Ptr<GcNode> dead = GcNodes.New(heap, 2);
        Assert.True(SlabOf(kept.Pointer) == SlabOf(dead.Pointer));
        using (heap.Root(kept))
        {
            heap.Collect();                                      // dead's slot is free now
            Assert.Equal(1, heap.GetStats().HeapObjects);
            kept.Value.Left = dead;                              // stale: the mark loop must see the free slot
            heap.Collect();
            heap.Collect();
            Assert.Equal(1, heap.GetStats().HeapObjects);
            Assert.Equal(32, heap.GetStats().HeapLive);
            GcNodes.AssertIntact(kept, 1);
            AssertNothingGrey([kept]);
        }
    }

    [Theory]
    [MemberData(nameof(WorkersAndOrders))]
    public void An_interior_pointer_into_an_object_of_the_same_slab_keeps_that_object(int workers, Order order)
    {
        using var heap = NewHeap(workers, order);
        using var _ = heap.Scope();
        Ptr<GcNode> head = GcNodes.New(heap, 1);
        Ptr<GcNode> target = GcNodes.New(heap, 2);
        Ptr<GcNode> child = GcNodes.New(heap, 3);
        target.Value.Right = child;
        Assert.True(SlabOf(head.Pointer) == SlabOf(target.Pointer));
        head.Value.Left = new Ptr<GcNode>((GcNode*)((byte*)target.Pointer + 24));   // its Id field
        using (heap.Root(head))
        {
            CollectChurnCollect(heap);
            GcNodes.AssertIntact(target, 2);
            GcNodes.AssertIntact(target.Value.Right, 3);
            Assert.Equal(3, heap.GetStats().HeapObjects);
            AssertNothingGrey([head, target, child]);
        }
    }

    [Theory]
    [MemberData(nameof(WorkersAndOrders))]
    public void A_slab_of_two_types_is_scanned_with_each_objects_own_pointer_bits(int workers, Order order)
    {
        using var heap = NewHeap(workers, order);
        using var _ = heap.Scope();
        // GcNode (pointers in words 0 and 1) and GcTailNode (pointer in word 3) share size
        // class 32: interleaved, their slabs have no stamp, and each object's bits are read.
        const int Count = 1500;
        var nodes = new Ptr<GcNode>[Count];
        var tails = new Ptr<GcTailNode>[Count];
        for (int i = 0; i < Count; i++)
        {
            nodes[i] = GcNodes.New(heap, i);
            tails[i] = heap.New<GcTailNode>();
            tails[i].Value.Id = i;
        }
        Assert.True(SlabOf(nodes[0].Pointer) == SlabOf(tails[0].Pointer));
        Assert.Equal(0, SlabOf(nodes[0].Pointer)->PtrStamp);
        for (int i = 0; i < Count; i++)
        {
            nodes[i].Value.Left = new Ptr<GcNode>((GcNode*)tails[i].Pointer);     // a pointer is a pointer to the collector
            if (i + 1 < Count) tails[i].Value.Next = nodes[i + 1];
        }
        using (heap.Root(nodes[0]))
        {
            CollectChurnCollect(heap);
            for (int i = 0; i < Count; i++)
            {
                GcNodes.AssertIntact(nodes[i], i);
                Assert.Equal(i, tails[i].Value.Id);
            }
            Assert.Equal(2 * Count, heap.GetStats().HeapObjects);
            AssertNothingGrey(nodes);
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Objects_too_wide_for_one_mask_pointing_back_into_their_slab_are_kept(int workers)
    {
        using var heap = NewHeap(workers, Order.Adaptive);     // one object-by-object pass: no order
        using var _ = heap.Scope();
        const int Count = 100;                                   // 640 bytes each: 12 to an 8 KiB slab
        var all = new Ptr<GcWide>[Count];
        for (int i = 0; i < Count; i++)
        {
            all[i] = heap.New<GcWide>();
            all[i].Value.Canary = GcNodes.Canary(i);
            if (i > 0) all[i].Value.Prev = all[i - 1];           // behind, in the same slab but at its start
        }
        Assert.True(SlabOf(all[1].Pointer) == SlabOf(all[0].Pointer));
        using (heap.Root(all[^1]))
        {
            heap.Collect();
            for (int i = 0; i < 2000; i++) heap.New<GcWide>().Value.Canary = -1;
            heap.Collect();
            Ptr<GcWide> w = all[^1];
            for (int i = Count - 1; i >= 0; i--, w = w.Value.Prev) Assert.Equal(GcNodes.Canary(i), w.Value.Canary);
            Assert.Equal(Count, heap.GetStats().HeapObjects);
            AssertNothingGrey(all);
        }
    }

    [Theory]
    [MemberData(nameof(WorkersAndOrders))]
    public void A_slab_whose_objects_all_point_out_of_it_is_scanned_in_batches_and_loses_nothing(int workers, Order order)
    {
        // A spine greys every middle node before the middle's slabs are scanned; each middle
        // node points to two leaves in other slabs. So one scan of a full middle slab meets 512
        // pointers out of it: more than a batch of them holds, which must be shaded before it
        // overflows.
        using var heap = NewHeap(workers, order);
        using var _ = heap.Scope();
        const int Spine = 512, Middle = 512, Leaves = 2 * Middle;
        Ptr<GcNode>[] nodes = Nodes(heap, Spine + Middle + Leaves);
        for (int i = 0; i < Spine; i++)
        {
            if (i + 1 < Spine) nodes[i].Value.Right = nodes[i + 1];
            nodes[i].Value.Left = nodes[Spine + i];
        }
        for (int i = 0; i < Middle; i++)
        {
            nodes[Spine + i].Value.Left = nodes[Spine + Middle + 2 * i];
            nodes[Spine + i].Value.Right = nodes[Spine + Middle + 2 * i + 1];
        }
        Assert.True(SlabOf(nodes[Spine + 256].Pointer) == SlabOf(nodes[Spine + 511].Pointer));   // one slab all middle nodes
        using (heap.Root(nodes[0]))
        {
            CollectChurnCollect(heap);
            for (int i = 0; i < nodes.Length; i++) GcNodes.AssertIntact(nodes[i], i);
            Assert.Equal(nodes.Length, heap.GetStats().HeapObjects);
            AssertNothingGrey(nodes);
        }
        heap.Collect();
        Assert.Equal(0, heap.GetStats().HeapObjects);
    }

    [Theory]
    [InlineData(Order.Up)]
    [InlineData(Order.Down)]
    [InlineData(Order.Adaptive)]
    public void Two_workers_greying_the_same_slabs_leave_none_grey_and_lose_nothing(Order order)
    {
        // A random graph over few slabs: both workers keep greying objects of slabs the other
        // is scanning, which then must look again after releasing them.
        using var heap = NewHeap(2, order);
        using var _ = heap.Scope();
        const int Count = 200_000;
        Ptr<GcNode>[] nodes = Nodes(heap, Count);
        var random = new Random(5);
        for (int i = 0; i < Count; i++)
        {
            nodes[i].Value.Left = nodes[random.Next(Count)];
            nodes[i].Value.Right = nodes[random.Next(Count)];
        }
        // Everything reachable from node 0, as the collector must find it.
        var reached = new bool[Count];
        var stack = new Stack<int>([0]);
        reached[0] = true;
        while (stack.Count > 0)
        {
            Ptr<GcNode> n = nodes[stack.Pop()];
            foreach (Ptr<GcNode> c in (ReadOnlySpan<Ptr<GcNode>>)[n.Value.Left, n.Value.Right])
            {
                int id = (int)c.Value.Id;
                if (!reached[id]) { reached[id] = true; stack.Push(id); }
            }
        }
        int live = reached.Count(r => r);
        nint[] slabs = nodes.Select(n => (nint)SlabOf(n.Pointer)).Distinct().ToArray();
        using (heap.Root(nodes[0]))
        {
            for (int cycle = 0; cycle < 120; cycle++)
            {
                heap.Collect();
                Assert.Equal(live, heap.GetStats().HeapObjects);
                AssertNothingGrey(slabs);
            }
            for (int i = 0; i < Count; i++)
                if (reached[i]) GcNodes.AssertIntact(nodes[i], i);
        }
    }
}
