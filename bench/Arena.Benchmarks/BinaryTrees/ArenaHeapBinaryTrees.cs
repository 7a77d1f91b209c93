
namespace Arena.Benchmarks.BinaryTrees;

/// <summary>
/// binary-trees on Arena's heap with manual lifetimes: every node from <see cref="LocalHeap.Alloc{T}"/>,
/// every tree freed node by node (the shape of the Benchmarks Game's C programs with malloc/free).
/// Each tree takes its thread's <see cref="LocalHeap"/> handle once and passes it down.
/// </summary>
public static unsafe class ArenaHeapBinaryTrees
{
    private struct Node
    {
        public Ptr<Node> Left, Right;
    }

    private static Ptr<Node> Create(LocalHeap heap, int depth)
    {
        Ptr<Node> n = heap.Alloc<Node>();
        if (depth > 0)
        {
            n.Value.Left = Create(heap, depth - 1);
            n.Value.Right = Create(heap, depth - 1);
        }
        return n;
    }

    private static int Check(Ptr<Node> n)
        => n.Value.Left.IsNull ? 1 : 1 + Check(n.Value.Left) + Check(n.Value.Right);

    private static void Free(LocalHeap heap, Ptr<Node> n)
    {
        if (!n.Value.Left.IsNull)
        {
            Free(heap, n.Value.Left);
            Free(heap, n.Value.Right);
        }
        heap.Free(n);
    }

    private static int CreateCheckFree(LocalHeap heap, int depth)
    {
        Ptr<Node> t = Create(heap, depth);
        int c = Check(t);
        Free(heap, t);
        return c;
    }

    /// <summary>Every core, one heap shared by all threads (each thread allocates from its own cache).</summary>
    public static string Run(int n)
    {
        using var heap = new Heap();
        int maxDepth = BinaryTreesOutput.EffectiveMaxDepth(n);
        int stretch = CreateCheckFree(heap.Local(), maxDepth + 1);
        Ptr<Node> longLived = Create(heap.Local(), maxDepth);
        long[] rows = BinaryTreesOutput.ParallelRows(maxDepth, d => CreateCheckFree(heap.Local(), d));
        string output = BinaryTreesOutput.Format(maxDepth, stretch, rows, Check(longLived));
        Free(heap.Local(), longLived);
        return output;
    }
}
