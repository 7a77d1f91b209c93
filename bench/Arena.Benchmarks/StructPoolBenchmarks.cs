using System.Buffers;
using BenchmarkDotNet.Attributes;
using CommunityToolkit.HighPerformance.Buffers;
using CommunityToolkit.HighPerformance.Helpers;
using Microsoft.Extensions.ObjectPool;

namespace Arena.Benchmarks;

/// <summary>
/// Rent and return of one 16-byte object on one thread: Arena's struct pool against the .NET
/// ways to reuse or get such an object. Microsoft.Extensions.ObjectPool is the baseline: it is
/// the stock .NET pool, the one a pooled struct replaces.
/// </summary>
[Config(typeof(BenchConfig))]
[BenchmarkCategory(PoolCategories.StructPool)]
public class StructPoolBenchmarks
{
    /// <summary>The pooled struct.</summary>
    public struct Pair
    {
        public long A;
        public long B;
    }

    /// <summary>The same two fields as a class, for the managed peers.</summary>
    public sealed class PairBox
    {
        public long A;
        public long B;
    }

    private const int Size = 16;

    private Heap _heap = null!;
    private ArenaPool<Pair> _pool = null!;
    private ObjectPool<PairBox> _objectPool = null!;

    [GlobalSetup]
    public void Setup()
    {
        _heap = new Heap();
        _pool = new ArenaPool<Pair>(_heap);
        _objectPool = new DefaultObjectPool<PairBox>(new DefaultPooledObjectPolicy<PairBox>());
        _pool.Return(_pool.Rent());
        _heap.Free(_heap.Alloc<Pair>());
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _pool.Dispose();
        _heap.Dispose();
    }

    // Each invocation runs Ops pairs in a loop, so that a LocalPool handle can be taken once
    // per loop as an application would; every peer runs the same loop.
    private const int Ops = 1000;

    // Baseline: the stock .NET object pool (what [Pooled] replaces).
    [Benchmark(Baseline = true, OperationsPerInvoke = Ops, Description = "ObjectPool")]
    public long ObjectPoolGetReturn()
    {
        long sum = 0;
        for (int i = 0; i < Ops; i++)
        {
            PairBox b = _objectPool.Get();
            _objectPool.Return(b);
            sum += b.A;
        }
        return sum;
    }

    [Benchmark(OperationsPerInvoke = Ops, Description = "ArenaPool")]
    public long ArenaPoolRentReturn()
    {
        long sum = 0;
        for (int i = 0; i < Ops; i++)
        {
            Ptr<Pair> p = _pool.Rent();
            _pool.Return(p);
            sum ^= p.Address;
        }
        return sum;
    }

    [Benchmark(OperationsPerInvoke = Ops, Description = "ArenaPool local")]
    public long LocalPoolRentReturn()
    {
        LocalPool<Pair> local = _pool.Local();
        long sum = 0;
        for (int i = 0; i < Ops; i++)
        {
            Ptr<Pair> p = local.Rent();
            local.Return(p);
            sum ^= p.Address;
        }
        return sum;
    }

    [Benchmark(OperationsPerInvoke = Ops, Description = "ArrayPool")]
    public int ArrayPoolRentReturn()
    {
        int sum = 0;
        for (int i = 0; i < Ops; i++)
        {
            byte[] a = ArrayPool<byte>.Shared.Rent(Size);
            ArrayPool<byte>.Shared.Return(a);
            sum += a.Length;
        }
        return sum;
    }

    [Benchmark(OperationsPerInvoke = Ops, Description = "new")]
    public object New()
    {
        object last = null!;
        for (int i = 0; i < Ops; i++) last = new PairBox();
        return last;
    }

    [Benchmark(OperationsPerInvoke = Ops, Description = "SpanOwner")]
    public int SpanOwnerAllocate()
    {
        int sum = 0;
        for (int i = 0; i < Ops; i++)
        {
            using SpanOwner<byte> owner = SpanOwner<byte>.Allocate(Size);
            sum += owner.Length;
        }
        return sum;
    }

    [Benchmark(OperationsPerInvoke = Ops, Description = "Heap.Alloc/Free")]
    public long HeapAllocFree()
    {
        long sum = 0;
        for (int i = 0; i < Ops; i++)
        {
            Ptr<Pair> p = _heap.Alloc<Pair>();
            _heap.Free(p);
            sum ^= p.Address;
        }
        return sum;
    }
}

