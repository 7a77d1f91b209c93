
namespace Arena.Benchmarks.BinaryTrees;

/// <summary>
/// binary-trees on Arena's collector: every node from <see cref="LocalHeap.New{T}"/> (the
/// thread's handle, taken once per tree), nothing freed by hand. Each worker thread is a mutator and passes a safepoint after each tree,
/// where a paced collection may run; the long-lived tree is held by a root.
/// </summary>
public static unsafe class ArenaGcBinaryTrees
{
    /// <summary>A full tree of collected nodes (call inside a scope).</summary>
    internal static Ptr<GcTreeNode> Create(LocalHeap heap, int depth)
    {
        Ptr<GcTreeNode> n = heap.New<GcTreeNode>();
        if (depth > 0)
        {
            n.Value.Left = Create(heap, depth - 1);
            n.Value.Right = Create(heap, depth - 1);
        }
        return n;
    }

    /// <summary>The node count of the tree at <paramref name="n"/>.</summary>
    internal static int Check(Ptr<GcTreeNode> n)
        => n.Value.Left.IsNull ? 1 : 1 + Check(n.Value.Left) + Check(n.Value.Right);

    /// <summary>
    /// Every pause of the last run as a thread that parked first saw it: the time to stop
    /// (<see cref="HeapStats.StopTotalNs"/>), then the world stopped.
    /// </summary>
    public static Compare.Pause[] LastPauses { get; private set; } = [];

    /// <summary>Every core; one heap, collected with the default GCPercent of 100.</summary>
    public static string Run(int n) => Run(n, out _);

    /// <summary>As <see cref="Run(int)"/> on a generational heap (<see cref="HeapOptions.Generational"/>).</summary>
    public static string RunGenerational(int n) => Run(n, out _, generational: true);

    /// <summary>As <see cref="Run(int)"/>, also returning the heap's statistics at the end.</summary>
    public static string Run(int n, out HeapStats stats, bool generational = false)
    {
        using var heap = new Heap(new HeapOptions { Generational = generational });
        int maxDepth = BinaryTreesOutput.EffectiveMaxDepth(n);
        int stretch;
        Root<GcTreeNode> longLived;
        var rows = new long[BinaryTreesOutput.Rows(maxDepth)];
        using (heap.Scope())
        {
            stretch = Check(Create(heap.Local(), maxDepth + 1));
            heap.Safepoint();
            longLived = heap.Root(Create(heap.Local(), maxDepth));
        }
        for (int r = 0; r < rows.Length; r++)
        {
            int depth = BinaryTreesOutput.MinDepth + 2 * r;
            int iterations = BinaryTreesOutput.Iterations(depth, maxDepth);
            long check = 0;
            // Each worker thread holds one scope (it is a mutator) and passes a safepoint
            // after each tree; the scope closes when the thread's share is done. At most one
            // worker per core, so that none of them waits for a core while others are parked.
            Parallel.For(0, iterations, BinaryTreesOutput.OneWorkerPerCore(),
                () => (Scope: heap.Scope(), Check: 0L),
                (_, _, local) =>
                {
                    local.Check += Check(Create(heap.Local(), depth));
                    heap.Safepoint();
                    return local;
                },
                local => { local.Scope.Dispose(); Interlocked.Add(ref check, local.Check); });
            rows[r] = check;
        }
        string output;
        using (heap.Scope())
            output = BinaryTreesOutput.Format(maxDepth, stretch, rows, Check(longLived.Target));
        longLived.Dispose();
        stats = heap.GetStats();
        LastPauses = [.. heap.Collector.AllPausesNs().Zip(heap.Collector.AllStopsNs(), (pause, stop) => new Compare.Pause(stop + pause, stop))];
        return output;
    }
}

/// <summary>The collected tree node: two pointers, 16 bytes, as Go's binary-trees node.</summary>
[ArenaType]
public partial struct GcTreeNode
{
    private Ptr<GcTreeNode> _left, _right;
}
