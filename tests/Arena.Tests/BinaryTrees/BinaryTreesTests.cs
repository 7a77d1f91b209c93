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
}
