using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.ObjectPool;

namespace Arena.Benchmarks.Scopes;

/// <summary>
/// The cost of one small object (16 bytes), allocated, written and kept until the batch
/// ends: <see cref="Ops"/> objects per invocation, so the figures are per object. The
/// scope benchmark includes opening and disposing its scope once per batch.
/// </summary>
[Config(typeof(BenchConfig))]
[BenchmarkCategory(Categories.Scopes)]
public unsafe class ScopeBenchmarks
{
    public const int Ops = 1000;

    public struct Pair { public long A, B; }
    public sealed class PairClass { public long A, B; }

    private readonly Heap _heap = new();
    private readonly PairClass[] _objects = new PairClass[Ops];
    private readonly Ptr<Pair>[] _pointers = new Ptr<Pair>[Ops];
    private readonly ObjectPool<PairClass> _pool = new DefaultObjectPool<PairClass>(new DefaultPooledObjectPolicy<PairClass>());

    [GlobalCleanup]
    public void Cleanup() => _heap.Dispose();

    // Baseline: what .NET code does today, a class instance from the GC heap, kept in an
    // array so escape analysis cannot put it on the stack.
    [Benchmark(Baseline = true, OperationsPerInvoke = Ops)]
    public long NewClass()
    {
        PairClass[] objects = _objects;
        long sum = 0;
        for (int i = 0; i < Ops; i++)
        {
            var o = new PairClass { A = i };
            objects[i] = o;
            sum += o.A;
        }
        return sum;
    }

    /// <summary>The limit: stack memory, one stackalloc per object, freed on return.</summary>
    [Benchmark(OperationsPerInvoke = Ops)]
    public long Stackalloc()
    {
        long sum = 0;
        for (int i = 0; i < Ops; i++)
        {
#pragma warning disable CA2014 // deliberate: one stack object per iteration, 16 KB per invocation in all
            Pair* p = stackalloc Pair[1];
#pragma warning restore CA2014
            p->A = i;
            sum += p->A + (long)p;
        }
        return sum;
    }

    /// <summary>Scope memory, one New per object, all freed by one Dispose per batch. The same body as <see cref="Stackalloc"/>.</summary>
    [Benchmark(OperationsPerInvoke = Ops)]
    public long ScopeNew()
    {
        long sum = 0;
        using var scope = _heap.Scope();
        for (int i = 0; i < Ops; i++)
        {
            Ptr<Pair> p = scope.New<Pair>();
            p.Value.A = i;
            sum += p.Value.A + p.Address;
        }
        return sum;
    }

    /// <summary>As <see cref="ScopeNew"/>, keeping every pointer in an array as <see cref="NewClass"/> keeps its objects.</summary>
    [Benchmark(OperationsPerInvoke = Ops)]
    public long ScopeNewKept()
    {
        Ptr<Pair>[] pointers = _pointers;
        long sum = 0;
        using var scope = _heap.Scope();
        for (int i = 0; i < Ops; i++)
        {
            Ptr<Pair> p = scope.New<Pair>();
            p.Value.A = i;
            pointers[i] = p;
            sum += p.Value.A;
        }
        return sum;
    }

    [Benchmark(OperationsPerInvoke = Ops)]
    public long HeapAllocFree()
    {
        Ptr<Pair>[] pointers = _pointers;
        long sum = 0;
        for (int i = 0; i < Ops; i++)
        {
            Ptr<Pair> p = _heap.Alloc<Pair>();
            p.Value.A = i;
            pointers[i] = p;
            sum += p.Value.A;
        }
        for (int i = 0; i < Ops; i++) _heap.Free(pointers[i]);
        return sum;
    }

    /// <summary>Microsoft.Extensions.ObjectPool: Get, use, Return per object (the pool keeps a few).</summary>
    [Benchmark(OperationsPerInvoke = Ops)]
    public long ObjectPoolGetReturn()
    {
        ObjectPool<PairClass> pool = _pool;
        long sum = 0;
        for (int i = 0; i < Ops; i++)
        {
            PairClass o = pool.Get();
            o.A = i;
            sum += o.A;
            pool.Return(o);
        }
        return sum;
    }
}
