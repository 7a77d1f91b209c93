// Typed pools: overview. Other pool files say "See ArenaPool{T}.cs".
//
// Arena's struct pool follows Go's sync.Pool (runtime/../sync/pool.go). Glossary:
//
//   local        per thread and pool: a private slot and a stack of LocalCapacity
//                object addresses. Only its thread touches it. Go: poolLocal
//                (private, and the owner's end of shared).    PoolLocals.cs
//   shared       per pool: bounded lock-free rings, one per core (Capacity split
//                between them), that threads spill half a full stack into and refill
//                an empty one from, each its own ring first (PoolLocal.Ring); other
//                threads' spills are what a thread steals. Go: poolLocal.shared
//                (poolChain), one per P. SharedRing{T}.cs (SharedRings)
//   victim       per pool: the previous trim's shared rings, holding what was idle
//                through one trim. Rent still takes from it; the next trim frees
//                what is left to the heap. Go: Pool.victim.
//   header       one word just before each pooled object: the pool's cookie XOR the
//                object's address, with the object's state in the low bits.
//
// Renting (Rent):
//   1. Read the calling thread's array of locals (the one thread-static read) and
//      index it with the pool's slot; check the local is this pool's.
//   2. Mark the local active (a plain store), check the pool is not frozen (a plain
//      load), take the private object or pop the stack. No lock, no atomic.
//   3. Empty: refill the stack with up to half a stack from a shared ring, its own
//      ring first, else one that has objects.
//   4. Every ring is empty: take one from the victim rings, else allocate one from the
//      heap (header + object, one heap object). After finding them all empty, the next
//      64 rents with an empty stack go straight to the heap (PoolLocal.SkipRings).
//   5. Write the header's Rented state and zero the object.
// Returning (Return):
//   1. Check the header: it must say "rented from this pool" for this address.
//   2. Write the Pooled state; put the object in the private slot or on the stack.
//   3. The stack is full: move its older half to the shared rings, its own first,
//      then those that no other thread's local has (each local takes the ring with
//      the fewest live locals), while they have room; what none can take goes to the
//      heap. So one thread alone may fill every ring, and threads as many as the rings
//      each keep to their own.
// Handles (LocalPool<T>, from Local()): a ref struct holding the calling thread's local,
// so Rent and Return through it skip step 1's thread-static read (on Linux a call into
// the TLS resolver, as long as the rest of the operation). The rest is the same code.
// A thread's first operation on a pool creates its local; it also moves what ended
// threads left in theirs to the shared rings, so thread churn strands nothing.
// Trimming (Trim, and OnCollection when a collector runs):
//   1. Free what is left in the victim rings to the heap.
//   2. The shared rings become the victim; the empty victim rings the shared ones.
//   3. Freeze: set _frozen, then Interlocked.MemoryBarrierProcessWide(). Every
//      local whose thread is not inside an operation (Active == 0) is drained into
//      the victim rings. An operation that starts now sees _frozen and leaves its
//      local alone (it uses the rings and the heap). Unfreeze.
//   So an object idle through two trims is back on the heap, as in Go.
//
// Why a header word for membership: Return must catch a double return and a
// pointer from elsewhere on its fast path. A header beside the object costs one
// load and compare in a cache line the caller is about to release anyway, and no
// lookup; a side table (hash by address) or a per-slab bitmap costs a lookup of the
// object's slab (three dependent loads) or a hash probe. The cookie is random per
// pool, so a header from another pool, another heap or stale data matches with
// probability 2^-61. The price is 8 bytes per object (more for types aligned over 8).
// The header is read only when it lies in the same 4 KiB page as the object (the
// object is not page-aligned); otherwise the slow path first proves, through the
// heap's address map, that the address belongs to this heap.
//
// Header states, at the object (address p, cookie c with low bits 001):
//   c ^ p          Rented: handed out by Rent, owned by the caller.
//   c ^ p ^ 0b011  Pooled: in a local, the shared rings or the victim rings.
//   0              Freed back to the heap by a trim or disposal (stale pointers fail).
//
// Invariants
//   header(p) == Pooled  ⇔  p is in exactly one local, a shared ring or a victim ring
//   retained ≤ 2·Capacity (rings) + threads·(1 + LocalCapacity)
//   a local's contents change only while its Active == 1 (owner) or while the pool
//   is frozen and its Active was seen 0 after the barrier (trim)
//
// Concurrency: Rent and Return are thread-safe and lock-free; any thread may return
// what another rented. Both check _frozen before touching any object: the heap's
// disposal freezes the pool for good (a disposed heap's memory is gone, and so are the
// pooled objects), so the fast paths need no second check of the heap. Trim takes a lock
// against other trims and may run at any time. Dispose must not run concurrently with
// Rent or Return (a Return racing it could file an object into a ring already emptied);
// a Return after Dispose frees the object to the heap.
// Two threads returning the same object at the same instant race on the header; the
// check catches every double return that is ordered, and checked mode (which tracks
// each rented object under a lock) catches the concurrent one too.

