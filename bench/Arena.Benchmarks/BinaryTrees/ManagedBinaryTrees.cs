namespace Arena.Benchmarks.BinaryTrees;

/// <summary>
/// binary-trees with .NET objects: class nodes collected by the .NET GC, as the Benchmarks
/// Game's C# entries. The peers Arena is measured against.
/// </summary>
public static class ManagedBinaryTrees
{
    private sealed class TreeNode(TreeNode? left, TreeNode? right)
    {
        private readonly TreeNode? _left = left;
        private readonly TreeNode? _right = right;

        public static TreeNode Create(int depth)
            => depth == 0 ? new TreeNode(null, null) : new TreeNode(Create(depth - 1), Create(depth - 1));

        public int Check() => _left == null ? 1 : 1 + _left.Check() + _right!.Check();
    }

    /// <summary>Builds a tree of <paramref name="depth"/> and returns its node count.</summary>
    internal static int CreateAndCheck(int depth) => TreeNode.Create(depth).Check();

    /// <summary>One thread. Returns the task's exact output text.</summary>
    public static string RunSingleThreaded(int maxDepth)
    {
        maxDepth = BinaryTreesOutput.EffectiveMaxDepth(maxDepth);
        int stretch = TreeNode.Create(maxDepth + 1).Check();
        TreeNode longLived = TreeNode.Create(maxDepth);
        var rows = new long[BinaryTreesOutput.Rows(maxDepth)];
        for (int r = 0; r < rows.Length; r++)
        {
            int depth = BinaryTreesOutput.MinDepth + 2 * r;
            int n = BinaryTreesOutput.Iterations(depth, maxDepth);
            long check = 0;
            for (int i = 0; i < n; i++) check += TreeNode.Create(depth).Check();
            rows[r] = check;
        }
        return BinaryTreesOutput.Format(maxDepth, stretch, rows, longLived.Check());
    }

    /// <summary>
    /// Every core: each row's trees split evenly across the processors (the fastest .NET
    /// entries parallelise across depths and iterations the same way). Returns the exact output.
    /// </summary>
    public static string RunParallel(int maxDepth)
    {
        maxDepth = BinaryTreesOutput.EffectiveMaxDepth(maxDepth);
        int stretch = TreeNode.Create(maxDepth + 1).Check();
        TreeNode longLived = TreeNode.Create(maxDepth);
        var rows = new long[BinaryTreesOutput.Rows(maxDepth)];
        int parts = Environment.ProcessorCount;
        for (int r = 0; r < rows.Length; r++)
        {
            int depth = BinaryTreesOutput.MinDepth + 2 * r;
            int n = BinaryTreesOutput.Iterations(depth, maxDepth);
            long check = 0;
            Parallel.For(0, Math.Min(parts, n), part =>
            {
                int from = BinaryTreesOutput.PartStart(n, parts, part), to = BinaryTreesOutput.PartStart(n, parts, part + 1);
                long local = 0;
                for (int i = from; i < to; i++) local += TreeNode.Create(depth).Check();
                Interlocked.Add(ref check, local);
            });
            rows[r] = check;
        }
        return BinaryTreesOutput.Format(maxDepth, stretch, rows, longLived.Check());
    }
}
