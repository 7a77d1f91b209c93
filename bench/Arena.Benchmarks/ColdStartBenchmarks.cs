using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;

namespace Arena.Benchmarks;

/// <summary>
/// The first call in a fresh process: a tree of <see cref="Nodes"/> 16-byte nodes built and
/// walked by plain recursive methods, measured once per launch (BenchmarkDotNet's cold start:
/// no warm-up), so the caller runs the tier-0 code the JIT starts every method with, as
/// start-up code, cold paths and recursion with no loop to tier up in do. The figures are per
/// node and include compiling what the first call needs. The heap (or scope) is made before.
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

    private sealed class ManagedNode
    {
        public ManagedNode? Left, Right;
    }

    private Heap _heap = null!;

    [GlobalSetup]
    public void Setup() => _heap = new Heap();

    [GlobalCleanup]
    public void Cleanup() => _heap.Dispose();

    /// <summary>Baseline: class instances from the .NET GC.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = Nodes)]
    public int ManagedNew() => Check(Create(Depth));

    /// <summary>Collected nodes from the thread's handle, inside a scope (the thread is a mutator).</summary>
    [Benchmark(OperationsPerInvoke = Nodes)]
    public int ArenaNew()
    {
        using (_heap.Scope()) return Check(Create(_heap.Local(), Depth));
    }

    /// <summary>Nodes from a scope, freed with it.</summary>
    [Benchmark(OperationsPerInvoke = Nodes)]
    public int ArenaScopeNew()
    {
        using Scope scope = _heap.Scope();
        return Check(Create(scope, Depth));
    }

    private static ManagedNode Create(int depth)
        => depth > 0 ? new ManagedNode { Left = Create(depth - 1), Right = Create(depth - 1) } : new ManagedNode();

    private static int Check(ManagedNode n) => n.Left is null ? 1 : 1 + Check(n.Left) + Check(n.Right!);

    private static Ptr<BinaryTrees.GcTreeNode> Create(LocalHeap heap, int depth)
    {
        Ptr<BinaryTrees.GcTreeNode> n = heap.New<BinaryTrees.GcTreeNode>();
        if (depth > 0)
        {
            n.Value.Left = Create(heap, depth - 1);
            n.Value.Right = Create(heap, depth - 1);
        }
        return n;
    }

    private static Ptr<BinaryTrees.GcTreeNode> Create(Scope scope, int depth)
    {
        Ptr<BinaryTrees.GcTreeNode> n = scope.New<BinaryTrees.GcTreeNode>();
        if (depth > 0)
        {
            n.Value.Left = Create(scope, depth - 1);
            n.Value.Right = Create(scope, depth - 1);
        }
        return n;
    }

    private static int Check(Ptr<BinaryTrees.GcTreeNode> n)
        => n.Value.Left.IsNull ? 1 : 1 + Check(n.Value.Left) + Check(n.Value.Right);
}