using System.Diagnostics;
using System.Runtime.CompilerServices;
using Arena.Diagnostics;
using Arena.Pages;
using Arena.Pools;
using Arena.SizeClasses;
using Arena.Slabs;

namespace Arena;

/// <summary>
/// A pool of zeroed <typeparamref name="T"/> objects on a <see cref="Arena.Heap"/>, after Go's
/// sync.Pool: a per-thread private slot and stack (no lock and no atomic instruction on the
/// common <see cref="Rent"/> and <see cref="Return"/>), a shared lock-free ring that threads
/// steal from, and a victim cache: objects idle through two <see cref="Trim"/> calls go back
/// to the heap. Thread-safe; any thread may return what another rented.
/// Go: sync.Pool.
/// </summary>
/// <typeparam name="T">An unmanaged type.</typeparam>
/// <remarks>
/// The pool owns the objects it holds; the caller owns an object from <see cref="Rent"/> until
/// it passes it to <see cref="Return"/>, and must not use it afterwards. Returning an object
/// twice, one this pool did not rent, or null throws <see cref="ArgumentException"/> and leaves
/// the pool intact. Each pooled object carries an 8-byte header just before it (more for types
/// aligned over 8 bytes), so an object from the pool is 8 bytes larger on the heap.
/// </remarks>
public sealed unsafe class ArenaPool<T> : IDisposable, Collector.ICollectionListener where T : unmanaged
{
    /// <summary>Default <see cref="Capacity"/>.</summary>
    public const int DefaultCapacity = 1024;

    /// <summary>Largest <see cref="Capacity"/>.</summary>
    public const int MaxCapacity = 1 << 24;

    /// <summary>Default <see cref="LocalCapacity"/>.</summary>
    public const int LocalStackSize = 16;

    /// <summary>The header may be read without a lookup when it lies in the object's 4 KiB page.</summary>
    private const nint MinPageMask = 4096 - 1;

    private const ulong StateFlip = 0b011;     // Rented ^ StateFlip == Pooled

    private readonly Heap _heap;
    /// <summary>Index into each thread's array of locals; -1 in checked mode (every operation takes the slow path).</summary>
    private readonly int _slot;
    /// <summary>Random, low bits 001: the Rented header of address p is _cookie ^ p.</summary>
    private readonly ulong _cookie;
    /// <summary>The slab class objects come from: a traced manual class when T holds pointers, so rented objects are roots.</summary>
    private readonly int _slabClass;
    /// <summary>T's pointer map moved past the header, for the whole slot; empty when T holds no pointer.</summary>
    private readonly ulong[] _allocMap;
    /// <summary>Words of the slot a heap object of this pool takes (its size class's objects, or the object when large).</summary>
    private readonly int _slotWords;
    private readonly nint _allocSize;
    private readonly int _allocAlignment;
    private readonly int _headerSize;
    private readonly bool _checked;
    private readonly int _localCapacity;
    /// <summary>Objects moved at once between a thread's stack and the shared rings: half a stack.</summary>
    private readonly int _batch;

    /// <summary>
    /// 0: locals are in use. 1: a trim is draining locals, or the pool is disposed; an
    /// operation that sees 1 after marking its local active leaves the local alone.
    /// </summary>
    private int _frozen;
    private volatile bool _disposed;

    private SharedRings<nint> _shared;
    private SharedRings<nint> _victim;
    /// <summary>Live locals per ring: spills keep off the rings others use.</summary>
    private readonly RingUsers _ringUsers;

    private readonly Lock _trimLock = new();               // one trim or disposal at a time
    private readonly Lock _localsLock = new();             // guards _locals
    private readonly List<PoolLocal> _locals = [];         // every thread's local of this pool
    private long _epoch;                                   // trims so far; guarded by _trimLock

    // Checked mode only: every rented object and the epoch it was rented in; guarded by _rentedLock.
    private readonly Dictionary<nint, long>? _rented;
    private readonly Lock _rentedLock = new();

