using BenchmarkDotNet.Attributes;

namespace Arena.Benchmarks.BinaryTrees;

/// <summary>
/// The Benchmarks Game's binary-trees: managed class nodes (single-threaded and parallel)
/// against Arena with one scope per tree, and against Arena's collector (plain and generational). Each benchmark returns the output text, which
/// the unit tests check against the expected files.
/// </summary>
[Config(typeof(BenchConfig))]
[BenchmarkCategory(Categories.BinaryTrees)]
public class BinaryTreesBenchmarks
{
    [Params(21)]
    public int MaxDepth { get; set; }

    // Baseline: the GC's own answer to the same allocation pattern, on every core, as the
    // fastest .NET entries; run with --gcServer true for the server-GC figure.
    [Benchmark(Baseline = true)]
    public string ManagedParallel() => ManagedBinaryTrees.RunParallel(MaxDepth);

    [Benchmark]
    public string ManagedSingleThreaded() => ManagedBinaryTrees.RunSingleThreaded(MaxDepth);

    [Benchmark]
    public string ArenaScopePerTree() => ArenaBinaryTrees.Run(MaxDepth);

    [Benchmark]
    public string ArenaScopePerTreeSingleThreaded() => ArenaBinaryTrees.RunSingleThreaded(MaxDepth);

    [Benchmark]
    public string ArenaCollector() => ArenaGcBinaryTrees.Run(MaxDepth);

    [Benchmark]
    public string ArenaGenerationalCollector() => ArenaGcBinaryTrees.RunGenerational(MaxDepth);
}
