using System.Text;

namespace Arena.Benchmarks.BinaryTrees;

/// <summary>binary-trees on the .NET GC: class nodes, as the Benchmarks Game's C# programs.</summary>
public static class ManagedBinaryTrees
{
    private sealed class Node
    {
        public Node? Left, Right;

        public static Node Create(int depth)
            => depth == 0 ? new Node() : new Node { Left = Create(depth - 1), Right = Create(depth - 1) };

        public int Check() => Left is null ? 1 : 1 + Left.Check() + Right!.Check();
    }

    /// <summary>One thread.</summary>
    public static string RunSingleThreaded(int n)
    {
        int maxDepth = BinaryTreesOutput.MaxDepth(n);
        var sb = new StringBuilder();
        sb.Append(BinaryTreesOutput.StretchLine(maxDepth + 1, Node.Create(maxDepth + 1).Check())).Append('\n');
        Node longLived = Node.Create(maxDepth);
        for (int d = BinaryTreesOutput.MinDepth; d <= maxDepth; d += 2)
        {
            int iterations = BinaryTreesOutput.Iterations(maxDepth, d);
            long check = 0;
            for (int i = 0; i < iterations; i++) check += Node.Create(d).Check();
            sb.Append(BinaryTreesOutput.IterationsLine(iterations, d, check)).Append('\n');
        }
        sb.Append(BinaryTreesOutput.LongLivedLine(maxDepth, longLived.Check())).Append('\n');
        return sb.ToString();
    }

    /// <summary>Every core: the iterations of each depth spread over the thread pool.</summary>
    public static string RunParallel(int n)
    {
        int maxDepth = BinaryTreesOutput.MaxDepth(n);
        var sb = new StringBuilder();
        sb.Append(BinaryTreesOutput.StretchLine(maxDepth + 1, Node.Create(maxDepth + 1).Check())).Append('\n');
        Node longLived = Node.Create(maxDepth);
        for (int d = BinaryTreesOutput.MinDepth; d <= maxDepth; d += 2)
        {
            int iterations = BinaryTreesOutput.Iterations(maxDepth, d);
            long check = 0;
            int depth = d;
            Parallel.For(0, iterations, () => 0L, (_, _, acc) => acc + Node.Create(depth).Check(),
                acc => Interlocked.Add(ref check, acc));
            sb.Append(BinaryTreesOutput.IterationsLine(iterations, d, check)).Append('\n');
        }
        sb.Append(BinaryTreesOutput.LongLivedLine(maxDepth, longLived.Check())).Append('\n');
        return sb.ToString();
    }
}
