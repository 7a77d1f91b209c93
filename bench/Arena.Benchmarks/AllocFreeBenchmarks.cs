using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using CommunityToolkit.HighPerformance.Buffers;
using Microsoft.Extensions.ObjectPool;

namespace Arena.Benchmarks;

/// <summary>
/// One allocation and its release, for object sizes from 16 B to 64 KiB, on one thread.
/// NativeMemory is the baseline: it is the unmanaged allocator Arena replaces.
/// </summary>
[Config(typeof(BenchConfig))]
[BenchmarkCategory(Categories.AllocFree)]
public unsafe class AllocFreeBenchmarks
{
    private Heap _heap = null!;
    private ObjectPool<byte[]> _objectPool = null!;

    [Params(16, 32, 64, 256, 1024, 8192, 32768, 65536)]
    public int Size { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _heap = new Heap();
        _objectPool = new DefaultObjectPool<byte[]>(new ArrayPolicy(Size));
        _heap.Free(_heap.Alloc(Size));
    }

    [GlobalCleanup]
    public void Cleanup() => _heap.Dispose();

    [Benchmark(Baseline = true, Description = "NativeMemory")]
    public nint NativeMemoryAllocFree()
    {
        void* p = NativeMemory.Alloc((nuint)Size);
        NativeMemory.Free(p);
        return (nint)p;
    }

    [Benchmark(Description = "Arena")]
    public nint ArenaAllocFree()
    {
        void* p = _heap.Alloc(Size);
        _heap.Free(p);
        return (nint)p;
    }

    [Benchmark(Description = "new")]
    public object NewArray() => new byte[Size];

    [Benchmark(Description = "ArrayPool")]
    public int ArrayPoolRentReturn()
    {
        byte[] a = ArrayPool<byte>.Shared.Rent(Size);
        ArrayPool<byte>.Shared.Return(a);
        return a.Length;
    }

    [Benchmark(Description = "ObjectPool")]
    public int ObjectPoolGetReturn()
    {
        byte[] a = _objectPool.Get();
        _objectPool.Return(a);
        return a.Length;
    }

    [Benchmark(Description = "SpanOwner")]
    public int SpanOwnerAllocate()
    {
        using SpanOwner<byte> owner = SpanOwner<byte>.Allocate(Size);
        return owner.Length;
    }

    [Benchmark(Description = "MemoryOwner")]
    public int MemoryOwnerAllocate()
    {
        using MemoryOwner<byte> owner = MemoryOwner<byte>.Allocate(Size);
        return owner.Length;
    }

    internal sealed class ArrayPolicy(int size) : PooledObjectPolicy<byte[]>
    {
        public override byte[] Create() => new byte[size];
        public override bool Return(byte[] obj) => true;
    }
}

/// <summary>
/// The 32-byte pair against <c>new</c> of a class of exactly 32 bytes (16 B header + 16 B
/// fields), the managed allocation the goal compares with. NativeMemory stays the baseline.
/// Each invocation runs <see cref="Ops"/> pairs in a loop, so that a <see cref="LocalHeap"/>
/// handle can be taken once per loop as an application would; every peer runs the same loop.
/// </summary>
[Config(typeof(BenchConfig))]
[BenchmarkCategory(Categories.AllocFree)]
public unsafe class AllocFree32Benchmarks
{
    private const int Ops = 1000;

    private Heap _heap = null!;

    [GlobalSetup]
    public void Setup() => _heap = new Heap();

    [GlobalCleanup]
    public void Cleanup() => _heap.Dispose();

    [Benchmark(Baseline = true, OperationsPerInvoke = Ops, Description = "NativeMemory")]
    public nint NativeMemoryAllocFree()
    {
        nint sum = 0;
        for (int i = 0; i < Ops; i++)
        {
            void* p = NativeMemory.Alloc(32);
            NativeMemory.Free(p);
            sum ^= (nint)p;
        }
        return sum;
    }

    [Benchmark(OperationsPerInvoke = Ops, Description = "Arena raw")]
    public nint ArenaRaw()
    {
        nint sum = 0;
        for (int i = 0; i < Ops; i++)
        {
            void* p = _heap.Alloc(32);
            _heap.Free(p);
            sum ^= (nint)p;
        }
        return sum;
    }

    [Benchmark(OperationsPerInvoke = Ops, Description = "Arena typed")]
    public nint ArenaTyped()
    {
        nint sum = 0;
        for (int i = 0; i < Ops; i++)
        {
            Ptr<Payload32> p = _heap.Alloc<Payload32>();
            _heap.Free(p);
            sum ^= p.Address;
        }
        return sum;
    }

    [Benchmark(OperationsPerInvoke = Ops, Description = "Arena local raw")]
    public nint ArenaLocalRaw()
    {
        LocalHeap local = _heap.Local();
        nint sum = 0;
        for (int i = 0; i < Ops; i++)
        {
            void* p = local.Alloc(32);
            local.Free(p);
            sum ^= (nint)p;
        }
        return sum;
    }

    [Benchmark(OperationsPerInvoke = Ops, Description = "Arena local typed")]
    public nint ArenaLocalTyped()
    {
        LocalHeap local = _heap.Local();
        nint sum = 0;
        for (int i = 0; i < Ops; i++)
        {
            Ptr<Payload32> p = local.Alloc<Payload32>();
            local.Free(p);
            sum ^= p.Address;
        }
        return sum;
    }

    [Benchmark(OperationsPerInvoke = Ops, Description = "new class")]
    public object NewClass()
    {
        object last = null!;
        for (int i = 0; i < Ops; i++) last = new Class32();
        return last;
    }


    internal sealed class Class32 { public long A, B; }
}
