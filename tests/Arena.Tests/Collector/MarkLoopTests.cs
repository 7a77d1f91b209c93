namespace Arena.Tests.Collector;

/// <summary>A 16-byte collected object that points to a large one.</summary>
[ArenaType]
public partial struct GcBigHolder
{
    private Ptr<GcBig> _big;
    public long Canary;
}

/// <summary>A 48-byte collected object with its pointer in its last word: six words, so some of a slab's objects straddle a 64-word boundary of the heap bits.</summary>
[ArenaType]
public partial struct GcTail48
{
    public long A, B, C, D, E;
    private Ptr<GcNode> _next;
}

/// <summary>
/// The mark loop's paths for what a popped object points to, each reached through small
/// objects only (a root is shaded by another path): large objects, interior pointers into
/// them, small objects too wide for one mask of pointer words, and objects whose pointer
/// words straddle two words of the heap bits. Each runs with one mark worker (plain mark
/// bits) and with two (atomic ones).
/// </summary>
public unsafe class MarkLoopTests
{
    private static Heap NewHeap(int workers) => new(new HeapOptions { MarkWorkers = workers });

    private static Ptr<GcNode> NewNode(Heap heap, long id) => GcNodes.New(heap, id);

    private static void AssertNode(Ptr<GcNode> n, long id) => GcNodes.AssertIntact(n, id);

    private static void Churn(Heap heap, int count) => GcNodes.Churn(heap, count);

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void A_large_object_a_small_one_points_to_is_marked_and_scanned(int workers)
    {
        using var heap = NewHeap(workers);
        using var _ = heap.Scope();
        Ptr<GcBigHolder> holder = heap.New<GcBigHolder>();        // rooted: the mark loop scans it
        Ptr<GcBig> big = heap.New<GcBig>();                       // large: reached from the holder only
        holder.Value.Big = big;
        big.Value.Tail = NewNode(heap, 7);
        using (heap.Root(holder))
        {
            heap.Collect();
            Churn(heap, 2000);
            heap.Collect();
            AssertNode(holder.Value.Big.Value.Tail, 7);
            HeapStats s = heap.GetStats();
            Assert.Equal(3, s.HeapObjects);
            Assert.Equal(16 + sizeof(GcBig) + 32, s.HeapLive);
        }
        heap.Collect();
        Assert.Equal(0, heap.GetStats().HeapObjects);
        Assert.Equal(0, heap.GetStats().HeapLive);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void A_large_object_reached_only_from_a_popped_small_object_keeps_its_children(int workers)
    {
        using var heap = NewHeap(workers);
        using var _ = heap.Scope();
        // root → small node → large array (its first element) → small nodes.
        Ptr<GcNode> head = NewNode(heap, 0);
        Ptr<GcNode> large = heap.NewArray<GcNode>(5000);          // 160 KB: a large object
        for (int i = 0; i < 5000; i += 100) large[i].Value.Right = NewNode(heap, 10_000 + i);
        head.Value.Left = large;
        using (heap.Root(head))
        {
            heap.Collect();
            Churn(heap, 5000);
            heap.Collect();
            for (int i = 0; i < 5000; i += 100) AssertNode(head.Value.Left[i].Value.Right, 10_000 + i);
            HeapStats s = heap.GetStats();
            Assert.Equal(1 + 1 + 50, s.HeapObjects);
            Assert.Equal(32 + 5000 * 32 + 50 * 32, s.HeapLive);
        }
        heap.Collect();
        Assert.Equal(0, heap.GetStats().HeapObjects);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void An_interior_pointer_from_a_small_object_keeps_the_whole_large_object(int workers)
    {
        using var heap = NewHeap(workers);
        using var _ = heap.Scope();
        Ptr<GcNode> head = NewNode(heap, 0);
        Ptr<GcNode> large = heap.NewArray<GcNode>(5000);
        large[0].Value.Right = NewNode(heap, 1);
        large[4999].Value.Right = NewNode(heap, 2);
        head.Value.Left = large[2500];                             // into the middle of the array
        using (heap.Root(head))
        {
            heap.Collect();
            Churn(heap, 5000);
            heap.Collect();
            AssertNode(large[0].Value.Right, 1);
            AssertNode(large[4999].Value.Right, 2);
            Assert.Equal(4, heap.GetStats().HeapObjects);
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void A_small_object_too_wide_for_one_mask_is_scanned_whole(int workers)
    {
        using var heap = NewHeap(workers);
        using var _ = heap.Scope();
        // 100 nodes of 32 bytes: a 3200-byte small object with 200 pointer words.
        Ptr<GcNode> head = NewNode(heap, 0);
        Ptr<GcNode> wide = heap.NewArray<GcNode>(100);
        for (int i = 0; i < 100; i++)
        {
            wide[i].Value.Left = NewNode(heap, 100 + i);
            wide[i].Value.Right = NewNode(heap, 200 + i);
        }
        head.Value.Left = wide;
        using (heap.Root(head))
        {
            heap.Collect();
            Churn(heap, 5000);
            heap.Collect();
            for (int i = 0; i < 100; i++)
            {
                AssertNode(wide[i].Value.Left, 100 + i);
                AssertNode(wide[i].Value.Right, 200 + i);
            }
            Assert.Equal(1 + 1 + 200, heap.GetStats().HeapObjects);
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Pointer_words_that_straddle_two_heap_bits_words_are_all_scanned(int workers)
    {
        using var heap = NewHeap(workers);
        using var _ = heap.Scope();
        // 48-byte objects, each holding a node in its last word. In a slab, the object that
        // starts at word 60 ends at word 65, so its pointer's heap bit lies in the next word of
        // the bitmap. The objects are roots; the mark loop scans them.
        const int Count = 1000;
        var all = new Ptr<GcTail48>[Count];
        for (int i = 0; i < Count; i++)
        {
            all[i] = heap.New<GcTail48>();
            all[i].Value.A = i;
            all[i].Value.Next = NewNode(heap, i);
        }
        using (new RootSet(heap, all))
        {
            heap.Collect();
            Churn(heap, 5000);
            heap.Collect();
            for (int i = 0; i < Count; i++) AssertNode(all[i].Value.Next, i);
            Assert.Equal(2 * Count, heap.GetStats().HeapObjects);
        }
        heap.Collect();
        Assert.Equal(0, heap.GetStats().HeapObjects);
    }

    /// <summary>Roots for a set of objects, disposed together.</summary>
    private sealed class RootSet : IDisposable
    {
        private readonly Root<GcTail48>[] _roots;

        public RootSet(Heap heap, Ptr<GcTail48>[] targets)
        {
            _roots = new Root<GcTail48>[targets.Length];
            for (int i = 0; i < targets.Length; i++) _roots[i] = heap.Root(targets[i]);
        }

        public void Dispose()
        {
            foreach (Root<GcTail48> r in _roots) r.Dispose();
        }
    }
}
