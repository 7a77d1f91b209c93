using Microsoft.Extensions.ObjectPool;

namespace Arena.Tests.Pools;

/// <summary>
/// Microsoft.Extensions.ObjectPool's contract, checked on Arena's pool and on the stock
/// pool side by side (the stock one as DefaultObjectPoolProvider builds it: its disposable
/// variant for IDisposable types), so both are held to the same expectations.
/// </summary>
public class ObjectPoolContractTests
{
    public sealed class Resettable : IResettable
    {
        public int Value;
        public bool CanReset = true;

        public bool TryReset()
        {
            Value = 0;
            return CanReset;
        }
    }

    public sealed class Disposable : IDisposable
    {
        public int Disposals;
        public bool Keep = true;
        public void Dispose() => Disposals++;
    }

    private sealed class DisposablePolicy : PooledObjectPolicy<Disposable>
    {
        public int Created;
        public override Disposable Create() { Created++; return new Disposable(); }
        public override bool Return(Disposable obj) => obj.Keep;
    }

    public static TheoryData<string> Pools => ["arena", "default"];

    private static ObjectPool<T> Create<T>(string kind, IPooledObjectPolicy<T> policy, int maximumRetained = 8) where T : class
        => kind == "arena"
            ? new ArenaObjectPool<T>(policy, maximumRetained, checkedMode: false)
            : new DefaultObjectPoolProvider { MaximumRetained = maximumRetained }.Create(policy);

    [Theory]
    [MemberData(nameof(Pools))]
    public void Get_after_Return_gives_the_object_back_reset(string kind)
    {
        ObjectPool<Resettable> pool = Create(kind, new DefaultPooledObjectPolicy<Resettable>());
        Resettable a = pool.Get();
        a.Value = 42;
        pool.Return(a);
        Resettable b = pool.Get();
        Assert.Same(a, b);
        Assert.Equal(0, b.Value);
    }

    [Theory]
    [MemberData(nameof(Pools))]
    public void An_object_the_policy_refuses_is_dropped(string kind)
    {
        ObjectPool<Resettable> pool = Create(kind, new DefaultPooledObjectPolicy<Resettable>());
        Resettable a = pool.Get();
        a.CanReset = false;
        pool.Return(a);
        Resettable b = pool.Get();
        Assert.NotSame(a, b);
    }

    [Theory]
    [MemberData(nameof(Pools))]
    public void A_disposable_object_the_policy_refuses_is_disposed(string kind)
    {
        var policy = new DisposablePolicy();
        ObjectPool<Disposable> pool = Create(kind, policy);
        Disposable a = pool.Get();
        a.Keep = false;
        pool.Return(a);
        Assert.Equal(1, a.Disposals);
        Assert.NotSame(a, pool.Get());
        Assert.Equal(2, policy.Created);
    }

    [Theory]
    [MemberData(nameof(Pools))]
    public void Disposing_the_pool_disposes_pooled_objects_and_later_returns(string kind)
    {
        var policy = new DisposablePolicy();
        ObjectPool<Disposable> pool = Create(kind, policy, maximumRetained: 4);
        var items = Enumerable.Range(0, 3).Select(_ => pool.Get()).ToList();
        Disposable late = pool.Get();
        foreach (Disposable d in items) pool.Return(d);
        Assert.All(items, d => Assert.Equal(0, d.Disposals));
        ((IDisposable)pool).Dispose();
        Assert.All(items, d => Assert.Equal(1, d.Disposals));
        pool.Return(late);
        Assert.Equal(1, late.Disposals);
        Assert.Throws<ObjectDisposedException>(() => pool.Get());
    }

    [Theory]
    [MemberData(nameof(Pools))]
    public void Objects_past_the_capacity_are_dropped_and_disposed(string kind)
    {
        var policy = new DisposablePolicy();
        ObjectPool<Disposable> pool = Create(kind, policy, maximumRetained: 2);
        var items = Enumerable.Range(0, 40).Select(_ => pool.Get()).ToList();
        foreach (Disposable d in items) pool.Return(d);
        int dropped = items.Count(d => d.Disposals == 1);
        Assert.InRange(dropped, 40 - 2 - 1 - ArenaObjectPool<Disposable>.LocalStackSize, 40 - 1);
        Assert.All(items, d => Assert.InRange(d.Disposals, 0, 1));
        ((IDisposable)pool).Dispose();
        Assert.All(items, d => Assert.Equal(1, d.Disposals));   // each disposed exactly once
    }

