using BenchmarkDotNet.Attributes;

namespace Arena.Benchmarks.BinaryTrees;

/// <summary>
/// The Benchmarks Game's binary-trees: managed class nodes (single-threaded and parallel)
/// against Arena with one scope per tree, and against Arena's collector (plain and generational). Each benchmark returns the output text, which
/// the unit tests check against the expected files.
/// </summary>
/// <remarks>
/// The whole suite runs with the server GC, the setting of the fastest managed entries, so the
/// baseline is the best managed variant. Arena's variants allocate next to nothing managed
/// (kilobytes a run), so the setting does not reach them. BenchmarkDotNet times the steady
/// state, after warm-up runs in the same process; the quick comparison
/// (<c>--depth 21</c>) times each variant once in a fresh process, JIT warm-up included.
/// </remarks>
[Config(typeof(BenchConfig))]
[GcServer(true)]
[BenchmarkCategory(Categories.BinaryTrees)]
public class BinaryTreesBenchmarks
{
    [Params(21)]
    public int MaxDepth { get; set; }

    // Baseline: the GC's own answer to the same allocation pattern, on every core, as the
    // fastest .NET entries.
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
