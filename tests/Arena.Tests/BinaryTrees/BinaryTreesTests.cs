using Arena.Benchmarks.BinaryTrees;

namespace Arena.Tests.BinaryTrees;

public class BinaryTreesTests
{
    private static string Expected(int depth) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", $"binarytrees-{depth}.txt"));

    [Fact]
    public void Arena_scope_per_tree_matches_the_expected_output_at_depth_10()
    {
        using var heap = new Heap();
        Assert.Equal(Expected(10), ArenaBinaryTrees.Run(heap, 10, Environment.ProcessorCount));
        Assert.Equal(Expected(10), ArenaBinaryTrees.Run(heap, 10, 1));
        Assert.Equal(Expected(10), ArenaBinaryTrees.Run(10));
        HeapStats s = heap.GetStats();
        Assert.Equal(0, s.OpenScopes);
        Assert.Equal(0, s.StackInuse);
    }

    public static TheoryData<string> VariantNames() => [.. BinaryTreesVariants.All.Select(v => v.Name)];

    /// <summary>Every variant of the comparison, in this process, prints the expected output.</summary>
    [Theory]
    [MemberData(nameof(VariantNames))]
    public void Every_variant_matches_the_expected_output_at_depth_10(string name)
    {
        Assert.Equal(Expected(10), BinaryTreesVariants.Find(name)!.Run(10));
    }

    [Theory]
    [InlineData(10)]
    [InlineData(21)]
    public void Output_format_matches_the_expected_files_for_the_counts_a_correct_run_gives(int maxDepth)
    {
        // a tree of depth d has 2^(d+1) - 1 nodes; each row builds Iterations(d) of them
        static int Nodes(int depth) => (1 << (depth + 1)) - 1;
        var rows = new long[BinaryTreesOutput.Rows(maxDepth)];
        for (int r = 0; r < rows.Length; r++)
        {
            int depth = BinaryTreesOutput.MinDepth + 2 * r;
            rows[r] = (long)BinaryTreesOutput.Iterations(depth, maxDepth) * Nodes(depth);
        }
        Assert.Equal(Expected(maxDepth), BinaryTreesOutput.Format(maxDepth, Nodes(maxDepth + 1), rows, Nodes(maxDepth)));
    }
}