    [Fact]
    public void Arena_pool_disposes_objects_cached_by_other_threads()
    {
        var policy = new DisposablePolicy();
        var pool = new ArenaObjectPool<Disposable>(policy, 4, checkedMode: false);
        using var parked = new ManualResetEventSlim();
        using var filled = new ManualResetEventSlim();
        Disposable? cached = null;
        var idle = new Thread(() =>
        {
            cached = pool.Get();
            pool.Return(cached);                             // this thread's private slot
            filled.Set();
            parked.Wait();
        });
        idle.Start();
        filled.Wait();
        pool.Dispose();
        Assert.Equal(1, cached!.Disposals);
        parked.Set();
        idle.Join();
    }

    [Fact]
    public void Arena_pool_reuses_what_ended_threads_left_in_their_caches()
    {
        var policy = new DisposablePolicy();
        var pool = new ArenaObjectPool<Disposable>(policy, 8, checkedMode: false);
        var items = new List<Disposable>();
        var ended = new Thread(() =>
        {
            for (int i = 0; i < 3; i++) items.Add(pool.Get());
            foreach (Disposable d in items) pool.Return(d);   // private slot and stack of the ended thread
        });
        ended.Start();
        ended.Join();
        var again = Enumerable.Range(0, 3).Select(_ => pool.Get()).ToList();
        Assert.Equal(3, policy.Created);
        Assert.Equal(items.ToHashSet(ReferenceEqualityComparer.Instance), again.ToHashSet(ReferenceEqualityComparer.Instance));
        pool.Dispose();
    }

    [Fact]
    public void Arena_pool_one_thread_alone_fills_every_ring_and_gets_it_all_back()
    {
        var policy = new DisposablePolicy();
        using var pool = new ArenaObjectPool<Disposable>(policy, 64, checkedMode: false, shards: 4);
        Assert.Equal(4, pool.Shards);
        Assert.Equal(64, pool.MaximumRetained);
        int kept = 64 + 1 + ArenaObjectPool<Disposable>.LocalStackSize;
        var items = Enumerable.Range(0, kept).Select(_ => pool.Get()).ToList();
        foreach (Disposable d in items) pool.Return(d);
        Assert.Equal([16, 16, 16, 16], pool.RingCounts());
        Assert.All(items, d => Assert.Equal(0, d.Disposals));
        var again = Enumerable.Range(0, kept).Select(_ => pool.Get()).ToList();
        Assert.Equal(kept, policy.Created);
        Assert.Equal(items.ToHashSet(ReferenceEqualityComparer.Instance), again.ToHashSet(ReferenceEqualityComparer.Instance));
    }

    [Fact]
    public void Arena_pool_threads_keep_off_each_others_rings_and_take_from_them_when_their_own_is_empty()
    {
        var policy = new DisposablePolicy();
        using var pool = new ArenaObjectPool<Disposable>(policy, 16, checkedMode: false, shards: 2);
        // Another thread takes a local first: ring 0. This thread's local gets ring 1.
        using var done = new ManualResetEventSlim();
        using var other = new ManualResetEventSlim();
        var holder = new Thread(() => { pool.Return(pool.Get()); other.Set(); done.Wait(); });
        holder.Start();
        other.Wait();
        try
        {
            int local = 1 + ArenaObjectPool<Disposable>.LocalStackSize;
            var items = Enumerable.Range(0, local + 8 + 5).Select(_ => pool.Get()).ToList();
            foreach (Disposable d in items) pool.Return(d);
            // Its own ring took 8; ring 0 belongs to the other thread, so the last 5 were dropped.
            Assert.Equal([0, 8], pool.RingCounts());
            Assert.Equal(5, items.Count(d => d.Disposals == 1));

            // A third thread gets ring 0 (each ring has one user; the first wins). Its ring is
            // empty, so it takes this thread's 8 from ring 1 before creating any.
            int created = policy.Created;
            OtherThread.Run(() =>
            {
                var got = Enumerable.Range(0, 8).Select(_ => pool.Get()).ToList();
                Assert.Equal(created, policy.Created);
                Assert.All(got, d => Assert.Equal(0, d.Disposals));
            });
            Assert.Equal([0, 0], pool.RingCounts());
        }
        finally
        {
            done.Set();
            holder.Join();
        }
    }

