using System.Buffers;
using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using CommunityToolkit.HighPerformance.Buffers;
using CommunityToolkit.HighPerformance.Helpers;
using Microsoft.Extensions.ObjectPool;

namespace Arena.Benchmarks;

/// <summary>
/// Alloc/free pairs on two threads at once (CommunityToolkit's allocation-free
/// ParallelHelper), 100 000 pairs per thread per invocation. NativeMemory is the baseline.
/// </summary>
[Config(typeof(BenchConfig))]
[BenchmarkCategory(Categories.AllocFreeTwoThreads)]
public unsafe class AllocFreeTwoThreadsBenchmarks
{
    private const int PairsPerThread = 100_000;
    private const int Ops = 2 * PairsPerThread;

    private Heap _heap = null!;
    private ObjectPool<byte[]> _objectPool = null!;

    [Params(32, 256)]
    public int Size { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _heap = new Heap();
        _objectPool = new DefaultObjectPool<byte[]>(new AllocFreeBenchmarks.ArrayPolicy(Size), 16);
    }

    [GlobalCleanup]
    public void Cleanup() => _heap.Dispose();

    [Benchmark(Baseline = true, OperationsPerInvoke = Ops, Description = "NativeMemory")]
    public int NativeMemoryPairs() => Run(new NativeLoop(Size));

    [Benchmark(OperationsPerInvoke = Ops, Description = "Arena")]
    public int ArenaPairs() => Run(new ArenaLoop(_heap, Size));

    [Benchmark(OperationsPerInvoke = Ops, Description = "Arena local")]
    public int ArenaLocalPairs() => Run(new ArenaLocalLoop(_heap, Size));

    [Benchmark(OperationsPerInvoke = Ops, Description = "Arena local typed")]
    public int ArenaLocalTypedPairs() => Size == 32 ? Run(new ArenaLocalTypedLoop<Payload32>(_heap)) : Run(new ArenaLocalTypedLoop<Payload256>(_heap));

    [Benchmark(OperationsPerInvoke = Ops, Description = "new")]
    public int NewPairs() => Run(new NewLoop(Size));

    [Benchmark(OperationsPerInvoke = Ops, Description = "ArrayPool")]
    public int ArrayPoolPairs() => Run(new ArrayPoolLoop(Size));

    [Benchmark(OperationsPerInvoke = Ops, Description = "ObjectPool")]
    public int ObjectPoolPairs() => Run(new ObjectPoolLoop(_objectPool));

    [Benchmark(OperationsPerInvoke = Ops, Description = "SpanOwner")]
    public int SpanOwnerPairs() => Run(new SpanOwnerLoop(Size));

    private static int Run<TLoop>(TLoop loop) where TLoop : struct, IAction
    {
        ParallelHelper.For(0, 2, in loop, minimumActionsPerThread: 1);
        return PairsPerThread;
    }

    private readonly struct NativeLoop(int size) : IAction
    {
        public void Invoke(int _)
        {
            for (int i = 0; i < PairsPerThread; i++) NativeMemory.Free(NativeMemory.Alloc((nuint)size));
        }
    }

    private readonly struct ArenaLoop(Heap heap, int size) : IAction
    {
        public void Invoke(int _)
        {
            for (int i = 0; i < PairsPerThread; i++) heap.Free(heap.Alloc(size));
        }
    }

    private readonly struct ArenaLocalLoop(Heap heap, int size) : IAction
    {
        public void Invoke(int _)
        {
            LocalHeap local = heap.Local();
            for (int i = 0; i < PairsPerThread; i++) local.Free(local.Alloc(size));
        }
    }

    /// <summary>Alloc&lt;T&gt;/Free(Ptr&lt;T&gt;) through the thread's handle: T's class is a JIT constant.</summary>
    private readonly struct ArenaLocalTypedLoop<T>(Heap heap) : IAction where T : unmanaged
    {
        public void Invoke(int _)
        {
            LocalHeap local = heap.Local();
            for (int i = 0; i < PairsPerThread; i++) local.Free(local.Alloc<T>());
        }
    }

    private readonly struct NewLoop(int size) : IAction
    {
        public void Invoke(int _)
        {
            object? last = null;
            for (int i = 0; i < PairsPerThread; i++) last = new byte[size];
            GC.KeepAlive(last);
        }
    }

    private readonly struct ArrayPoolLoop(int size) : IAction
    {
        public void Invoke(int _)
        {
            for (int i = 0; i < PairsPerThread; i++) ArrayPool<byte>.Shared.Return(ArrayPool<byte>.Shared.Rent(size));
        }
    }

    private readonly struct ObjectPoolLoop(ObjectPool<byte[]> pool) : IAction
    {
        public void Invoke(int _)
        {
            for (int i = 0; i < PairsPerThread; i++) pool.Return(pool.Get());
        }
    }

    private readonly struct SpanOwnerLoop(int size) : IAction
    {
        public void Invoke(int _)
        {
            for (int i = 0; i < PairsPerThread; i++)
            {
                using SpanOwner<byte> owner = SpanOwner<byte>.Allocate(size);
            }
        }
    }
}
