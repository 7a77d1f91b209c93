using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using Arena.Benchmarks.BinaryTrees;
using Arena.Collector;

namespace Arena.Benchmarks;

/// <summary>
/// One full collection over a live binary tree of 16-byte nodes (2^20 nodes), per live
/// object: Arena with one mark worker and with every core, against GC.Collect() on the same
/// tree of .NET class nodes (the baseline: the collector Arena sits beside). Go's
/// runtime.GC() on the same tree takes about 16 ns per object on this machine. Two layouts:
/// the tree allocated depth-first, as it is built (each node's left child next to it), and
/// the same shape over nodes allocated first and linked in a random order, where marking
/// goes from slab to slab at almost every pointer.
/// </summary>
[Config(typeof(BenchConfig))]
[BenchmarkCategory(Categories.Collector)]
public unsafe class CollectorBenchmarks
{
    private const int Depth = 19;                 // 2^20 - 1 nodes
    private const int Nodes = (1 << (Depth + 1)) - 1;

    private Heap _oneWorker = null!, _allWorkers = null!;
    private Root<GcTreeNode> _rootOne, _rootAll;
    private ManagedNode? _managed;

    private sealed class ManagedNode { public ManagedNode? Left, Right; }

    /// <summary>How the tree's nodes lie in memory.</summary>
    public enum TreeLayout
    {
        /// <summary>Allocated depth-first, as the tree is built.</summary>
        AllocationOrder,
        /// <summary>Allocated first, then linked in a random order (seeded).</summary>
        Shuffled,
    }

    [Params(TreeLayout.AllocationOrder, TreeLayout.Shuffled)]
    public TreeLayout Layout { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _oneWorker = new Heap(new HeapOptions { MarkWorkers = 1 });
        _allWorkers = new Heap();
        _rootOne = Build(_oneWorker, Layout);
        _rootAll = Build(_allWorkers, Layout);
        _managed = Layout == TreeLayout.AllocationOrder ? BuildManaged(Depth) : BuildManagedShuffled();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _rootOne.Dispose();
        _rootAll.Dispose();
        _oneWorker.Dispose();
        _allWorkers.Dispose();
    }

    private static Root<GcTreeNode> Build(Heap heap, TreeLayout layout)
    {
        using Scope scope = heap.Scope();
        heap.GCPercent = -1;
        if (layout == TreeLayout.AllocationOrder) return heap.Root(Tree(heap, Depth));
        var nodes = new Ptr<GcTreeNode>[Nodes];
        for (int i = 0; i < Nodes; i++) nodes[i] = heap.New<GcTreeNode>();
        int[] order = ShuffledOrder();
        for (int i = 0; 2 * i + 1 < Nodes; i++)
        {
            nodes[order[i]].Value.Left = nodes[order[2 * i + 1]];
            nodes[order[i]].Value.Right = nodes[order[2 * i + 2]];
        }
        return heap.Root(nodes[order[0]]);
    }

    /// <summary>Node <c>order[i]</c> has children <c>order[2i+1]</c> and <c>order[2i+2]</c>: a complete tree over a random permutation.</summary>
    private static int[] ShuffledOrder()
    {
        int[] order = Enumerable.Range(0, Nodes).ToArray();
        new Random(19).Shuffle(order);
        return order;
    }

    private static ManagedNode BuildManagedShuffled()
    {
        var nodes = new ManagedNode[Nodes];
        for (int i = 0; i < Nodes; i++) nodes[i] = new ManagedNode();
        int[] order = ShuffledOrder();
        for (int i = 0; 2 * i + 1 < Nodes; i++)
        {
            nodes[order[i]].Left = nodes[order[2 * i + 1]];
            nodes[order[i]].Right = nodes[order[2 * i + 2]];
        }
        return nodes[order[0]];
    }

    private static Ptr<GcTreeNode> Tree(Heap heap, int d)
    {
        Ptr<GcTreeNode> n = heap.New<GcTreeNode>();
        if (d > 0) { n.Value.Left = Tree(heap, d - 1); n.Value.Right = Tree(heap, d - 1); }
        return n;
    }

    private static ManagedNode BuildManaged(int d) => d == 0 ? new ManagedNode() : new ManagedNode { Left = BuildManaged(d - 1), Right = BuildManaged(d - 1) };

