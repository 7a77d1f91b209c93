// The class pool. See ArenaPool{T}.cs for the overview of pools.
//
// ArenaObjectPool<T> is a Microsoft.Extensions.ObjectPool ObjectPool<T> laid out as
// the struct pool: a per-thread private slot and a small stack (no lock and no atomic
// on the common Get and Return), and bounded lock-free rings shared by all threads, one
// per core (SharedRings): a thread returns into its own ring first, then into rings no
// other thread's cache has, and gets from its own first, then from any.
// DefaultObjectPool<T> pays a compare-exchange on its first item on every Get and
// Return, and a ConcurrentQueue operation past it; here the common case is one
// thread-static read and a few plain stores.
//
// It keeps ObjectPool's contract: Get returns a pooled object or the policy's
// Create(); Return files the object only when the policy's Return says true; an
// object dropped (policy said false, pool full, or pool disposed) is disposed when it
// is IDisposable, as DefaultObjectPool's disposable variant does; Dispose disposes
// every pooled IDisposable object.
//
// Retained objects: up to MaximumRetained in the shared rings together (rounded up to
// a power of two), plus up to 1 + LocalStackSize per thread that uses the pool.
//
// Concurrency: Get and Return are thread-safe. Dispose drains other threads' caches
// with the same freeze handshake as the struct pool's trim (see ArenaPool{T}.cs) and
// waits for an operation in progress to finish; Get after Dispose throws, Return
// after Dispose disposes the object (when IDisposable) and drops it. A Return racing
// Dispose itself may drop its object without disposing it (the GC still collects it).

using System.Runtime.CompilerServices;
using Arena.Diagnostics;
using Arena.Pools;
using Microsoft.Extensions.ObjectPool;

namespace Arena;

/// <summary>
/// A faster <see cref="ObjectPool{T}"/>: per-thread caches in front of shared lock-free
/// rings, with the same contract as <see cref="DefaultObjectPool{T}"/> (and its disposal of
/// pooled <see cref="IDisposable"/> objects). The pool the generator emits for a
/// <c>[Pooled]</c> class. Go: sync.Pool, for managed objects.
/// </summary>
/// <typeparam name="T">The pooled class.</typeparam>
public sealed class ArenaObjectPool<T> : ObjectPool<T>, IDisposable where T : class
{
    /// <summary>Objects a thread keeps on its own stack, besides its private slot.</summary>
    public const int LocalStackSize = 4;

    private readonly IPooledObjectPolicy<T> _policy;
    /// <summary>
    /// How Return decides whether to keep an object. AskPolicy: call the policy. Keep: the stock
    /// DefaultPooledObjectPolicy with a type that is not IResettable (its Return says true).
    /// Reset: the stock policy with an IResettable type: call TryReset directly, as it would.
    /// </summary>
    private readonly ReturnMode _returnMode;

    private enum ReturnMode : byte { AskPolicy, Keep, Reset }
    private readonly bool _disposable;
    /// <summary>Index into each thread's array of locals; -1 in checked mode (every operation takes the slow path).</summary>
    private readonly int _slot;
    private readonly SharedRings<T> _shared;
    /// <summary>Live locals per ring: returns keep off the rings others use.</summary>
    private readonly RingUsers _ringUsers;

    /// <summary>0: locals in use; 1: disposed, locals drained (see ArenaPool{T}.cs, the freeze handshake).</summary>
    private int _frozen;
    private volatile bool _disposed;
    private readonly Lock _localsLock = new();
    private readonly List<ObjectPoolLocal> _locals = [];
    /// <summary>Checked mode: Get minus Return, counted with atomics on the slow path.</summary>
    private long _outstanding;

    /// <summary>Creates a pool retaining up to <c>2 × Environment.ProcessorCount</c> objects in its shared rings.</summary>
    /// <param name="policy">Creates objects and decides, on return, whether they can be reused.</param>
    public ArenaObjectPool(IPooledObjectPolicy<T> policy) : this(policy, Environment.ProcessorCount * 2) { }

