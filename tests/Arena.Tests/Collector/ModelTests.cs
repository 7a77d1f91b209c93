namespace Arena.Tests.Collector;

/// <summary>
/// Random operations applied to the heap and to a plain reference graph. After every
/// collection each object the model reaches holds its canary, and the heap holds exactly the
/// objects the model reaches: nothing live is freed, nothing dead survives the cycle.
/// </summary>
public unsafe class ModelTests
{
    private sealed class Obj
    {
        public long Id;
        public Ptr<GcNode> Ptr;
        public Obj? Left, Right;
        public int RootCount;
    }

    [Theory]
    [InlineData(1, 250_000)]
    [InlineData(2, 250_000)]
    [InlineData(3, 250_000)]
    [InlineData(4, 250_000)]
    public void Random_operations_agree_with_the_model(int seed, int operations)
    {
        using var heap = new Heap();
        using var _ = heap.Scope();
        Run(heap, seed, operations, checkCounts: true);
    }

    /// <summary>
    /// The same on a generational heap, with minor cycles as often as full ones. After a minor
    /// cycle the heap holds at least the reachable objects and at most the old ones and what
    /// they or the roots reach; after a full one, exactly the reachable ones.
    /// </summary>
    [Theory]
    [InlineData(11, 250_000)]
    [InlineData(12, 250_000)]
    [InlineData(13, 250_000)]
    public void Random_operations_on_a_generational_heap_agree_with_the_model(int seed, int operations)
    {
        using var heap = new Heap(new HeapOptions { Generational = true });
        using var _ = heap.Scope();
        Run(heap, seed, operations, checkCounts: true, generational: true);
        Assert.True(heap.GetStats().NumMinorGC > 100, $"only {heap.GetStats().NumMinorGC} minor cycles ran");
    }

    /// <summary><paramref name="shards"/>: the central lists' shards; 0 for the machine's default.</summary>
    [Theory]
    [InlineData(false, 0)]
    [InlineData(true, 0)]
    [InlineData(false, 8)]
    [InlineData(true, 4)]
    public void Several_mutator_threads_with_their_own_graphs_and_one_collecting(bool generational, int shards)
    {
        var options = new HeapOptions { Generational = generational };
        using var heap = shards == 0 ? new Heap(options) : new Heap(options, shards);
        OtherThread.RunAll(3, t =>
        {
            using var m = heap.Scope();
            Run(heap, 100 + t, 60_000, checkCounts: false, generational);
        });
        heap.Collect();
        Assert.Equal(0, heap.GetStats().HeapObjects);
        Assert.True(heap.GetStats().NumGC > 3);
    }

    /// <summary>
    /// Runs the operations on the calling mutator. With checkCounts, the heap's object count
    /// is compared with the model after each collection (only right when no other thread
    /// allocates). Ends with every root dropped.
    /// </summary>
    private static void Run(Heap heap, int seed, int operations, bool checkCounts, bool generational = false)
    {
        var rng = new Random(seed);
        var reachable = new List<Obj>();      // reachable from roots at the last collection, or since linked
        var fresh = new List<Obj>();          // allocated since the last safepoint: alive until then
        var roots = new List<(Obj Obj, Root<GcNode> Root)>();
        long nextId = 1;
        var cycles = new ModelCycles<Obj>(heap, generational, seed, Reach);

        List<Obj> Known() => fresh.Count == 0 ? reachable : [.. reachable, .. fresh];

        void Verify(string when)
        {
            List<Obj> live = Reach(roots.Select(r => r.Obj));
            foreach (Obj o in live)
            {
                ref GcNode n = ref o.Ptr.Value;
                if (n.Id != o.Id || n.Canary != Canary(o.Id))
                    Assert.Fail($"seed {seed}, {when}: object {o.Id} lost its canary");
                if ((o.Left?.Ptr ?? Ptr<GcNode>.Null) != n.Left || (o.Right?.Ptr ?? Ptr<GcNode>.Null) != n.Right)
                    Assert.Fail($"seed {seed}, {when}: object {o.Id} lost a pointer");
            }
            cycles.Check(live, checkCounts, notCollected: 0, when);
            reachable = live;
            fresh.Clear();
        }

        void AfterSafepoint(string when)
        {
            if (cycles.RanOne()) Verify(when);
            else
            {
                // No collection ran: unreachable fresh objects are garbage from now on.
                fresh.Clear();
                reachable = Reach(roots.Select(r => r.Obj));
            }
        }

        for (int op = 0; op < operations; op++)
        {
            int r = rng.Next(100);
            List<Obj> known = Known();
            if (r < 35 || known.Count == 0)
            {
                var o = new Obj { Id = nextId++, Ptr = heap.New<GcNode>() };
                o.Ptr.Value.Id = o.Id;
                o.Ptr.Value.Canary = Canary(o.Id);
                fresh.Add(o);
            }
            else if (r < 65)
            {
                Obj x = known[rng.Next(known.Count)];
                Obj? y = rng.Next(5) == 0 ? null : known[rng.Next(known.Count)];
                if (rng.Next(2) == 0) { x.Left = y; x.Ptr.Value.Left = y?.Ptr ?? Ptr<GcNode>.Null; }
                else { x.Right = y; x.Ptr.Value.Right = y?.Ptr ?? Ptr<GcNode>.Null; }
                if (y != null && !reachable.Contains(y) && reachable.Contains(x)) reachable.Add(y);
            }
            else if (r < 75)
            {
                Obj x = known[rng.Next(known.Count)];
                roots.Add((x, heap.Root(x.Ptr)));
                if (!reachable.Contains(x)) reachable.Add(x);
            }
            else if (r < 88 && roots.Count > 0)
            {
                int i = rng.Next(roots.Count);
                roots[i].Root.Dispose();
                roots.RemoveAt(i);
            }
            else if (r < 99)
            {
                heap.Safepoint();
                AfterSafepoint($"op {op} (safepoint)");
            }
            else
            {
                cycles.Collect(rng);
                Verify($"op {op} (collect)");
            }
            if (reachable.Count > 4000)
            {
                // keep the graph small: drop half the roots
                for (int i = roots.Count - 1; i >= 0; i -= 2) { roots[i].Root.Dispose(); roots.RemoveAt(i); }
                reachable = Reach(roots.Select(x => x.Obj));
                fresh.Clear();
                heap.Safepoint();
                AfterSafepoint($"op {op} (trim)");
            }
        }
        foreach (var (_, root) in roots) root.Dispose();
    }

    private static List<Obj> Reach(IEnumerable<Obj> from)
    {
        var live = new HashSet<Obj>(ReferenceEqualityComparer.Instance);
        var stack = new Stack<Obj>(from);
        while (stack.Count > 0)
        {
            Obj o = stack.Pop();
            if (!live.Add(o)) continue;
            if (o.Left != null) stack.Push(o.Left);
            if (o.Right != null) stack.Push(o.Right);
        }
        return [.. live];
    }

    private static long Canary(long id) => id * 0x5851F42D4C957F2DL ^ 0x14057B7EF767814FL;
}
