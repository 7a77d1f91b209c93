using System.Text;

namespace Arena.Benchmarks.BinaryTrees;

/// <summary>
/// The Benchmarks Game's binary-trees output, built the same way by every variant, and the
/// expected text for any depth (the shipped files for depths 10 and 21 are checked against it).
/// </summary>
public static class BinaryTreesOutput
{
    public const int MinDepth = 4;

    public static int MaxDepth(int n) => Math.Max(MinDepth + 2, n);

    /// <summary>Trees built at <paramref name="depth"/> for a run of maximum depth <paramref name="maxDepth"/>.</summary>
    public static int Iterations(int maxDepth, int depth) => 1 << (maxDepth - depth + MinDepth);

    public static string StretchLine(int depth, long check) => $"stretch tree of depth {depth}\t check: {check}";

    public static string IterationsLine(int iterations, int depth, long check) => $"{iterations}\t trees of depth {depth}\t check: {check}";

    public static string LongLivedLine(int depth, long check) => $"long lived tree of depth {depth}\t check: {check}";

    /// <summary>What a correct run prints for <paramref name="n"/>, by formula: a full tree of depth d has 2^(d+1)-1 nodes.</summary>
    public static string Expected(int n)
    {
        int maxDepth = MaxDepth(n);
        var sb = new StringBuilder();
        sb.Append(StretchLine(maxDepth + 1, Nodes(maxDepth + 1))).Append('\n');
        for (int d = MinDepth; d <= maxDepth; d += 2)
        {
            int iterations = Iterations(maxDepth, d);
            sb.Append(IterationsLine(iterations, d, iterations * Nodes(d))).Append('\n');
        }
        sb.Append(LongLivedLine(maxDepth, Nodes(maxDepth))).Append('\n');
        return sb.ToString();
    }

    /// <summary>The shipped expected output for <paramref name="n"/>, or null when none ships.</summary>
    public static string? Shipped(int n)
    {
        string path = Path.Combine(AppContext.BaseDirectory, "Data", $"binarytrees-{n}.txt");
        return File.Exists(path) ? File.ReadAllText(path).ReplaceLineEndings("\n") : null;
    }

    private static long Nodes(int depth) => (1L << (depth + 1)) - 1;
}
