using System.Buffers;
using System.Runtime.InteropServices;
using CommunityToolkit.HighPerformance.Buffers;
using Microsoft.Extensions.ObjectPool;

namespace Arena.Benchmarks.Compare;

/// <summary>One allocation and its release, by each peer, as loops for the quick comparison.</summary>
internal static unsafe class AllocPeers
{
    public sealed record Peer(string Name, Func<long, long> Loop);

    public static IReadOnlyList<Peer> For(int size, Heap heap)
    {
        var objectPool = new DefaultObjectPool<byte[]>(new AllocFreeBenchmarks.ArrayPolicy(size));
        return
        [
            new("Arena", n =>
            {
                long s = 0;
                for (long i = 0; i < n; i++) { void* p = heap.Alloc(size); s += (long)p; heap.Free(p); }
                return s;
            }),
            new("Arena typed", n => size switch
            {
                32 => Typed<Payload32>(heap, n),
                256 => Typed<Payload256>(heap, n),
                _ => throw new ArgumentOutOfRangeException(nameof(size), size, "Typed rows exist for 32 and 256 bytes."),
            }),
            new("NativeMemory", n =>
            {
                long s = 0;
                for (long i = 0; i < n; i++) { void* p = NativeMemory.Alloc((nuint)size); s += (long)p; NativeMemory.Free(p); }
                return s;
            }),
            new("new byte[]", n =>
            {
                long s = 0;
                for (long i = 0; i < n; i++) s += new byte[size].Length;
                return s;
            }),
            new("ArrayPool", n =>
            {
                long s = 0;
                for (long i = 0; i < n; i++) { byte[] a = ArrayPool<byte>.Shared.Rent(size); s += a.Length; ArrayPool<byte>.Shared.Return(a); }
                return s;
            }),
            new("ObjectPool", n =>
            {
                long s = 0;
                for (long i = 0; i < n; i++) { byte[] a = objectPool.Get(); s += a.Length; objectPool.Return(a); }
                return s;
            }),
            new("SpanOwner", n =>
            {
                long s = 0;
                for (long i = 0; i < n; i++) { using SpanOwner<byte> o = SpanOwner<byte>.Allocate(size); s += o.Length; }
                return s;
            }),
        ];
    }

    /// <summary>Alloc&lt;T&gt;/Free(Ptr&lt;T&gt;) through the thread's handle, as a loop that allocates and frees many objects would.</summary>
    private static long Typed<T>(Heap heap, long n) where T : unmanaged
    {
        LocalHeap local = heap.Local();
        long s = 0;
        for (long i = 0; i < n; i++) { Ptr<T> p = local.Alloc<T>(); s += p.Address; local.Free(p); }
        return s;
    }
}
