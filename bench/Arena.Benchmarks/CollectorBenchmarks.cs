using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using Arena.Benchmarks.BinaryTrees;
using Arena.Collector;
using Arena.Slabs;

namespace Arena.Benchmarks;

/// <summary>
/// One full collection over a live binary tree of 16-byte nodes (2^20 nodes), per live
/// object: Arena with one mark worker and with every core, against GC.Collect() on the same
/// tree of .NET class nodes (the baseline: the collector Arena sits beside). Go's
/// runtime.GC() on the same tree takes about 16 ns per object on this machine. Three layouts:
/// the tree allocated depth-first, parents first, as it is built top-down (each node's left
/// child next to it); the same tree allocated children first, as it is built bottom-up (each
/// node's right child just before it); and the same shape over nodes allocated first and
/// linked in a random order, where marking goes from slab to slab at almost every pointer.
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
        /// <summary>Allocated depth-first, parents first, as the tree is built top-down.</summary>
        AllocationOrder,
        /// <summary>Allocated depth-first, children first, as the tree is built bottom-up.</summary>
        ChildrenFirst,
        /// <summary>Allocated first, then linked in a random order (seeded).</summary>
        Shuffled,
    }

    [Params(TreeLayout.AllocationOrder, TreeLayout.ChildrenFirst, TreeLayout.Shuffled)]
    public TreeLayout Layout { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _oneWorker = new Heap(new HeapOptions { MarkWorkers = 1 });
        _allWorkers = new Heap();
        _rootOne = Build(_oneWorker, Layout);
        _rootAll = Build(_allWorkers, Layout);
        _managed = Layout switch
        {
            TreeLayout.AllocationOrder => BuildManaged(Depth),
            TreeLayout.ChildrenFirst => BuildManagedChildrenFirst(Depth),
            _ => BuildManagedShuffled(),
        };
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
        if (layout == TreeLayout.ChildrenFirst) return heap.Root(TreeChildrenFirst(heap, Depth));
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

    private static Ptr<GcTreeNode> TreeChildrenFirst(Heap heap, int d)
    {
        if (d == 0) return heap.New<GcTreeNode>();
        Ptr<GcTreeNode> left = TreeChildrenFirst(heap, d - 1), right = TreeChildrenFirst(heap, d - 1);
        Ptr<GcTreeNode> n = heap.New<GcTreeNode>();
        n.Value.Left = left;
        n.Value.Right = right;
        return n;
    }

    private static ManagedNode BuildManaged(int d) => d == 0 ? new ManagedNode() : new ManagedNode { Left = BuildManaged(d - 1), Right = BuildManaged(d - 1) };

    private static ManagedNode BuildManagedChildrenFirst(int d)
    {
        if (d == 0) return new ManagedNode();
        ManagedNode left = BuildManagedChildrenFirst(d - 1), right = BuildManagedChildrenFirst(d - 1);
        return new ManagedNode { Left = left, Right = right };
    }

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
/// The sweep's bitmap kernel, per slab, on slab descriptors' bitmaps (16 words each, as a
/// one-page slab of 8-byte objects), as the sweep calls it: it counts each slab's marks and
/// clears its alloc bits, which the sweep then swaps in as the next cycle's marks (a swap of
/// two pointers, not timed here). The descriptors are the runtime's own, 64-byte aligned as
/// SlabPool allocates them, so the two bitmaps sit where they do in a heap. Each invocation
/// sweeps 1,024 bitmaps, going round <see cref="Descriptors"/> of them: 64 keep the bitmaps
/// the kernel touches in the first-level cache (16 KB), 1,024 in the second (256 KB touched,
/// 768 KB of descriptors). The marks are only read, so every invocation counts the same random
/// marks, and nothing but the kernel is timed. The scalar reference is the baseline.
/// </summary>
[Config(typeof(BenchConfig))]
[BenchmarkCategory(Categories.Collector)]
public unsafe class SweepBenchmarks
{
    private const int Sweeps = 1024, Words = 16;
    private Slab* _slabs;
    private int _expected;

    /// <summary>How many descriptors the sweeps go round.</summary>
    [Params(64, 1024)]
    public int Descriptors { get; set; }

    // Each vector width's benchmark runs only where that width is the hardware's: elsewhere its
    // kernel falls back to a narrower one, and the row would carry a width it did not measure.
    [GlobalSetup(Targets = [nameof(V128)])]
    public void Setup128() => FillFor(128);

    [GlobalSetup(Targets = [nameof(V256)])]
    public void Setup256() => FillFor(256);

    [GlobalSetup(Targets = [nameof(V512)])]
    public void Setup512() => FillFor(512);

    private void FillFor(int width)
    {
        if (MarkBitsKernel.BestWidth < width)
            throw new NotSupportedException($"This machine runs the {Compare.CompareRunner.SweepWidth()}; the {width}-bit kernel would fall back to it, so its row is left out (NA).");
        Setup();
    }

    [GlobalSetup(Targets = [nameof(Scalar)])]
    public void Setup()
    {
        _slabs = Slab.AllocDescriptors(Descriptors);           // as SlabPool makes them: aligned, bitmaps set up
        var rng = new Random(7);
        int[] counts = new int[Descriptors];
        for (int i = 0; i < Descriptors; i++)
        {
            Slab* s = _slabs + i;
            for (int w = 0; w < Words; w++)
            {
                s->MarkBits[w] = (ulong)rng.NextInt64();
                s->AllocBits[w] = (ulong)rng.NextInt64();
                counts[i] += System.Numerics.BitOperations.PopCount(s->MarkBits[w]);
            }
        }
        _expected = 0;
        for (int k = 0; k < Sweeps; k++) _expected += counts[k % Descriptors];
    }

    [GlobalCleanup]
    public void Cleanup() => Slab.FreeDescriptors(_slabs);

    private int Checked(int live) => live == _expected ? live : throw new InvalidOperationException($"The sweep counted {live} live objects, not {_expected}.");

    [Benchmark(Baseline = true, OperationsPerInvoke = Sweeps, Description = "scalar")]
    public int Scalar()
    {
        int live = 0, mask = Descriptors - 1;
        for (int k = 0; k < Sweeps; k++)
        {
            Slab* s = _slabs + (k & mask);
            live += MarkBitsKernel.SweepScalar(s->AllocBits, s->MarkBits, Words);
        }
        return Checked(live);
    }

    [Benchmark(OperationsPerInvoke = Sweeps, Description = "Vector128")]
    public int V128()
    {
        int live = 0, mask = Descriptors - 1;
        for (int k = 0; k < Sweeps; k++)
        {
            Slab* s = _slabs + (k & mask);
            live += MarkBitsKernel.Sweep128(s->AllocBits, s->MarkBits, Words);
        }
        return Checked(live);
    }

    [Benchmark(OperationsPerInvoke = Sweeps, Description = "Vector256")]
    public int V256()
    {
        int live = 0, mask = Descriptors - 1;
        for (int k = 0; k < Sweeps; k++)
        {
            Slab* s = _slabs + (k & mask);
            live += MarkBitsKernel.Sweep256(s->AllocBits, s->MarkBits, Words);
        }
        return Checked(live);
    }

    [Benchmark(OperationsPerInvoke = Sweeps, Description = "Vector512")]
    public int V512()
    {
        int live = 0, mask = Descriptors - 1;
        for (int k = 0; k < Sweeps; k++)
        {
            Slab* s = _slabs + (k & mask);
            live += MarkBitsKernel.Sweep512(s->AllocBits, s->MarkBits, Words);
        }
        return Checked(live);
    }
}