    [Benchmark(Baseline = true, OperationsPerInvoke = Nodes, Description = ".NET GC.Collect()")]
    public int DotNetFullCollection()
    {
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: false);
        GC.KeepAlive(_managed);
        return GC.CollectionCount(2);
    }

    [Benchmark(OperationsPerInvoke = Nodes, Description = "Arena Collect, 1 mark worker")]
    public long ArenaOneWorker()
    {
        _oneWorker.Collect();
        return _oneWorker.GetStats().HeapLive;
    }

    [Benchmark(OperationsPerInvoke = Nodes, Description = "Arena Collect, all cores")]
    public long ArenaAllWorkers()
    {
        _allWorkers.Collect();
        return _allWorkers.GetStats().HeapLive;
    }
}

/// <summary>
/// The sweep's bitmap kernel over 256 slabs' mark and alloc bitmaps (16 words each, as a
/// one-page slab of 8-byte objects; 64 KB in all, cache-resident), per slab. The bitmaps come
/// in two sets that swap roles at each invocation: a sweep copies the marks into the alloc
/// bits and clears the marks, so the alloc bits one sweep leaves are the next one's marks.
/// Every sweep thus sees the same random marks and counts the same live objects, and nothing
/// but the sweep is timed. The scalar reference is the baseline.
/// </summary>
[Config(typeof(BenchConfig))]
[BenchmarkCategory(Categories.Collector)]
public unsafe class SweepBenchmarks
{
    private const int Slabs = 256, Words = 16, Total = Slabs * Words;
    private ulong* _one, _other;
    private bool _swapped;
    private int _expected;

    [GlobalSetup]
    public void Setup()
    {
        nuint bytes = Total * sizeof(ulong);
        _one = (ulong*)NativeMemory.AlignedAlloc(bytes, 64);
        _other = (ulong*)NativeMemory.AlignedAlloc(bytes, 64);
        var rng = new Random(7);
        for (int i = 0; i < Total; i++)
        {
            _one[i] = (ulong)rng.NextInt64();
            _other[i] = (ulong)rng.NextInt64();
            _expected += System.Numerics.BitOperations.PopCount(_one[i]);
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        NativeMemory.AlignedFree(_one);
        NativeMemory.AlignedFree(_other);
    }

    /// <summary>This invocation's bitmaps: the marks are the alloc bits of the one before.</summary>
    private void Next(out ulong* alloc, out ulong* mark)
    {
        mark = _swapped ? _other : _one;
        alloc = _swapped ? _one : _other;
        _swapped = !_swapped;
    }

    private int Checked(int live) => live == _expected ? live : throw new InvalidOperationException($"The sweep counted {live} live objects, not {_expected}.");

    [Benchmark(Baseline = true, OperationsPerInvoke = Slabs, Description = "scalar")]
    public int Scalar()
    {
        Next(out ulong* alloc, out ulong* mark);
        int live = 0;
        for (int s = 0; s < Slabs; s++) live += MarkBitsKernel.SweepScalar(alloc + s * Words, mark + s * Words, Words);
        return Checked(live);
    }

    [Benchmark(OperationsPerInvoke = Slabs, Description = "Vector128")]
    public int V128()
    {
        Next(out ulong* alloc, out ulong* mark);
        int live = 0;
        for (int s = 0; s < Slabs; s++) live += MarkBitsKernel.Sweep128(alloc + s * Words, mark + s * Words, Words);
        return Checked(live);
    }

    [Benchmark(OperationsPerInvoke = Slabs, Description = "Vector256")]
    public int V256()
    {
        Next(out ulong* alloc, out ulong* mark);
        int live = 0;
        for (int s = 0; s < Slabs; s++) live += MarkBitsKernel.Sweep256(alloc + s * Words, mark + s * Words, Words);
        return Checked(live);
    }

    [Benchmark(OperationsPerInvoke = Slabs, Description = "Vector512")]
    public int V512()
    {
        Next(out ulong* alloc, out ulong* mark);
        int live = 0;
        for (int s = 0; s < Slabs; s++) live += MarkBitsKernel.Sweep512(alloc + s * Words, mark + s * Words, Words);
        return Checked(live);
    }
}
