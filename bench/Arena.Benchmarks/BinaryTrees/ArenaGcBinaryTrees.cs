using System.Text;

namespace Arena.Benchmarks.BinaryTrees;

/// <summary>
/// binary-trees on Arena's collector: every node from <see cref="Heap.New{T}"/>, nothing
/// freed by hand. Each worker thread is a mutator and passes a safepoint after each tree,
/// where a paced collection may run; the long-lived tree is held by a root.
/// </summary>
public static unsafe class ArenaGcBinaryTrees
{
    private static Ptr<GcTreeNode> Create(Heap heap, int depth)
    {
        Ptr<GcTreeNode> n = heap.New<GcTreeNode>();
        if (depth > 0)
        {
            n.Value.Left = Create(heap, depth - 1);
            n.Value.Right = Create(heap, depth - 1);
        }
        return n;
    }

    private static int Check(Ptr<GcTreeNode> n)
        => n.Value.Left.IsNull ? 1 : 1 + Check(n.Value.Left) + Check(n.Value.Right);

    /// <summary>Every pause of the last run, in nanoseconds.</summary>
    public static long[] LastPausesNs { get; private set; } = [];

    /// <summary>Every core; one heap, collected with the default GCPercent of 100.</summary>
    public static string Run(int n) => Run(n, out _);

    /// <summary>As <see cref="Run(int)"/>, also returning the heap's statistics at the end.</summary>
    public static string Run(int n, out HeapStats stats)
    {
        using var heap = new Heap();
        int maxDepth = BinaryTreesOutput.MaxDepth(n);
        var sb = new StringBuilder();
        heap.EnterMutator();
        try
        {
            sb.Append(BinaryTreesOutput.StretchLine(maxDepth + 1, Check(Create(heap, maxDepth + 1)))).Append('\n');
            heap.Safepoint();
            using Root<GcTreeNode> longLived = heap.Root(Create(heap, maxDepth));
            heap.ExitMutator();
            for (int d = BinaryTreesOutput.MinDepth; d <= maxDepth; d += 2)
            {
                int iterations = BinaryTreesOutput.Iterations(maxDepth, d);
                long check = 0;
                int depth = d;
                Parallel.For(0, iterations,
                    () => { heap.EnterMutator(); return 0L; },
                    (_, _, acc) =>
                    {
                        acc += Check(Create(heap, depth));
                        heap.Safepoint();
                        return acc;
                    },
                    acc => { heap.ExitMutator(); Interlocked.Add(ref check, acc); });
                sb.Append(BinaryTreesOutput.IterationsLine(iterations, d, check)).Append('\n');
            }
            heap.EnterMutator();
            sb.Append(BinaryTreesOutput.LongLivedLine(maxDepth, Check(longLived.Target))).Append('\n');
        }
        finally { heap.ExitMutator(); }
        stats = heap.GetStats();
        LastPausesNs = heap.Collector.AllPausesNs();
        return sb.ToString();
    }
}

/// <summary>The collected tree node: two pointers, 16 bytes, as Go's binary-trees node.</summary>
[ArenaType]
public partial struct GcTreeNode
{
    private Ptr<GcTreeNode> _left, _right;
}
