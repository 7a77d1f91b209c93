using BenchmarkDotNet.Attributes;
using Arena.Benchmarks.BinaryTrees;

namespace Arena.Benchmarks;

/// <summary>
/// The write barrier's price per pointer store, 1024 stores per invocation through the
/// generated property, against a raw store of the same pointer (the baseline):
/// <list type="bullet">
/// <item>on a plain heap, the property is one predictable branch on a static flag;</item>
/// <item>while a generational heap exists, it also finds the slot's chunk in the address map:
/// a store into a chunk without old objects stops there (the common case when building fresh
/// structures);</item>
/// <item>in a chunk with old objects it looks up the slot's slab: a store into a young object
/// (a slab with no old objects) stops there;</item>
/// <item>a store into an old object reads its card, already dirty after the first pass.</item>
/// </list>
/// BenchmarkDotNet runs each case in a process of its own, so a generational heap in one
/// case does not turn the barrier's card path on in another.
/// </summary>
[Config(typeof(BenchConfig))]
[BenchmarkCategory(Categories.WriteBarrier)]
public unsafe class WriteBarrierBenchmarks
{
    private const int Stores = 1024;

    [Params(false, true)]
    public bool Generational { get; set; }

    private Heap _heap = null!;
    private const int HugeLength = 300_000;     // 4.8 MB: a chunk of its own

    private Root<GcTreeNode> _old, _young, _fresh;
    private Ptr<GcTreeNode> _target;

    [GlobalSetup]
    public void Setup()
    {
        _heap = new Heap(new HeapOptions { Generational = Generational });
        using (_heap.Scope())
        {
            // Different size classes, so the young array never shares a slab with the old one.
            _old = _heap.Root(_heap.NewArray<GcTreeNode>(2 * Stores));
            _heap.Collect();                       // survivors are old on a generational heap
            _young = _heap.Root(_heap.NewArray<GcTreeNode>(Stores));
            _fresh = _heap.Root(_heap.NewArray<GcTreeNode>(HugeLength));
        }
        _target = _old.Target;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _old.Dispose();
        _young.Dispose();
        _fresh.Dispose();
        _heap.Dispose();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Stores)]
    public void RawStore()
    {
        Ptr<GcTreeNode> a = _young.Target, t = _target;
        for (int i = 0; i < Stores; i++) *(Ptr<GcTreeNode>*)a[i].Pointer = t;
    }

    [Benchmark(OperationsPerInvoke = Stores)]
    public void PropertyIntoYoung()
    {
        Ptr<GcTreeNode> a = _young.Target, t = _target;
        for (int i = 0; i < Stores; i++) a[i].Value.Left = t;
    }

    /// <summary>Into a young object in a chunk that holds no old object.</summary>
    [Benchmark(OperationsPerInvoke = Stores)]
    public void PropertyIntoFreshChunk()
    {
        Ptr<GcTreeNode> a = _fresh.Target, t = _target;
        for (int i = 0; i < Stores; i++) a[i].Value.Left = t;
    }

    [Benchmark(OperationsPerInvoke = Stores)]
    public void PropertyIntoOld()
    {
        Ptr<GcTreeNode> a = _old.Target, t = _target;
        for (int i = 0; i < Stores; i++) a[i].Value.Left = t;
    }
}
