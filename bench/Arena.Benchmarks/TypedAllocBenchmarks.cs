using System.Runtime.CompilerServices;
using BenchmarkDotNet.Attributes;

namespace Arena.Benchmarks;

/// <summary>A 24-byte arena type (class 3) with two pointer words.</summary>
[ArenaType]
public partial struct BenchNode
{
    private Ptr<BenchNode> left;
    private Ptr<BenchNode> right;
    public long Item;
}

/// <summary>A 24-byte arena type with no pointers: no pointer bits to record.</summary>
[ArenaType]
public partial struct BenchLeaf
{
    public long A, B, C;
}

/// <summary>
/// Typed allocation (<c>heap.Alloc&lt;T&gt;()</c>, <c>heap.New&lt;T&gt;()</c>), whose size
/// class is a JIT constant, against the raw-size path, which looks the class up from a size
/// argument. Each operation allocates a zeroed 24-byte object; a batch is freed after it
/// (the collected batch is reclaimed by the collector instead).
/// </summary>
[MemoryDiagnoser]
public unsafe class TypedAllocBenchmarks
{
    private const int Batch = 256;
    private readonly nint[] _objects = new nint[Batch];
    private Heap _heap = null!;

    [GlobalSetup]
    public void Setup()
    {
        _heap = new Heap();
        _scope = _heap.Scope();   // New allocates collected objects: this thread is a mutator
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _scope.Dispose();
        _heap.Dispose();
    }

    private Scope _scope;

    // Baseline: the untyped entry point, the size known only as an argument (a size-to-class
    // table lookup per call), zeroed by hand so it does the same work as the typed paths.
    [Benchmark(Baseline = true, OperationsPerInvoke = Batch)]
    public nint RawSize()
    {
        nint last = 0;
        for (int i = 0; i < Batch; i++)
        {
            void* p = _heap.Alloc(sizeof(BenchNode));
            Unsafe.InitBlockUnaligned(p, 0, (uint)sizeof(BenchNode));
            _objects[i] = last = (nint)p;
        }
        FreeAll();
        return last;
    }

    // The same work as RawSize: a pointer-free type records no pointer bits.
    [Benchmark(OperationsPerInvoke = Batch)]
    public nint TypedAllocNoPointers()
    {
        nint last = 0;
        for (int i = 0; i < Batch; i++) _objects[i] = last = _heap.Alloc<BenchLeaf>().Address;
        FreeAll();
        return last;
    }

    // A traced type: also records its pointer words, so the collector can scan manual objects.
    [Benchmark(OperationsPerInvoke = Batch)]
    public nint TypedAlloc()
    {
        nint last = 0;
        for (int i = 0; i < Batch; i++) _objects[i] = last = _heap.Alloc<BenchNode>().Address;
        FreeAll();
        return last;
    }

    // Collected objects are not freed by hand: the batch becomes garbage at the safepoint, and
    // the paced collections (GCPercent 100) that reclaim it are part of the cost measured.
    [Benchmark(OperationsPerInvoke = Batch)]
    public nint TypedNew()
    {
        nint last = 0;
        for (int i = 0; i < Batch; i++) _objects[i] = last = _heap.New<BenchNode>().Address;
        _heap.Safepoint();
        return last;
    }

    private void FreeAll()
    {
        for (int i = 0; i < Batch; i++) _heap.Free((void*)_objects[i]);
    }
}