    /// <summary>Creates a pool.</summary>
    /// <param name="policy">Creates objects and decides, on return, whether they can be reused.</param>
    /// <param name="maximumRetained">
    /// Objects the shared rings hold together, rounded up to a power of two; each thread also
    /// keeps up to 1 + <see cref="LocalStackSize"/>.
    /// </param>
    /// <param name="checkedMode">
    /// Count objects got and not returned, and report them on disposal through
    /// <see cref="ArenaDiagnostics.PoolLeak"/>; slower. Null (the default) follows the
    /// environment variable <c>ARENA_CHECKED=1</c>.
    /// </param>
    /// <exception cref="ArgumentNullException"><paramref name="policy"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maximumRetained"/> is not between 1 and 2^24.</exception>
    public ArenaObjectPool(IPooledObjectPolicy<T> policy, int maximumRetained, bool? checkedMode = null)
        : this(policy, maximumRetained, checkedMode, Caches.Central.DefaultShards) { }

    /// <param name="policy">As the public constructor's.</param>
    /// <param name="maximumRetained">As the public constructor's.</param>
    /// <param name="checkedMode">As the public constructor's.</param>
    /// <param name="shards">Shared rings wanted, a power of two (tests; fewer when a ring would hold under 2).</param>
    internal ArenaObjectPool(IPooledObjectPolicy<T> policy, int maximumRetained, bool? checkedMode, int shards)
    {
        ArgumentNullException.ThrowIfNull(policy);
        if (maximumRetained < 1 || maximumRetained > ArenaPool<byte>.MaxCapacity)
            PoolThrowHelper.CapacityOutOfRange(maximumRetained, ArenaPool<byte>.MaxCapacity);
        _policy = policy;
        Type policyType = policy.GetType();
        bool stockPolicy = policyType.IsGenericType && policyType.GetGenericTypeDefinition() == typeof(DefaultPooledObjectPolicy<>);
        _returnMode = !stockPolicy ? ReturnMode.AskPolicy
            : typeof(IResettable).IsAssignableFrom(typeof(T)) ? ReturnMode.Reset
            : ReturnMode.Keep;
        _disposable = typeof(IDisposable).IsAssignableFrom(typeof(T));
        _shared = new SharedRings<T>(Math.Max(2, (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)maximumRetained)), shards);
        _ringUsers = new RingUsers(_shared.Shards);
        Checked = checkedMode ?? Environment.GetEnvironmentVariable("ARENA_CHECKED") == "1";
        _slot = Checked ? -1 : PoolLocals.AllocateSlot();
    }

    /// <summary>Whether checked mode is on.</summary>
    public bool Checked { get; }

    /// <summary>How many shared rings there are (tests).</summary>
    internal int Shards => _shared.Shards;

    /// <summary>Objects in the shared rings now, ring by ring (tests; exact while no other thread uses the pool).</summary>
    internal int[] RingCounts()
    {
        var counts = new int[_shared.Shards];
        for (int r = 0; r < counts.Length; r++) counts[r] = _shared.Own(r).Count;
        return counts;
    }

    /// <summary>Objects the shared rings can hold together.</summary>
    public int MaximumRetained => _shared.Capacity;

    /// <summary>In checked mode, objects got and not yet returned; -1 outside checked mode.</summary>
    public long RentedCount => Checked ? Volatile.Read(ref _outstanding) : -1;

    /// <summary>In checked mode, the leak found by <see cref="Dispose"/>; null when none (and always outside checked mode).</summary>
    public PoolLeakReport? LastLeakReport { get; private set; }

    /// <summary>A pooled object, or a new one from the policy's <c>Create</c>.</summary>
    /// <exception cref="ObjectDisposedException">The pool was disposed.</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public override T Get()
    {
        ObjectPoolLocal? mine = EnterLocal();
        if (mine != null)
        {
            ObjectPoolLocal l = mine;
            if (Volatile.Read(ref _frozen) == 0)
            {
                object? o = l.Private;
                if (o != null)
                {
                    l.Private = null;
                    Volatile.Write(ref l.Active, 0);
                    return Unsafe.As<T>(o);
                }
                int n = l.Count - 1;
                object?[] stack = l.Stack;
                if ((uint)n < (uint)stack.Length)
                {
                    o = stack[n];
                    stack[n] = null;
                    l.Count = n;
                    Volatile.Write(ref l.Active, 0);
                    return Unsafe.As<T>(o!);
                }
            }
            Volatile.Write(ref l.Active, 0);
        }
        return GetSlow(mine);
    }

    /// <param name="local">The calling thread's local when the fast path found it (saves a second thread-static read).</param>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private T GetSlow(ObjectPoolLocal? local)
    {
        if (_disposed) ThrowHelper.ObjectDisposed(nameof(ArenaObjectPool<T>));
        if (Checked) Interlocked.Increment(ref _outstanding);
        int ring = Environment.CurrentManagedThreadId;        // checked mode: no local, any ring
        if (_slot >= 0)
        {
            ObjectPoolLocal l = local ?? LocalForThread();
            ring = l.Ring;
            if (Enter(l))
            {
                object? o = l.Private;
                if (o != null) l.Private = null;
                else if (l.Count > 0)
                {
                    o = l.Stack[--l.Count];
                    l.Stack[l.Count] = null;
                }
                Volatile.Write(ref l.Active, 0);
                if (o != null) return Unsafe.As<T>(o);
            }
        }
        return _shared.TryPop(out T? item, ring) ? item : _policy.Create();
    }

    /// <summary>
    /// Gives back an object. It is kept when the policy's <c>Return</c> says it can be reused
    /// and there is room; otherwise it is dropped, and disposed when it is <see cref="IDisposable"/>.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="obj"/> is null.</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public override void Return(T obj)
    {
        if (obj is null || !CanKeep(obj))
        {
            Drop(obj);
            return;
        }
        ObjectPoolLocal? mine = EnterLocal();
        if (mine != null)
        {
            ObjectPoolLocal l = mine;
            if (Volatile.Read(ref _frozen) == 0)
            {
                if (l.Private == null)
                {
                    l.Private = obj;
                    Volatile.Write(ref l.Active, 0);
                    return;
                }
                int n = l.Count;
                object?[] stack = l.Stack;
                if ((uint)n < (uint)stack.Length)
                {
                    stack[n] = obj;
                    l.Count = n + 1;
                    Volatile.Write(ref l.Active, 0);
                    return;
                }
            }
            Volatile.Write(ref l.Active, 0);
        }
        ReturnSlow(obj, mine);
    }

    /// <summary>The policy's verdict on a returned object, without the interface call for the stock policy.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool CanKeep(T obj) => _returnMode switch
    {
        ReturnMode.Reset => Unsafe.As<IResettable>(obj).TryReset(),
        ReturnMode.Keep => true,
        _ => _policy.Return(obj),
    };

    /// <summary>A returned object the pool will not keep: a null is an error, the rest are disposed when disposable.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Drop(T? obj)
    {
        ArgumentNullException.ThrowIfNull(obj);
        if (Checked) Interlocked.Decrement(ref _outstanding);
        DisposeItem(obj);
    }

    /// <param name="obj">The object, which the policy agreed to keep.</param>
    /// <param name="local">The calling thread's local when the fast path found it (saves a second thread-static read).</param>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void ReturnSlow(T obj, ObjectPoolLocal? local)
    {
        if (Checked) Interlocked.Decrement(ref _outstanding);
        if (_disposed)
        {
            DisposeItem(obj);
            return;
        }
        if (_slot < 0)
        {
            if (!_shared.TryPushAny(obj, Environment.CurrentManagedThreadId)) DisposeItem(obj);
            return;
        }
        ObjectPoolLocal l = local ?? LocalForThread();
        if (Enter(l))
        {
            bool kept = true;
            if (l.Private == null) l.Private = obj;
            else if (l.Count < l.Stack.Length) l.Stack[l.Count++] = obj;
            else kept = false;
            Volatile.Write(ref l.Active, 0);
            if (kept) return;
        }
        // Its own ring, else one no other thread's cache has, as the struct pool's spill.
        if (_shared.PushKeepingOff(new ReadOnlySpan<T>(in obj), l.Ring, _ringUsers) == 0) DisposeItem(obj);
    }

    private void DisposeItem(T obj)
    {
        if (_disposable) ((IDisposable)obj).Dispose();
    }

    private ObjectPoolLocal LocalForThread()
    {
        ObjectPoolLocal[]? locals = PoolLocals.t_objectLocals;
        if (locals != null && (uint)_slot < (uint)locals.Length && locals[_slot].Owner == this) return locals[_slot];
        var l = new ObjectPoolLocal(this, LocalStackSize);
        lock (_localsLock)
        {
            // A new thread adopts what ended threads left in their caches, so thread churn
            // strands nothing (only disposal reaches a cache otherwise).
            for (int i = _locals.Count - 1; i >= 0; i--)
            {
                ObjectPoolLocal ended = _locals[i];
                if (ended.Thread is not { IsAlive: false }) continue;
                if (ended.Private is T p && !_shared.TryPushAny(p, ended.Ring)) DisposeItem(p);
                ended.Private = null;
                for (int k = 0; k < ended.Count; k++)
                {
                    if (ended.Stack[k] is T s && !_shared.TryPushAny(s, ended.Ring)) DisposeItem(s);
                    ended.Stack[k] = null;
                }
                ended.Count = 0;
                _locals.RemoveAt(i);
                _ringUsers.Leave(ended.Ring);
            }
            l.Ring = _ringUsers.Join();                    // the fewest live locals: threads spread over the rings
            _locals.Add(l);
        }
        PoolLocals.Install(_slot, l);
        return l;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool Enter(ObjectPoolLocal l)
    {
        Volatile.Write(ref l.Active, 1);
        if (Volatile.Read(ref _frozen) == 0) return true;
        Volatile.Write(ref l.Active, 0);
        return false;
    }

    /// <summary>
    /// Drops every pooled object, disposing those that are <see cref="IDisposable"/>, including
    /// those in other threads' caches. Later <see cref="Get"/> calls throw; a later
    /// <see cref="Return(T)"/> disposes the object. In checked mode, objects got and not
    /// returned are reported.
    /// </summary>
    public void Dispose()
    {
        lock (_localsLock)
        {
            if (_disposed) return;
            _disposed = true;
        }
        Volatile.Write(ref _frozen, 1);
        Interlocked.MemoryBarrierProcessWide();
        ObjectPoolLocal[] snapshot;
        lock (_localsLock)
        {
            snapshot = [.. _locals];
            _locals.Clear();
        }
        foreach (ObjectPoolLocal l in snapshot)
        {
            var spin = new SpinWait();
            while (Volatile.Read(ref l.Active) != 0) spin.SpinOnce();
            if (l.Private is T p) DisposeItem(p);
            l.Private = null;
            for (int i = 0; i < l.Count; i++)
            {
                if (l.Stack[i] is T s) DisposeItem(s);
                l.Stack[i] = null;
            }
            l.Count = 0;
        }
        while (_shared.TryPop(out T? item)) DisposeItem(item);
        if (Checked)
        {
            long count = Volatile.Read(ref _outstanding);
            if (count > 0)
            {
                LastLeakReport = new PoolLeakReport(typeof(T), count, PoolLeakTrigger.Dispose, this);
                ArenaDiagnostics.ReportLeak(LastLeakReport);
            }
        }
        PoolLocals.ReleaseSlot(_slot);
    }

    /// <summary>
    /// The calling thread's cache for this pool, marked active (<c>Active = 1</c>) for the
    /// operation; null when the thread has none yet. One thread-static read.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ObjectPoolLocal? EnterLocal()
    {
        ObjectPoolLocal[]? locals = PoolLocals.t_objectLocals;
        int slot = _slot;
        if (locals == null || (uint)slot >= (uint)locals.Length) return null;
        ObjectPoolLocal l = locals[slot];
        if (l.Owner != this) return null;
        Volatile.Write(ref l.Active, 1);
        return l;
    }
}
