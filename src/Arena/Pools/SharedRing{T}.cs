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

/// <summary>
/// A pool's shared overflow as one <see cref="SharedRing{TItem}"/> per shard (one per core,
/// rounded up to a power of two, at most 16; the capacity is split between them). Each thread's
/// local spills into its own shard's ring first, then into rings no other thread's local has
/// (the pools count each ring's locals), and refills from its own first, taking from another
/// ring only when its own is empty, as Go's sync.Pool pushes to its own P's chain and steals
/// from the others'. With one ring for all
/// threads, every spill and refill of a many-core machine queued on that ring's head and tail.
/// </summary>
internal sealed class SharedRings<TItem>
{
    private readonly SharedRing<TItem>[] _rings;

    /// <param name="capacity">A power of two, at least 2: all rings together hold exactly this many.</param>
    /// <param name="shards">A power of two: the rings wanted; fewer when the capacity would leave a ring under 2.</param>
    public SharedRings(int capacity, int shards)
    {
        Debug.Assert(capacity >= 2 && (capacity & (capacity - 1)) == 0 && shards > 0 && (shards & (shards - 1)) == 0);
        shards = Math.Min(shards, capacity / 2);
        _rings = new SharedRing<TItem>[shards];
        for (int i = 0; i < shards; i++) _rings[i] = new SharedRing<TItem>(capacity / shards);
    }

    /// <summary>Items all rings can hold together.</summary>
    public int Capacity => _rings.Length * _rings[0].Capacity;

    /// <summary>How many rings there are: a local's <c>Ring</c> is taken modulo this.</summary>
    public int Shards => _rings.Length;

    /// <summary>Items in all rings; exact when no push or pop runs concurrently.</summary>
    public int Count
    {
        get
        {
            int n = 0;
            foreach (SharedRing<TItem> r in _rings) n += r.Count;
            return n;
        }
    }

    /// <summary>The ring of shard <paramref name="shard"/>.</summary>
    public SharedRing<TItem> Own(int shard) => _rings[shard & (_rings.Length - 1)];

    /// <summary>
    /// Shard <paramref name="shard"/>'s ring if it has items, else the first other ring that has
    /// (a look at its head and tail, no write), else the shard's own, empty.
    /// </summary>
    public SharedRing<TItem> WithItems(int shard)
    {
        SharedRing<TItem> own = Own(shard);
        if (own.Count > 0) return own;
        for (int i = 1; i < _rings.Length; i++)
        {
            SharedRing<TItem> other = _rings[(shard + i) & (_rings.Length - 1)];
            if (other.Count > 0) return other;
        }
        return own;
    }

    /// <summary>Adds <paramref name="item"/> to the first ring from shard <paramref name="shard"/>'s on that has room; false when all are full.</summary>
    public bool TryPushAny(TItem item, int shard)
    {
        for (int i = 0; i < _rings.Length; i++)
            if (_rings[(shard + i) & (_rings.Length - 1)].TryPush(item)) return true;
        return false;
    }

    /// <summary>
    /// Adds <paramref name="items"/> in order to shard <paramref name="shard"/>'s ring, then to
    /// the rings no local has (<paramref name="users"/>) while they have room; returns how many
    /// it added. So one thread alone may fill every ring, and threads as many as the rings each
    /// keep to their own.
    /// </summary>
    public int PushKeepingOff(ReadOnlySpan<TItem> items, int shard, RingUsers users)
    {
        int i = 0;
        for (int r = 0; r < _rings.Length && i < items.Length; r++)
        {
            int ring = (shard + r) & (_rings.Length - 1);
            if (r > 0 && users.Used(ring)) continue;
            SharedRing<TItem> own = _rings[ring];
            while (i < items.Length && own.TryPush(items[i])) i++;
        }
        return i;
    }

    /// <summary>Removes an item, from shard <paramref name="shard"/>'s ring first; false when all rings are empty.</summary>
    public bool TryPop(out TItem item, int shard = 0)
    {
        for (int i = 0; i < _rings.Length; i++)
            if (_rings[(shard + i) & (_rings.Length - 1)].TryPop(out item)) return true;
        item = default!;
        return false;
    }
}

/// <summary>
/// Live locals per shared ring of a pool (their <c>Ring</c>). A new local takes the ring with
/// the fewest; a spill passes over rings another thread's local has, besides its own, so that
/// threads as many as the rings each keep to their own, and one thread alone may use them all.
/// Changed under the pool's locals lock; spills read it without.
/// </summary>
internal sealed class RingUsers(int rings)
{
    private readonly int[] _counts = new int[rings];

    /// <summary>The ring with the fewest live locals, counted for a new one.</summary>
    public int Join()
    {
        int best = 0;
        for (int r = 1; r < _counts.Length; r++)
            if (_counts[r] < _counts[best]) best = r;
        Count(best, +1);
        return best;
    }

    /// <summary>A local of <paramref name="ring"/> is dropped (its thread ended).</summary>
    public void Leave(int ring) => Count(ring, -1);

    /// <summary>Whether some local has <paramref name="ring"/>.</summary>
    public bool Used(int ring) => Volatile.Read(ref _counts[ring]) > 0;

    private void Count(int ring, int delta) => Volatile.Write(ref _counts[ring], _counts[ring] + delta);
}