/// <summary>
/// Rent/return pairs on two threads at once (CommunityToolkit's allocation-free ParallelHelper),
/// 100 000 pairs per thread per invocation, one pool shared by both threads. ObjectPool is the
/// baseline, as in <see cref="StructPoolBenchmarks"/>.
/// </summary>
[Config(typeof(BenchConfig))]
[BenchmarkCategory(PoolCategories.StructPoolTwoThreads)]
public class StructPoolTwoThreadsBenchmarks
{
    private const int PairsPerThread = 100_000;
    private const int Ops = 2 * PairsPerThread;
    private const int Size = 16;

    private Heap _heap = null!;
    private ArenaPool<StructPoolBenchmarks.Pair> _pool = null!;
    private ObjectPool<StructPoolBenchmarks.PairBox> _objectPool = null!;

    [GlobalSetup]
    public void Setup()
    {
        _heap = new Heap();
        _pool = new ArenaPool<StructPoolBenchmarks.Pair>(_heap);
        _objectPool = new DefaultObjectPool<StructPoolBenchmarks.PairBox>(new DefaultPooledObjectPolicy<StructPoolBenchmarks.PairBox>());
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _pool.Dispose();
        _heap.Dispose();
    }

    // Baseline: the stock .NET object pool (what [Pooled] replaces).
    [Benchmark(Baseline = true, OperationsPerInvoke = Ops, Description = "ObjectPool")]
    public int ObjectPoolPairs() => Run(new ObjectPoolLoop(_objectPool));

    [Benchmark(OperationsPerInvoke = Ops, Description = "ArenaPool")]
    public int ArenaPoolPairs() => Run(new ArenaPoolLoop(_pool));

    [Benchmark(OperationsPerInvoke = Ops, Description = "ArenaPool local")]
    public int LocalPoolPairs() => Run(new LocalPoolLoop(_pool));

    [Benchmark(OperationsPerInvoke = Ops, Description = "ArrayPool")]
    public int ArrayPoolPairs() => Run(new ArrayPoolLoop());

    [Benchmark(OperationsPerInvoke = Ops, Description = "new")]
    public int NewPairs() => Run(new NewLoop());

    [Benchmark(OperationsPerInvoke = Ops, Description = "SpanOwner")]
    public int SpanOwnerPairs() => Run(new SpanOwnerLoop());

    [Benchmark(OperationsPerInvoke = Ops, Description = "Heap.Alloc/Free")]
    public int HeapPairs() => Run(new HeapLoop(_heap));

    private static int Run<TLoop>(TLoop loop) where TLoop : struct, IAction
    {
        ParallelHelper.For(0, 2, in loop, minimumActionsPerThread: 1);
        return PairsPerThread;
    }

    private readonly struct ArenaPoolLoop(ArenaPool<StructPoolBenchmarks.Pair> pool) : IAction
    {
        public void Invoke(int _)
        {
            for (int i = 0; i < PairsPerThread; i++) pool.Return(pool.Rent());
        }
    }

    private readonly struct LocalPoolLoop(ArenaPool<StructPoolBenchmarks.Pair> pool) : IAction
    {
        public void Invoke(int _)
        {
            LocalPool<StructPoolBenchmarks.Pair> local = pool.Local();
            for (int i = 0; i < PairsPerThread; i++) local.Return(local.Rent());
        }
    }

    private readonly struct ObjectPoolLoop(ObjectPool<StructPoolBenchmarks.PairBox> pool) : IAction
    {
        public void Invoke(int _)
        {
            for (int i = 0; i < PairsPerThread; i++) pool.Return(pool.Get());
        }
    }

    private readonly struct ArrayPoolLoop : IAction
    {
        public void Invoke(int _)
        {
            for (int i = 0; i < PairsPerThread; i++) ArrayPool<byte>.Shared.Return(ArrayPool<byte>.Shared.Rent(Size));
        }
    }

    private readonly struct NewLoop : IAction
    {
        public void Invoke(int _)
        {
            object? last = null;
            for (int i = 0; i < PairsPerThread; i++) last = new StructPoolBenchmarks.PairBox();
            GC.KeepAlive(last);
        }
    }

    private readonly struct SpanOwnerLoop : IAction
    {
        public void Invoke(int _)
        {
            for (int i = 0; i < PairsPerThread; i++)
            {
                using SpanOwner<byte> owner = SpanOwner<byte>.Allocate(Size);
            }
        }
    }

    private readonly struct HeapLoop(Heap heap) : IAction
    {
        public void Invoke(int _)
        {
            for (int i = 0; i < PairsPerThread; i++) heap.Free(heap.Alloc<StructPoolBenchmarks.Pair>());
        }
    }
}
