// Per-thread pool caches. See ArenaPool{T}.cs for the overview of pools.

using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Arena.Pools;

/// <summary>
/// One thread's cache for one struct pool: a private slot and a small stack of object
/// addresses. Only the owning thread touches <see cref="Private"/>, <see cref="Stack"/> and
/// <see cref="Count"/> while <see cref="Active"/> is 1; a trim touches them only after the
/// freeze handshake (see ArenaPool{T}.cs) has seen <see cref="Active"/> at 0.
/// Go: poolLocal (private, and shared for its own P).
/// </summary>
/// <remarks>
/// Written on every Rent and Return by its thread, so its fields sit 64 bytes into the object
/// with padding after them: two threads' locals, allocated together or moved next to each other
/// by the GC, never share a cache line (Go pads poolLocal to 128 bytes for the same reason).
/// </remarks>
[StructLayout(LayoutKind.Explicit)]
internal sealed class PoolLocal
{
    /// <summary>The stand-in for "no cache yet" in every thread's array, so the fast path has no null check.</summary>
    public static readonly PoolLocal Empty = new(null, 0);

    /// <summary>The pool this cache belongs to; null for <see cref="Empty"/>.</summary>
    [FieldOffset(64)]
    public readonly object? Owner;
    /// <summary>The owning thread; a trim drops caches whose thread has ended.</summary>
    [FieldOffset(72)]
    public readonly Thread? Thread;
    /// <summary>Object stack; entries at and above <see cref="Count"/> are stale.</summary>
    [FieldOffset(80)]
    public readonly nint[] Stack;

    /// <summary>One object address, or 0 (empty). Go: poolLocalInternal.private.</summary>
    [FieldOffset(88)]
    public nint Private;
    /// <summary>Objects on <see cref="Stack"/>, 0..Stack.Length.</summary>
    [FieldOffset(96)]
    public int Count;
    /// <summary>
    /// 1 while the owning thread is inside a pool operation on this cache, else 0. Written
    /// only by the owner (plain stores, release); read by a trim after a process-wide barrier.
    /// </summary>
    [FieldOffset(100)]
    public int Active;
    /// <summary>The shard of the pool's shared rings this thread spills to and refills from first (SharedRings).</summary>
    [FieldOffset(104)]
    public int Ring;
    /// <summary>
    /// Slow rents left that pass over the shared and victim rings, after a refill found every
    /// ring empty: they go straight to the heap. Many threads polling empty rings at every
    /// rent would queue on the cache lines that the others' spills write. A spill clears it
    /// (its own ring has objects then). Owner only.
    /// </summary>
    [FieldOffset(108)]
    public int SkipRings;

    /// <summary>Pads the object past the hot fields' cache line.</summary>
    [FieldOffset(184)]
    private long _padding;

    public PoolLocal(object? owner, int stackSize)
    {
        Owner = owner;
        Thread = owner is null ? null : Thread.CurrentThread;
        Stack = new nint[stackSize];
    }
}

/// <summary>The class-pool twin of <see cref="PoolLocal"/>: managed references instead of addresses, padded the same way.</summary>
[StructLayout(LayoutKind.Explicit)]
internal sealed class ObjectPoolLocal
{
    public static readonly ObjectPoolLocal Empty = new(null, 0);

    [FieldOffset(64)]
    public readonly object? Owner;
    [FieldOffset(72)]
    public readonly Thread? Thread;
    [FieldOffset(80)]
    public readonly object?[] Stack;
    /// <summary>One pooled object, or null (empty).</summary>
    [FieldOffset(88)]
    public object? Private;
    [FieldOffset(96)]
    public int Count;
    /// <summary>As <see cref="PoolLocal.Active"/>.</summary>
    [FieldOffset(100)]
    public int Active;
    /// <summary>The shard of the pool's shared rings this thread returns to and gets from first (SharedRings).</summary>
    [FieldOffset(104)]
    public int Ring;
    /// <summary>Pads the object past the hot fields' cache line.</summary>
    [FieldOffset(184)]
    private long _padding;

    public ObjectPoolLocal(object? owner, int stackSize)
    {
        Owner = owner;
        Thread = owner is null ? null : Thread.CurrentThread;
        Stack = new object?[stackSize];
    }
}

/// <summary>
/// The thread-static arrays of per-thread pool caches, indexed by a pool's slot, and the
/// allocator of those slots. Go indexes poolLocal by P; Arena by pool, per thread. A fast
/// path reads one thread-static (the array), then indexes it with the pool's slot.
/// </summary>
internal static class PoolLocals
{
    [ThreadStatic] internal static PoolLocal[]? t_structLocals;
    [ThreadStatic] internal static ObjectPoolLocal[]? t_objectLocals;

    private static readonly Lock s_lock = new();
    private static readonly Stack<int> s_freeSlots = new();
    private static int s_nextSlot;

    /// <summary>A slot for a new pool: a released one if any, so arrays stay small.</summary>
    public static int AllocateSlot()
    {
        lock (s_lock) return s_freeSlots.TryPop(out int slot) ? slot : s_nextSlot++;
    }

    /// <summary>
    /// Gives a disposed pool's slot back. Stale caches left in threads' arrays still name the
    /// old pool as owner, so the next pool on this slot never mistakes them for its own.
    /// </summary>
    public static void ReleaseSlot(int slot)
    {
        if (slot < 0) return;
        lock (s_lock) s_freeSlots.Push(slot);
    }

    /// <summary>Installs <paramref name="local"/> at <paramref name="slot"/> in the calling thread's array.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void Install(int slot, PoolLocal local) => Install(ref t_structLocals, slot, local, PoolLocal.Empty);

    /// <summary>As <see cref="Install(int, PoolLocal)"/>, for class pools.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void Install(int slot, ObjectPoolLocal local) => Install(ref t_objectLocals, slot, local, ObjectPoolLocal.Empty);

    /// <summary>Stores <paramref name="local"/> at <paramref name="slot"/>, growing the array (new entries <paramref name="empty"/>) when needed.</summary>
    private static void Install<TLocal>(ref TLocal[]? locals, int slot, TLocal local, TLocal empty) where TLocal : class
    {
        TLocal[]? current = locals;
        if (current is null || slot >= current.Length)
        {
            var grown = new TLocal[Math.Max(slot + 1, Math.Max(8, (current?.Length ?? 0) * 2))];
            Array.Fill(grown, empty);
            current?.CopyTo(grown, 0);
            locals = current = grown;
        }
        current[slot] = local;
    }
}
