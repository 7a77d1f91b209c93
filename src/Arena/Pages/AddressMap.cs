// See PageHeap.cs for the page heap's overview.

using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Arena.Pages;

/// <summary>
/// Process-wide map from any address to the chunk holding it, shared by all heaps:
/// a two-level radix table over 48-bit addresses in 4 MiB granules (Go: mheap.arenas,
/// arenaL1Bits/arenaL2Bits). Reads take no lock; level-2 tables are never freed.
/// </summary>
internal static unsafe class AddressMap
{
    private const int AddressBits = 48;
    private const int L2Bits = 14;
    private const int L1Shift = PageHeap.ChunkShift + L2Bits;             // 36
    private const int L1Entries = 1 << (AddressBits - L1Shift);           // 4096
    private const int L2Entries = 1 << L2Bits;                            // 16384 (64 GiB each)

    private static readonly Chunk*** s_l1 = (Chunk***)NativeMemory.AllocZeroed((nuint)L1Entries, (nuint)sizeof(nint));
    private static readonly Lock s_lock = new();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Chunk* Lookup(nuint address)
    {
        nuint i1 = address >> L1Shift;
        if (i1 >= L1Entries) return null;
        Chunk** l2 = s_l1[i1];
        return l2 == null ? null : l2[(address >> PageHeap.ChunkShift) & (L2Entries - 1)];
    }

    public static void Register(Chunk* c) => Set(c->Base, c->Size, c);

    public static void Unregister(Chunk* c) => Set(c->Base, c->Size, null);

    private static void Set(nuint start, nuint size, Chunk* value)
    {
        lock (s_lock)
        {
            for (nuint a = start; a < start + size; a += PageHeap.ChunkSize)
            {
                nuint i1 = a >> L1Shift;
                if (i1 >= L1Entries)
                    throw new PlatformNotSupportedException("Arena supports 48-bit virtual addresses; the allocator returned a higher one.");
                Chunk** l2 = s_l1[i1];
                if (l2 == null)
                {
                    if (value == null) continue;
                    l2 = (Chunk**)NativeMemory.AllocZeroed((nuint)L2Entries, (nuint)sizeof(nint));
                    Volatile.Write(ref *(nint*)&s_l1[i1], (nint)l2);
                }
                Volatile.Write(ref *(nint*)&l2[(a >> PageHeap.ChunkShift) & (L2Entries - 1)], (nint)value);
            }
        }
    }
}