    /// <summary>Creates a pool on <see cref="Heap.Default"/> with <see cref="DefaultCapacity"/>.</summary>
    public ArenaPool() : this(Heap.Default, DefaultCapacity) { }

    /// <summary>Creates a pool whose objects come from <paramref name="heap"/>.</summary>
    /// <param name="heap">The heap objects come from and go back to.</param>
    /// <param name="capacity">
    /// Objects the shared rings hold together (one ring per core, each at least 2), rounded up
    /// to a power of two (at least 2). Besides the rings, each thread keeps up to
    /// 1 + <paramref name="localCapacity"/> objects, and the victim rings up to the same
    /// capacity until the next trim. What does not fit goes back to the heap.
    /// </param>
    /// <param name="localCapacity">
    /// Objects each thread keeps on its own stack, besides its private slot (at least 2). A
    /// larger stack suits threads that return many objects and rent them again themselves.
    /// </param>
    /// <exception cref="ArgumentNullException"><paramref name="heap"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">
    /// <paramref name="capacity"/> is not between 1 and <see cref="MaxCapacity"/>, or
    /// <paramref name="localCapacity"/> not between 2 and <see cref="MaxCapacity"/>.
    /// </exception>
    public ArenaPool(Heap heap, int capacity = DefaultCapacity, int localCapacity = LocalStackSize)
    {
        ArgumentNullException.ThrowIfNull(heap);
        if (capacity < 1 || capacity > MaxCapacity) PoolThrowHelper.CapacityOutOfRange(capacity, MaxCapacity);
        if (localCapacity < 2 || localCapacity > MaxCapacity)
            throw new ArgumentOutOfRangeException(nameof(localCapacity), localCapacity, $"localCapacity must be between 2 and {MaxCapacity}.");
        _localCapacity = localCapacity;
        _batch = localCapacity / 2;
        if (heap.IsDisposed) ThrowHelper.ObjectDisposed(nameof(Heap));
        _heap = heap;
        heap.Collector.AddListener(this);
        int ring = Math.Max(2, (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)capacity));
        _shared = new SharedRings<nint>(ring, Caches.Central.DefaultShards);
        _victim = new SharedRings<nint>(ring, Caches.Central.DefaultShards);
        _ringUsers = new RingUsers(_shared.Shards);
        _checked = heap.Checked;
        _slot = _checked ? -1 : PoolLocals.AllocateSlot();
        _rented = _checked ? [] : null;
        _cookie = ((ulong)Random.Shared.NextInt64() & ~7UL) | 1UL;

