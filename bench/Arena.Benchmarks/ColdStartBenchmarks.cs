using Arena.Benchmarks.BinaryTrees;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;

namespace Arena.Benchmarks;

/// <summary>
/// The first call in a fresh process: one binary-trees tree of <see cref="Nodes"/> 16-byte
/// nodes, built and walked by the variants' own recursive methods and measured once per
/// launch (BenchmarkDotNet's cold start: no warm-up), so the caller runs the tier-0 code the
/// JIT starts every method with, as start-up code, cold paths and recursion with no loop to
/// tier up in do. The figures are per node and include compiling what the first call needs.
/// The heap is made before.
/// </summary>
/// <remarks>
/// Run it on its own (<c>--filter *ColdStart*</c>) and without <c>--job</c>: the job is part
/// of the class.
/// </remarks>
[Config(typeof(BenchConfig))]
[BenchmarkCategory(Categories.ColdStart)]
[SimpleJob(RunStrategy.ColdStart, launchCount: 15, warmupCount: 0, iterationCount: 1)]
public class ColdStartBenchmarks
{
    public const int Depth = 20;
    public const int Nodes = (1 << (Depth + 1)) - 1;

    private Heap _heap = null!;

    [GlobalSetup]
    public void Setup() => _heap = new Heap();

    [GlobalCleanup]
    public void Cleanup() => _heap.Dispose();

    /// <summary>Baseline: class instances from the .NET GC (dotnet-1t's tree).</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = Nodes)]
    public int ManagedNew() => ManagedBinaryTrees.CreateAndCheck(Depth);

    /// <summary>Collected nodes from the thread's handle, inside a scope (arena-gc's tree).</summary>
    [Benchmark(OperationsPerInvoke = Nodes)]
    public int ArenaNew()
    {
        using (_heap.Scope()) return ArenaGcBinaryTrees.Check(ArenaGcBinaryTrees.Create(_heap.Local(), Depth));
    }

    /// <summary>Nodes from a scope, freed with it (arena-scope's tree).</summary>
    [Benchmark(OperationsPerInvoke = Nodes)]
    public unsafe int ArenaScopeNew()
    {
        using Scope scope = _heap.Scope();
        return ArenaBinaryTrees.Check(ArenaBinaryTrees.Create(scope, Depth).Pointer);
    }
}
