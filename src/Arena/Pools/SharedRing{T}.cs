// The shared overflow of a pool. See ArenaPool{T}.cs for the overview of pools.

using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Arena.Pools;

/// <summary>
/// A bounded lock-free multi-producer multi-consumer queue (Dmitry Vyukov's bounded MPMC
/// queue, the algorithm of .NET's ConcurrentQueue segments). A pool's threads push their
/// overflow here and steal from it; one compare-exchange per push or pop, no allocation.
/// Go: poolLocal.shared (a per-P chain that other Ps steal from); one ring per pool here.
/// </summary>
/// <remarks>
/// Slot states, by <c>Sequence - position</c> for the position that maps to the slot:
/// 0 free for the push at that position; 1 filled, ready for the pop at that position;
/// negative (push side) the slot still holds an item from one lap ago: the ring is full;
/// negative (pop side): no item yet, the ring is empty.
/// </remarks>
internal sealed class SharedRing<TItem>
{
    private struct Slot
    {
        public TItem Item;
        public long Sequence;
    }

    private readonly Slot[] _slots;
    private readonly int _mask;
    private RingPositions _pos;

    /// <param name="capacity">A power of two, at least 2.</param>
    public SharedRing(int capacity)
    {
        Debug.Assert(capacity >= 2 && (capacity & (capacity - 1)) == 0);
        _slots = new Slot[capacity];
        _mask = capacity - 1;
        for (int i = 0; i < capacity; i++) _slots[i].Sequence = i;
    }

    public int Capacity => _slots.Length;

    /// <summary>Items in the ring; exact when no push or pop runs concurrently.</summary>
    public int Count
    {
        get
        {
            long n = Volatile.Read(ref _pos.Tail) - Volatile.Read(ref _pos.Head);
            return (int)Math.Clamp(n, 0, _slots.Length);
        }
    }

    /// <summary>Adds <paramref name="item"/>; false when the ring is full.</summary>
    public bool TryPush(TItem item)
    {
        Slot[] slots = _slots;
        while (true)
        {
            long pos = Volatile.Read(ref _pos.Tail);
            ref Slot slot = ref slots[pos & _mask];
            long dif = Volatile.Read(ref slot.Sequence) - pos;
            if (dif == 0)
            {
                if (Interlocked.CompareExchange(ref _pos.Tail, pos + 1, pos) == pos)
                {
                    slot.Item = item;
                    Volatile.Write(ref slot.Sequence, pos + 1);
                    return true;
                }
            }
            else if (dif < 0)
            {
                return false;
            }
            // dif > 0: another push took this position; reload.
        }
    }

    /// <summary>Removes the oldest item; false when the ring is empty.</summary>
    public bool TryPop(out TItem item)
    {
        Slot[] slots = _slots;
        while (true)
        {
            long pos = Volatile.Read(ref _pos.Head);
            ref Slot slot = ref slots[pos & _mask];
            long dif = Volatile.Read(ref slot.Sequence) - (pos + 1);
            if (dif == 0)
            {
                if (Interlocked.CompareExchange(ref _pos.Head, pos + 1, pos) == pos)
                {
                    item = slot.Item;
                    slot.Item = default!;
                    Volatile.Write(ref slot.Sequence, pos + _mask + 1);
                    return true;
                }
            }
            else if (dif < 0)
            {
                item = default!;
                return false;
            }
        }
    }
}

/// <summary>
/// A ring's head and tail, each on a cache line of its own so pushers and poppers do not
/// share a line (outside the generic ring: generic types cannot have explicit layout).
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = 192)]
internal struct RingPositions
{
    /// <summary>Next pop.</summary>
    [FieldOffset(64)] public long Head;
    /// <summary>Next push.</summary>
    [FieldOffset(128)] public long Tail;
}