        int size = sizeof(T);
        int alignment = TypeLayout<T>.Alignment;
        _headerSize = Math.Max(8, alignment);
        _allocAlignment = Math.Max(8, alignment);
        _allocSize = _headerSize + size;
        int sizeClass = _allocSize <= SizeClassTable.MaxSmallSize
            ? SizeClassTable.ForSizeAndAlignment((int)_allocSize, _allocAlignment)
            : 0;
        ulong[] map = TypeLayout<T>.PointerMap;
        _slabClass = SlabClass.Of(sizeClass, map.Length > 0 ? SlabKind.ManualScan : SlabKind.Manual);
        _slotWords = (sizeClass != 0 ? SizeClassTable.ObjectSizes[sizeClass] : (int)_allocSize + 7) / 8;
        _allocMap = map.Length > 0 ? ShiftMap(map, _headerSize / 8, _slotWords) : [];
    }

    /// <summary><paramref name="map"/> moved <paramref name="by"/> words up, in a map of <paramref name="words"/> words.</summary>
    private static ulong[] ShiftMap(ulong[] map, int by, int words)
    {
        var shifted = new ulong[(words + 63) / 64];
        for (int w = 0; w < map.Length * 64; w++)
        {
            if ((map[w >> 6] & (1UL << (w & 63))) == 0) continue;
            int to = w + by;
            shifted[to >> 6] |= 1UL << (to & 63);
        }
        return shifted;
    }

    /// <summary>
    /// A new object from the heap, past its header. When T holds pointers its slot's pointer
    /// bits are written (the header's words hold none), so the collector scans it as the root
    /// it is while rented or pooled.
    /// </summary>
    private nint NewFromHeap()
    {
        byte* q = (byte*)_heap.AllocClass(_slabClass, _allocSize, _allocAlignment);
        if (_allocMap.Length > 0) Arena.Collector.HeapBits.Write((nuint)q, _allocMap, _slotWords, 1);
        return (nint)q + _headerSize;
    }

    /// <summary>The heap objects come from and go back to.</summary>
    public Heap Heap => _heap;

    /// <summary>Objects the shared rings (and the victim rings) can hold together.</summary>
    public int Capacity => _shared.Capacity;

    /// <summary>Objects each thread keeps on its own stack, besides its private slot.</summary>
    public int LocalCapacity => _localCapacity;

    /// <summary>True once <see cref="Dispose"/> has run.</summary>
    public bool IsDisposed => _disposed;

    // ---- rent -------------------------------------------------------------------------

    /// <summary>
    /// A zeroed <typeparamref name="T"/>: a pooled one when there is one, else a new one from
    /// the heap. Pass it to <see cref="Return"/> when done. When this thread returned an object
    /// recently, the cost is one thread-static read (shared with a <see cref="Return"/> inlined
    /// into the same method) and a few loads and stores: no lock, no atomic instruction.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The pool or its heap was disposed.</exception>
    /// <exception cref="ArenaOutOfMemoryException">The heap is past its <see cref="HeapOptions.MaxBytes"/>.</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Ptr<T> Rent() => RentFrom(EnterLocal());

    /// <summary>
    /// The calling thread's handle on this pool: <see cref="LocalPool{T}.Rent"/> and
    /// <see cref="LocalPool{T}.Return"/> skip the thread-static lookup of the thread's cache
    /// that <see cref="Rent"/> and <see cref="Return"/> each make. See <see cref="LocalPool{T}"/>.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The pool or its heap was disposed.</exception>
    public LocalPool<T> Local()
    {
        if (_disposed) ThrowHelper.ObjectDisposed(nameof(ArenaPool<T>));
        if (_heap.IsDisposed) ThrowHelper.ObjectDisposed(nameof(Heap));
        return new LocalPool<T>(this, _slot >= 0 ? LocalForThread() : null);
    }

    /// <summary>Rent through a handle's local (null in checked mode).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal Ptr<T> RentWith(PoolLocal? local)
    {
        if (local is null) return RentSlow(null);
        Volatile.Write(ref local.Active, 1);
        return RentFrom(local);
    }

    /// <summary>The fast path of Rent: <paramref name="mine"/> is the calling thread's local, already marked active, or null.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private Ptr<T> RentFrom(PoolLocal? mine)
    {
        if (mine != null)
        {
            PoolLocal l = mine;
            if (Volatile.Read(ref _frozen) == 0)
            {
                nint p = l.Private;
                if (p != 0)
                {
                    l.Private = 0;
                    Volatile.Write(ref l.Active, 0);
                    return Hand(p);
                }
                int n = l.Count - 1;
                nint[] stack = l.Stack;
                if ((uint)n < (uint)stack.Length)
                {
                    p = stack[n];
                    l.Count = n;
                    Volatile.Write(ref l.Active, 0);
                    return Hand(p);
                }
            }
            Volatile.Write(ref l.Active, 0);
        }
        return RentSlow(mine);
    }

    /// <summary>Marks <paramref name="p"/> rented and zeroes it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private Ptr<T> Hand(nint p)
    {
        *(ulong*)(p - 8) = _cookie ^ (ulong)p;
        *(T*)p = default;
        return new Ptr<T>((T*)p);
    }

    /// <param name="local">The calling thread's local when the fast path found it (saves a second thread-static read).</param>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private Ptr<T> RentSlow(PoolLocal? local)
    {
        if (_disposed) ThrowHelper.ObjectDisposed(nameof(ArenaPool<T>));
        if (_heap.IsDisposed) ThrowHelper.ObjectDisposed(nameof(Heap));
        nint p = 0;
        bool triedRings = false;
        if (_slot >= 0)
        {
            PoolLocal l = local ?? LocalForThread();
            if (Enter(l))
            {
                p = TakeLocalOrRefill(l);
                triedRings = true;                         // or passed them over on purpose
                Volatile.Write(ref l.Active, 0);
            }
        }
        if (p == 0 && !triedRings)
        {
            int ring = Environment.CurrentManagedThreadId;
            if (!Volatile.Read(ref _shared).TryPop(out p, ring)) Volatile.Read(ref _victim).TryPop(out p, ring);
        }
        if (p == 0) p = NewFromHeap();
        if (_rented is not null)
        {
            lock (_rentedLock) _rented[p] = _epoch;
        }
        return Hand(p);
    }

    /// <summary>Slow rents that pass over the rings after a refill found them all empty (<see cref="PoolLocal.SkipRings"/>).</summary>
    private const int RingBackoff = 64;

    /// <summary>
    /// The local's top object, or one from the shared rings plus a batch for the stack (from its
    /// own ring, else from one that has objects), or one from the victim rings, or 0. After it
    /// finds every ring empty, its next <see cref="RingBackoff"/> calls with the local empty
    /// return 0 without a look, unless the thread spills or a trim drains the local first.
    /// Active only.
    /// </summary>
    private nint TakeLocalOrRefill(PoolLocal l)
    {
        nint p = l.Private;
        if (p != 0) { l.Private = 0; return p; }
        if (l.Count > 0) return l.Stack[--l.Count];
        if (l.SkipRings > 0)
        {
            l.SkipRings--;
            return 0;
        }
        SharedRing<nint> shared = Volatile.Read(ref _shared).WithItems(l.Ring);
        if (!shared.TryPop(out p))
        {
            if (Volatile.Read(ref _victim).TryPop(out p, l.Ring)) return p;
            l.SkipRings = RingBackoff;
            return 0;
        }
        int n = 0;
        while (n < _batch && shared.TryPop(out nint q)) l.Stack[n++] = q;
        l.Count = n;
        return p;
    }

    // ---- return -----------------------------------------------------------------------

    /// <summary>
    /// Gives back an object that <see cref="Rent"/> handed out. The caller must not use it
    /// afterwards. After <see cref="Dispose"/> the object goes back to the heap.
    /// </summary>
    /// <param name="item">A pointer from this pool's <see cref="Rent"/>, not yet returned.</param>
    /// <exception cref="ArgumentNullException"><paramref name="item"/> is null.</exception>
    /// <exception cref="ArgumentException">
    /// <paramref name="item"/> was returned already, or was not rented from this pool (another
    /// pool, <see cref="Heap.Alloc{T}"/>, another heap, or a pointer inside an object). The
    /// pool is unchanged. A pointer that is not readable memory at all is undefined behaviour.
    /// </exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Return(Ptr<T> item)
    {
        nint p = item.Address;
        if (MarkPooled(p)) FileReturned(p, EnterLocal());
    }

    /// <summary>Return through a handle's local (null in checked mode).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void ReturnWith(Ptr<T> item, PoolLocal? local)
    {
        nint p = item.Address;
        if (local is null)
        {
            ReturnSlow(p);
            return;
        }
        if (!MarkPooled(p)) return;
        Volatile.Write(ref local.Active, 1);
        FileReturned(p, local);
    }

    /// <summary>
    /// The fast check of Return: when <paramref name="p"/>'s header says "rented here" and can
    /// be read without a lookup, writes the Pooled state and returns true; otherwise hands the
    /// object to <see cref="ReturnSlow"/> (which files it or throws) and returns false.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool MarkPooled(nint p)
    {
        ulong rented = _cookie ^ (ulong)p;
        if ((p & MinPageMask) == 0 || Volatile.Read(ref _frozen) != 0 || *(ulong*)(p - 8) != rented)
        {
            ReturnSlow(p);
            return false;
        }
        *(ulong*)(p - 8) = rented ^ StateFlip;
        return true;
    }

    /// <summary>
    /// The fast path of Return once the header says Pooled: <paramref name="mine"/> is the
    /// calling thread's local, already marked active, or null.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void FileReturned(nint p, PoolLocal? mine)
    {
        if (mine != null)
        {
            PoolLocal l = mine;
            if (Volatile.Read(ref _frozen) == 0)
            {
                if (l.Private == 0)
                {
                    l.Private = p;
                    Volatile.Write(ref l.Active, 0);
                    return;
                }
                int n = l.Count;
                nint[] stack = l.Stack;
                if ((uint)n < (uint)stack.Length)
                {
                    stack[n] = p;
                    l.Count = n + 1;
                    Volatile.Write(ref l.Active, 0);
                    return;
                }
            }
            Volatile.Write(ref l.Active, 0);
        }
        ReturnPooled(p, mine);
    }

    /// <summary>
    /// The header did not say "rented here" at first sight, the pool is frozen (a trim is
    /// draining locals, or the pool or its heap is disposed), or the header could not be read
    /// without a lookup (a page-aligned object; with Go's size classes and the 8-byte header no
    /// pool object is page-aligned today, so tests call this directly to cover that path).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal void ReturnSlow(nint p)
    {
        string type = typeof(T).Name;
        if (p == 0) PoolThrowHelper.NullReturned(type);
        if (_heap.IsDisposed) ThrowHelper.ObjectDisposed(nameof(Heap));
        Chunk* chunk = AddressMap.Lookup((nuint)p);
        if (chunk == null) PoolThrowHelper.NotFromPool(p, type, "it is not Arena heap memory");
        if (_heap.Pages.Owning((nuint)p) == null) PoolThrowHelper.NotFromPool(p, type, "it belongs to another heap");
        if ((nuint)p - chunk->Base < (nuint)_headerSize) PoolThrowHelper.NotFromPool(p, type, "it is not an object this pool allocated");
        ulong header = *(ulong*)(p - 8);
        ulong rented = _cookie ^ (ulong)p;
        if (header == (rented ^ StateFlip)) PoolThrowHelper.ReturnedTwice(p, type);
        if (header != rented)
            PoolThrowHelper.NotFromPool(p, type, "it came from Heap.Alloc, another pool, or points inside an object, or the pool already gave it back to the heap");
        // A page-aligned object of this pool: the fast path could not read its header safely.
        *(ulong*)(p - 8) = rented ^ StateFlip;
        ReturnPooled(p, null);
    }

    /// <summary>Files a validated object whose header already says Pooled, when the fast path could not.</summary>
    /// <param name="p">The object.</param>
    /// <param name="local">The calling thread's local when the fast path found it (saves a second thread-static read).</param>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void ReturnPooled(nint p, PoolLocal? local)
    {
        if (_rented is not null)
        {
            bool wasRented;
            lock (_rentedLock) wasRented = _rented.Remove(p);
            // Another thread returned it at the same instant and filed it first.
            if (!wasRented) PoolThrowHelper.ReturnedTwice(p, typeof(T).Name);
        }
        if (_disposed)
        {
            FreeToHeap(p);
            return;
        }
        if (_slot >= 0)
        {
            PoolLocal l = local ?? LocalForThread();
            if (Enter(l))
            {
                if (l.Private == 0) l.Private = p;
                else
                {
                    if (l.Count == l.Stack.Length) SpillHalf(l);
                    l.Stack[l.Count++] = p;
                }
                Volatile.Write(ref l.Active, 0);
                return;
            }
        }
        // No local (checked mode, or a trim is draining it): any ring with room, so that the
        // capacity holds for this path as for spills.
        if (!Volatile.Read(ref _shared).TryPushAny(p, local?.Ring ?? Environment.CurrentManagedThreadId)) FreeToHeap(p);
    }

    /// <summary>
    /// Moves the older half of a full stack to the shared rings, its own ring first, then those
    /// no other thread's local has, while they have room; what none can take goes to the heap.
    /// Active only.
    /// </summary>
    private void SpillHalf(PoolLocal l)
    {
        nint[] stack = l.Stack;
        int batch = _batch;
        int i = Volatile.Read(ref _shared).PushKeepingOff(stack.AsSpan(0, batch), l.Ring, _ringUsers);
        for (; i < batch; i++) FreeToHeap(stack[i]);     // every ring is full: none is tried again for each
        l.SkipRings = 0;
        Array.Copy(stack, batch, stack, 0, l.Count - batch);
        l.Count -= batch;
    }

    // ---- locals -----------------------------------------------------------------------

    /// <summary>The calling thread's local of this pool, created on first use.</summary>
    private PoolLocal LocalForThread()
    {
        PoolLocal[]? locals = PoolLocals.t_structLocals;
        if (locals != null && (uint)_slot < (uint)locals.Length && locals[_slot].Owner == this) return locals[_slot];
        var l = new PoolLocal(this, _localCapacity);
        lock (_trimLock)                                   // against a trim draining the same caches
        {
            lock (_localsLock)
            {
                // A new thread adopts what ended threads left in their caches: without a trim
                // nothing else reaches them, and thread churn would strand objects there.
                for (int i = _locals.Count - 1; i >= 0; i--)
                {
                    PoolLocal ended = _locals[i];
                    if (ended.Thread is not { IsAlive: false }) continue;
                    if (ended.Private != 0) Park(ended.Private, _shared, ended.Ring);
                    for (int k = 0; k < ended.Count; k++) Park(ended.Stack[k], _shared, ended.Ring);
                    ended.Private = 0;
                    ended.Count = 0;
                    _locals.RemoveAt(i);
                    _ringUsers.Leave(ended.Ring);
                }
                l.Ring = _ringUsers.Join();                // the fewest live locals: threads spread over the rings
                _locals.Add(l);
            }
        }
        PoolLocals.Install(_slot, l);
        return l;
    }


    /// <summary>The calling thread's local of this pool, or null when it has none (for tests).</summary>
    internal PoolLocal? CurrentThreadLocal
    {
        get
        {
            PoolLocal[]? locals = PoolLocals.t_structLocals;
            return locals != null && (uint)_slot < (uint)locals.Length && locals[_slot].Owner == this ? locals[_slot] : null;
        }
    }

    /// <summary>Marks <paramref name="l"/> active; false (and inactive again) when the pool is frozen.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool Enter(PoolLocal l)
    {
        Volatile.Write(ref l.Active, 1);
        if (Volatile.Read(ref _frozen) == 0) return true;
        Volatile.Write(ref l.Active, 0);
        return false;
    }

    /// <summary>
    /// The freeze handshake: after <see cref="Interlocked.MemoryBarrierProcessWide"/>, a local
    /// seen inactive stays untouched by its thread until <see cref="_frozen"/> is cleared.
    /// Drains those locals into <paramref name="into"/> (what does not fit goes to the heap)
    /// and drops the locals of ended threads. Returns the objects freed to the heap.
    /// </summary>
    private long DrainLocals(SharedRings<nint>? into, bool waitForActive)
    {
        Volatile.Write(ref _frozen, 1);
        Interlocked.MemoryBarrierProcessWide();
        PoolLocal[] snapshot;
        lock (_localsLock) snapshot = [.. _locals];
        long freed = 0;
        foreach (PoolLocal l in snapshot)
        {
            if (Volatile.Read(ref l.Active) != 0)
            {
                if (!waitForActive) continue;        // a thread mid-operation: drained next time
                var spin = new SpinWait();
                while (Volatile.Read(ref l.Active) != 0) spin.SpinOnce();
            }
            if (l.Private != 0)
            {
                freed += Park(l.Private, into, l.Ring);
                l.Private = 0;
            }
            for (int i = 0; i < l.Count; i++) freed += Park(l.Stack[i], into, l.Ring);
            l.Count = 0;
            l.SkipRings = 0;                         // the rings may hold what was just drained
            if (l.Thread is { IsAlive: false })
            {
                lock (_localsLock)
                {
                    if (_locals.Remove(l)) _ringUsers.Leave(l.Ring);
                }
            }
        }
        return freed;
    }

    /// <summary>Files a pooled object into <paramref name="into"/>, shard <paramref name="ring"/>'s ring first, else frees it to the heap; returns the objects freed.</summary>
    private int Park(nint p, SharedRings<nint>? into, int ring = 0)
    {
        AssertPooled(p);
        if (into is not null && into.TryPushAny(p, ring)) return 0;
        FreeToHeap(p);
        return 1;
    }

    private void FreeToHeap(nint p)
    {
        *(ulong*)(p - 8) = 0;
        _heap.Free((void*)(p - _headerSize));
    }

    // ---- trim and dispose -------------------------------------------------------------

    /// <summary>
    /// Ages the pool by one step, as a collection ages Go's sync.Pool: objects that were
    /// already idle at the previous trim go back to the heap; every other pooled object (in
    /// the shared rings, or in any thread's cache whose thread is not inside a pool operation
    /// right now) becomes the victim cache, still served by <see cref="Rent"/> until the next
    /// trim. In checked mode, reports objects rented before the previous trim and still out
    /// through <see cref="ArenaDiagnostics.PoolLeak"/> and <see cref="LastLeakReport"/>.
    /// </summary>
    /// <returns>Objects given back to the heap.</returns>
    /// <exception cref="ObjectDisposedException">The pool or its heap was disposed.</exception>
    public long Trim()
    {
        lock (_trimLock)
        {
            if (_disposed) ThrowHelper.ObjectDisposed(nameof(ArenaPool<T>));
            if (_heap.IsDisposed) ThrowHelper.ObjectDisposed(nameof(Heap));
            long freed = 0;
            SharedRings<nint> victim = _victim, shared = _shared;
            while (victim.TryPop(out nint p)) { AssertPooled(p); FreeToHeap(p); freed++; }
            Volatile.Write(ref _shared, victim);
            Volatile.Write(ref _victim, shared);
            if (_slot >= 0)
            {
                freed += DrainLocals(shared, waitForActive: false);
                if (!_heap.IsDisposed) Volatile.Write(ref _frozen, 0);
            }
            if (_rented is not null)
            {
                long aged = 0;
                lock (_rentedLock)
                {
                    foreach (long epoch in _rented.Values) if (epoch < _epoch) aged++;
                }
                if (aged > 0) Report(new PoolLeakReport(typeof(T), aged, PoolLeakTrigger.Trim, this));
                else LastLeakReport = null;
            }
            _epoch++;
            AssertValid();
            return freed;
        }
    }

    /// <summary>The collector's hook: each collection ages the pool as <see cref="Trim"/> does.</summary>
    void Collector.ICollectionListener.OnCollection() => OnCollection();

    /// <summary>The heap's hook at its disposal: freeze for good, so no fast path touches pooled memory again.</summary>
    void Collector.ICollectionListener.OnHeapDisposed() => Volatile.Write(ref _frozen, 1);

    internal void OnCollection()
    {
        if (!_disposed && !_heap.IsDisposed) Trim();
    }

    /// <summary>
    /// In checked mode, the leak found by the latest <see cref="Trim"/> or <see cref="Dispose"/>;
    /// null when that found none, and always null outside checked mode.
    /// </summary>
    public PoolLeakReport? LastLeakReport { get; private set; }

    /// <summary>
    /// In checked mode, objects rented and not yet returned; -1 outside checked mode (where the
    /// pool does not track them).
    /// </summary>
    public long RentedCount
    {
        get
        {
            if (_rented is null) return -1;
            lock (_rentedLock) return _rented.Count;
        }
    }

    private void Report(PoolLeakReport report)
    {
        LastLeakReport = report;
        ArenaDiagnostics.ReportLeak(report);
    }

    /// <summary>
    /// Gives every pooled object back to the heap. Objects still rented stay valid heap objects;
    /// a later <see cref="Return"/> frees them to the heap, and <see cref="Rent"/> throws. In
    /// checked mode, objects still rented are reported. Must not run concurrently with
    /// <see cref="Rent"/> or <see cref="Return"/>. Does nothing when the heap was disposed first
    /// (its memory is gone).
    /// </summary>
    public void Dispose()
    {
        lock (_trimLock)
        {
            if (_disposed) return;
            _disposed = true;
            if (!_heap.IsDisposed)
            {
                if (_slot >= 0) DrainLocals(null, waitForActive: true);   // stays frozen for good
                while (_shared.TryPop(out nint p)) FreeToHeap(p);
                while (_victim.TryPop(out nint p)) FreeToHeap(p);
            }
            else
            {
                Volatile.Write(ref _frozen, 1);
            }
            if (_rented is not null)
            {
                long count;
                lock (_rentedLock) count = _rented.Count;
                if (count > 0) Report(new PoolLeakReport(typeof(T), count, PoolLeakTrigger.Dispose, this));
            }
            lock (_localsLock) _locals.Clear();
            PoolLocals.ReleaseSlot(_slot);
        }
    }

    // ---- validation -------------------------------------------------------------------

    [Conditional("ARENA_DEBUG")]
    private void AssertPooled(nint p) =>
        Debug.Assert(*(ulong*)(p - 8) == (_cookie ^ (ulong)p ^ StateFlip), "a pooled object's header says Pooled");

    /// <summary>
    /// Checks that every object held by an idle thread's cache says Pooled in its header.
    /// Compiled in with ARENA_DEBUG; runs at the end of each trim (under the trim lock).
    /// </summary>
    [Conditional("ARENA_DEBUG")]
    internal void AssertValid()
    {
        Volatile.Write(ref _frozen, 1);
        Interlocked.MemoryBarrierProcessWide();
        PoolLocal[] snapshot;
        lock (_localsLock) snapshot = [.. _locals];
        foreach (PoolLocal l in snapshot)
        {
            if (Volatile.Read(ref l.Active) != 0) continue;
            if (l.Private != 0) AssertPooled(l.Private);
            Debug.Assert((uint)l.Count <= (uint)l.Stack.Length, "0 <= Count <= LocalCapacity");
            for (int i = 0; i < l.Count; i++) AssertPooled(l.Stack[i]);
        }
        if (!_disposed && !_heap.IsDisposed) Volatile.Write(ref _frozen, 0);
    }

    /// <summary>
    /// The calling thread's cache for this pool, marked active (<c>Active = 1</c>) for the
    /// operation; null when the thread has none yet. One thread-static read.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private PoolLocal? EnterLocal()
    {
        PoolLocal[]? locals = PoolLocals.t_structLocals;
        int slot = _slot;
        if (locals == null || (uint)slot >= (uint)locals.Length) return null;
        PoolLocal l = locals[slot];
        if (l.Owner != this) return null;
        Volatile.Write(ref l.Active, 1);
        return l;
    }
}
