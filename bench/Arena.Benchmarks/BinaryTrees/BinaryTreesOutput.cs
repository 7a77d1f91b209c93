using System.Globalization;
using System.Text;

namespace Arena.Benchmarks.BinaryTrees;

/// <summary>
/// The Benchmarks Game binary-trees task's shape and output, shared by every variant: a
/// stretch tree of depth max+1, a long-lived tree of depth max, and for each depth
/// d = 4, 6, …, max, 2^(max − d + 4) trees of depth d built and checked.
/// </summary>
public static class BinaryTreesOutput
{
    public const int MinDepth = 4;

    /// <summary>The depth actually used: at least MinDepth + 2, as the task requires.</summary>
    public static int EffectiveMaxDepth(int maxDepth) => Math.Max(MinDepth + 2, maxDepth);

    public static int Iterations(int depth, int maxDepth) => 1 << (maxDepth - depth + MinDepth);

    /// <summary>Number of depth rows: 4, 6, …, maxDepth.</summary>
    public static int Rows(int maxDepth) => (maxDepth - MinDepth) / 2 + 1;

    public static string Format(int maxDepth, int stretchCheck, long[] rowChecks, int longLivedCheck)
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"stretch tree of depth {maxDepth + 1}\t check: {stretchCheck}\n");
        for (int r = 0; r < rowChecks.Length; r++)
        {
            int depth = MinDepth + 2 * r;
            sb.Append(CultureInfo.InvariantCulture, $"{Iterations(depth, maxDepth)}\t trees of depth {depth}\t check: {rowChecks[r]}\n");
        }
        sb.Append(CultureInfo.InvariantCulture, $"long lived tree of depth {maxDepth}\t check: {longLivedCheck}\n");
        return sb.ToString();
    }

    /// <summary>Splits <paramref name="count"/> items into <paramref name="parts"/> near-equal ranges; the start of <paramref name="part"/>.</summary>
    public static int PartStart(int count, int parts, int part) => (int)((long)count * part / parts);

    /// <summary>
    /// Parallel loop options for the parallel variants: at most one worker per core. The thread
    /// pool adds workers to a loop whose items can run for milliseconds, so without a cap two
    /// cores ran up to four; a collected variant's parked threads then wait for a mutator that
    /// has no core to run on (see docs/collector.md, "Limits, said plainly").
    /// </summary>
    public static ParallelOptions OneWorkerPerCore() => new() { MaxDegreeOfParallelism = Environment.ProcessorCount };

    /// <summary>
    /// Each row's checks, its trees spread over the thread pool, at most one worker per core:
    /// <paramref name="tree"/> builds, checks and drops one tree of a depth and returns its check.
    /// </summary>
    public static long[] ParallelRows(int maxDepth, Func<int, int> tree)
    {
        var rows = new long[Rows(maxDepth)];
        for (int r = 0; r < rows.Length; r++)
        {
            int depth = MinDepth + 2 * r;
            long check = 0;
            Parallel.For(0, Iterations(depth, maxDepth), OneWorkerPerCore(), () => 0L, (_, _, acc) => acc + tree(depth),
                acc => Interlocked.Add(ref check, acc));
            rows[r] = check;
        }
        return rows;
    }

    /// <summary>What a correct run prints for <paramref name="n"/>, by formula: a full tree of depth d has 2^(d+1)-1 nodes.</summary>
    public static string Expected(int n)
    {
        int maxDepth = EffectiveMaxDepth(n);
        var rows = new long[Rows(maxDepth)];
        for (int r = 0; r < rows.Length; r++)
        {
            int depth = MinDepth + 2 * r;
            rows[r] = Iterations(depth, maxDepth) * Nodes(depth);
        }
        return Format(maxDepth, (int)Nodes(maxDepth + 1), rows, (int)Nodes(maxDepth));
    }

    /// <summary>The shipped expected output for <paramref name="n"/> (Data/binarytrees-N.txt), or null when none ships.</summary>
    public static string? Shipped(int n)
    {
        string path = Path.Combine(AppContext.BaseDirectory, "Data", $"binarytrees-{n}.txt");
        return File.Exists(path) ? File.ReadAllText(path).ReplaceLineEndings("\n") : null;
    }

    private static long Nodes(int depth) => (1L << (depth + 1)) - 1;
}