    [Fact]
    public void Arena_pool_on_many_threads_hands_each_object_to_one_holder_at_a_time()
    {
        const int seed = 5150;
        var pool = new ArenaObjectPool<Resettable>(new DefaultPooledObjectPolicy<Resettable>(), 8, checkedMode: false);
        var holders = new System.Collections.Concurrent.ConcurrentDictionary<Resettable, int>(ReferenceEqualityComparer.Instance);
        int failures = 0;
        Parallel.For(0, 4, new ParallelOptions { MaxDegreeOfParallelism = 4 }, id =>
        {
            var rng = new Random(seed + id);
            var live = new List<Resettable>();
            for (int op = 0; op < 20_000; op++)
            {
                if (rng.Next(2) == 0 || live.Count == 0)
                {
                    Resettable r = pool.Get();
                    if (r.Value != 0 || !holders.TryAdd(r, id)) Interlocked.Increment(ref failures);
                    r.Value = id + 1;
                    live.Add(r);
                }
                else
                {
                    Resettable r = live[^1];
                    live.RemoveAt(live.Count - 1);
                    if (r.Value != id + 1) Interlocked.Increment(ref failures);
                    holders.TryRemove(r, out _);
                    pool.Return(r);
                }
            }
            foreach (Resettable r in live) { holders.TryRemove(r, out _); pool.Return(r); }
        });
        Assert.True(failures == 0, $"seed {seed}: {failures} objects were shared or not reset");
        pool.Dispose();
    }

    [Fact]
    public void Arena_pool_in_checked_mode_reports_objects_never_returned()
    {
        var pool = new ArenaObjectPool<Resettable>(new DefaultPooledObjectPolicy<Resettable>(), 4, checkedMode: true);
        Assert.True(pool.Checked);
        Resettable a = pool.Get(), b = pool.Get();
        pool.Get();
        pool.Return(a);
        pool.Return(b);
        Assert.Equal(1, pool.RentedCount);
        pool.Dispose();
        PoolLeakReport report = Assert.IsType<PoolLeakReport>(pool.LastLeakReport);
        Assert.Equal(1, report.Count);
        Assert.Equal(typeof(Resettable), report.ItemType);
        Assert.Equal(PoolLeakTrigger.Dispose, report.Trigger);
    }

    public sealed class Plain
    {
        public int Value;
    }

    [Fact]
    public void Arena_pool_with_the_stock_policy_keeps_objects_that_are_not_resettable_as_they_are()
    {
        var pool = new ArenaObjectPool<Plain>(new DefaultPooledObjectPolicy<Plain>(), 2, checkedMode: false);
        Plain a = pool.Get();
        a.Value = 5;
        pool.Return(a);
        Plain b = pool.Get();
        Assert.Same(a, b);
        Assert.Equal(5, b.Value);                            // no reset: DefaultPooledObjectPolicy keeps it as is
        pool.Dispose();
    }

    [Fact]
    public void Arena_pool_rejects_bad_arguments()
    {
        Assert.Throws<ArgumentNullException>(() => new ArenaObjectPool<Resettable>(null!));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ArenaObjectPool<Resettable>(new DefaultPooledObjectPolicy<Resettable>(), 0));
        var pool = new ArenaObjectPool<Resettable>(new DefaultPooledObjectPolicy<Resettable>(), 4, checkedMode: false);
        Assert.Throws<ArgumentNullException>(() => pool.Return(null!));
        Assert.Equal(-1, pool.RentedCount);
        pool.Dispose();
        pool.Dispose();
    }
}
