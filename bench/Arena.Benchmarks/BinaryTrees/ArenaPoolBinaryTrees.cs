
namespace Arena.Benchmarks.BinaryTrees;

/// <summary>
/// binary-trees with a typed pool: every node rented from one <see cref="ArenaPool{T}"/> shared
/// by all threads, every tree returned node by node, so the next tree reuses the nodes (each
/// thread's cache first, then the shared ring that other threads steal from). Each tree takes
/// its thread's <see cref="LocalPool{T}"/> handle once and passes it down.
/// </summary>
public static unsafe class ArenaPoolBinaryTrees
{
    private struct Node
    {
        public Ptr<Node> Left, Right;
    }

    /// <summary>The shared ring holds a depth-15 tree's worth of nodes (1 MiB of ring); the rest go back to the heap.</summary>
    private const int Capacity = 1 << 16;

    /// <summary>Each thread keeps a depth-15 tree's worth of nodes itself: most trees are rebuilt from the thread's own stack.</summary>
    private const int LocalCapacity = 1 << 16;

    private static Ptr<Node> Create(LocalPool<Node> pool, int depth)
    {
        Ptr<Node> n = pool.Rent();
        if (depth > 0)
        {
            n.Value.Left = Create(pool, depth - 1);
            n.Value.Right = Create(pool, depth - 1);
        }
        return n;
    }

    private static int Check(Ptr<Node> n)
        => n.Value.Left.IsNull ? 1 : 1 + Check(n.Value.Left) + Check(n.Value.Right);

    private static void Return(LocalPool<Node> pool, Ptr<Node> n)
    {
        Ptr<Node> left = n.Value.Left, right = n.Value.Right;
        pool.Return(n);
        if (!left.IsNull)
        {
            Return(pool, left);
            Return(pool, right);
        }
    }

    private static int CreateCheckReturn(LocalPool<Node> pool, int depth)
    {
        Ptr<Node> t = Create(pool, depth);
        int c = Check(t);
        Return(pool, t);
        return c;
    }

    /// <summary>Every core, one pool (on a heap of its own) shared by all threads.</summary>
    public static string Run(int n)
    {
        using var heap = new Heap();
        using var pool = new ArenaPool<Node>(heap, Capacity, LocalCapacity);
        int maxDepth = BinaryTreesOutput.EffectiveMaxDepth(n);
        int stretch = CreateCheckReturn(pool.Local(), maxDepth + 1);
        Ptr<Node> longLived = Create(pool.Local(), maxDepth);
        long[] rows = BinaryTreesOutput.ParallelRows(maxDepth, d => CreateCheckReturn(pool.Local(), d));
        string output = BinaryTreesOutput.Format(maxDepth, stretch, rows, Check(longLived));
        Return(pool.Local(), longLived);
        return output;
    }
}
