namespace Arena.Benchmarks.BinaryTrees;

/// <summary>
/// binary-trees on Arena: each tree is built in a scope of its own and freed in one step
/// when the scope is disposed, so nothing is traced or swept. Nodes are 16-byte structs
/// (two Ptr&lt;Node&gt;) bump-allocated from the scope's chunks.
/// </summary>
public static unsafe class ArenaBinaryTrees
{
    public struct Node
    {
        public Ptr<Node> Left;
        public Ptr<Node> Right;
    }

    /// <summary>The heap every run allocates from; its thread chunk caches stay warm between runs.</summary>
    private static readonly Heap s_heap = new();

    public static Ptr<Node> Create(in Scope scope, int depth)
    {
        Ptr<Node> node = scope.New<Node>();
        if (depth > 0)
        {
            node.Value.Left = Create(scope, depth - 1);
            node.Value.Right = Create(scope, depth - 1);
        }
        return node;
    }

    public static int Check(Node* node)
        => node->Left.IsNull ? 1 : 1 + Check(node->Left.Pointer) + Check(node->Right.Pointer);

    private static int BuildAndCheck(Heap heap, int depth)
    {
        using var scope = heap.Scope();
        return Check(Create(scope, depth).Pointer);
    }

    /// <summary>Every core, one scope per tree; each row's trees split evenly across the processors. Returns the exact output.</summary>
    public static string Run(int maxDepth) => Run(s_heap, maxDepth, Environment.ProcessorCount);

    /// <summary>One thread, one scope per tree. Returns the exact output.</summary>
    public static string RunSingleThreaded(int maxDepth) => Run(s_heap, maxDepth, 1);

    /// <summary>The task on <paramref name="heap"/> with <paramref name="parts"/> workers per row.</summary>
    public static string Run(Heap heap, int maxDepth, int parts)
    {
        maxDepth = BinaryTreesOutput.EffectiveMaxDepth(maxDepth);
        int stretch = BuildAndCheck(heap, maxDepth + 1);
        using var longLivedScope = heap.Scope();
        Ptr<Node> longLived = Create(longLivedScope, maxDepth);
        var rows = new long[BinaryTreesOutput.Rows(maxDepth)];
        for (int r = 0; r < rows.Length; r++)
        {
            int depth = BinaryTreesOutput.MinDepth + 2 * r;
            int n = BinaryTreesOutput.Iterations(depth, maxDepth);
            if (parts == 1)
            {
                long sum = 0;
                for (int i = 0; i < n; i++) sum += BuildAndCheck(heap, depth);
                rows[r] = sum;
                continue;
            }
            long check = 0;
            Parallel.For(0, Math.Min(parts, n), part =>
            {
                int from = BinaryTreesOutput.PartStart(n, parts, part), to = BinaryTreesOutput.PartStart(n, parts, part + 1);
                long local = 0;
                for (int i = from; i < to; i++) local += BuildAndCheck(heap, depth);
                Interlocked.Add(ref check, local);
            });
            rows[r] = check;
        }
        return BinaryTreesOutput.Format(maxDepth, stretch, rows, Check(longLived.Pointer));
    }
}
