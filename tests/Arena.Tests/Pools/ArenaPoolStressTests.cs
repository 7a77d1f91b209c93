using System.Collections.Concurrent;
using Xunit.Abstractions;

namespace Arena.Tests.Pools;

/// <summary>
/// The struct pool on many threads: threads rent, stamp, check and return objects, hand some to
/// other threads to return, while another thread trims. Every object rented is zeroed, held by
/// one thread at a time, and keeps its stamp until returned; at the end everything balances.
/// </summary>
public unsafe class ArenaPoolStressTests(ITestOutputHelper output)
{
    private struct Item
    {
        public long Owner;
        public long Stamp;
        public long Check;
    }

    [Theory]
    [InlineData(20260101, 4, 20_000, 64)]
    [InlineData(777, 3, 20_000, 2)]
    [InlineData(4242, 2, 30_000, 1024)]
    [InlineData(99, 8, 10_000, 16)]
    public void Threads_renting_returning_and_trimming_never_share_an_object(int seed, int threads, int opsPerThread, int capacity)
    {
        output.WriteLine($"seed {seed}, {threads} threads, {opsPerThread} ops each, capacity {capacity}");
        using var heap = new Heap();
        var pool = new ArenaPool<Item>(heap, capacity);
        var holders = new ConcurrentDictionary<nint, int>();
        var handoff = new ConcurrentQueue<(nint Ptr, long Stamp)>();
        var failures = new ConcurrentQueue<string>();
        using var stop = new CancellationTokenSource();
        long trims = 0;

        void Check(Ptr<Item> p, long stamp)
        {
            if (p.Value.Stamp != stamp || p.Value.Check != ~stamp)
                failures.Enqueue($"seed {seed}: object 0x{p.Address:x} changed while rented");
        }

        void Worker(int id)
        {
            var rng = new Random(seed * 31 + id);
            var live = new List<(Ptr<Item> Ptr, long Stamp)>();
            long next = (long)id << 40;
            for (int op = 0; op < opsPerThread; op++)
            {
                if (rng.Next(10) < 5 || live.Count == 0)
                {
                    Ptr<Item> p = pool.Rent();
                    if (!holders.TryAdd(p.Address, id)) failures.Enqueue($"seed {seed}: 0x{p.Address:x} handed to two holders");
                    if (p.Value.Owner != 0 || p.Value.Stamp != 0 || p.Value.Check != 0) failures.Enqueue($"seed {seed}: rented object not zeroed");
                    long stamp = ++next;
                    p.Value.Owner = id;
                    p.Value.Stamp = stamp;
                    p.Value.Check = ~stamp;
                    live.Add((p, stamp));
                }
                else
                {
                    int i = rng.Next(live.Count);
                    var (p, stamp) = live[i];
                    live[i] = live[^1];
                    live.RemoveAt(live.Count - 1);
                    Check(p, stamp);
                    if (rng.Next(4) == 0)
                    {
                        handoff.Enqueue((p.Address, stamp));          // another thread returns it
                    }
                    else
                    {
                        holders.TryRemove(p.Address, out _);
                        pool.Return(p);
                    }
                }
                if (handoff.TryDequeue(out var h))
                {
                    var hp = new Ptr<Item>((Item*)h.Ptr);
                    Check(hp, h.Stamp);
                    holders.TryRemove(h.Ptr, out _);
                    pool.Return(hp);
                }
            }
            foreach (var (p, stamp) in live)
            {
                Check(p, stamp);
                holders.TryRemove(p.Address, out _);
                pool.Return(p);
            }
        }

        var trimmer = new Thread(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                pool.Trim();
                Interlocked.Increment(ref trims);
                Thread.Sleep(1);
            }
        });
        trimmer.Start();
        Thread[] workers = Enumerable.Range(1, threads).Select(id => new Thread(() =>
        {
            try { Worker(id); }
            catch (Exception e) { failures.Enqueue($"seed {seed}: worker {id} threw {e}"); }
        })).ToArray();
        foreach (Thread w in workers) w.Start();
        foreach (Thread w in workers) w.Join();
        stop.Cancel();
        trimmer.Join();
        while (handoff.TryDequeue(out var h))
        {
            var hp = new Ptr<Item>((Item*)h.Ptr);
            Check(hp, h.Stamp);
            pool.Return(hp);
        }
        output.WriteLine($"{Volatile.Read(ref trims)} trims ran during the test");
        Assert.True(failures.IsEmpty, string.Join("\n", failures.Take(5)));
        Assert.True(Volatile.Read(ref trims) > 0, $"seed {seed}: the trimmer never ran");
        pool.Dispose();
        Assert.Equal(0, heap.GetStats().HeapObjects);
        heap.AssertValid();
    }

    [Trait("Mode", "Unchecked")]
    [Fact]
    public void Trim_drains_the_caches_of_idle_threads_and_of_ended_threads()
    {
        using var heap = PoolTestHeaps.Unchecked();
        using var pool = new ArenaPool<Item>(heap);
        using var parked = new ManualResetEventSlim();
        using var filled = new ManualResetEventSlim();
        void Fill()
        {
            var items = Enumerable.Range(0, 10).Select(_ => pool.Rent()).ToList();
            foreach (Ptr<Item> p in items) pool.Return(p);   // all in this thread's cache
        }
        var idle = new Thread(() => { Fill(); filled.Set(); parked.Wait(); });
        var ended = new Thread(Fill);
        idle.Start();
        filled.Wait();                                       // one after the other: the second thread
        ended.Start();                                       // must not adopt an ended thread's cache
        ended.Join();
        Assert.Equal(20, heap.GetStats().HeapObjects);
        pool.Trim();
        pool.Trim();
        Assert.Equal(0, heap.GetStats().HeapObjects);        // neither thread ran pool code again
        parked.Set();
        idle.Join();
    }

    [Trait("Mode", "Unchecked")]
    [Fact]
    public void Trim_skips_a_cache_whose_thread_is_mid_operation_and_drains_it_next_time()
    {
        using var heap = PoolTestHeaps.Unchecked();
        using var pool = new ArenaPool<Item>(heap);
        var items = Enumerable.Range(0, 5).Select(_ => pool.Rent()).ToList();
        foreach (Ptr<Item> p in items) pool.Return(p);
        Arena.Pools.PoolLocal local = Assert.IsType<Arena.Pools.PoolLocal>(pool.CurrentThreadLocal);
        Volatile.Write(ref local.Active, 1);                 // as if this thread were inside Rent
        pool.Trim();
        pool.Trim();
        Assert.Equal(5, heap.GetStats().HeapObjects);        // left alone: its owner might be using it
        Volatile.Write(ref local.Active, 0);
        pool.Trim();
        pool.Trim();
        Assert.Equal(0, heap.GetStats().HeapObjects);
    }

    [Trait("Mode", "Unchecked")]
    [Fact]
    public void Dispose_waits_for_an_operation_in_progress_before_draining_its_cache()
    {
        using var heap = PoolTestHeaps.Unchecked();
        var pool = new ArenaPool<Item>(heap);
        pool.Return(pool.Rent());
        Arena.Pools.PoolLocal local = Assert.IsType<Arena.Pools.PoolLocal>(pool.CurrentThreadLocal);
        Volatile.Write(ref local.Active, 1);
        var finisher = new Thread(() => { Thread.Sleep(50); Volatile.Write(ref local.Active, 0); });
        finisher.Start();
        pool.Dispose();                                      // spins until Active is 0, then drains
        finisher.Join();
        Assert.Equal(0, heap.GetStats().HeapObjects);
    }

    [Fact]
    public void A_new_thread_adopts_what_ended_threads_left_in_their_caches()
    {
        using var heap = new Heap();
        using var pool = new ArenaPool<Item>(heap);
        var items = new List<Ptr<Item>>();
        var ended = new Thread(() =>
        {
            for (int i = 0; i < 10; i++) items.Add(pool.Rent());
            foreach (Ptr<Item> p in items) pool.Return(p);     // all in the ended thread's cache
        });
        ended.Start();
        ended.Join();
        long mallocs = heap.GetStats().Mallocs;
        var adopted = Enumerable.Range(0, 10).Select(_ => pool.Rent()).ToList();   // no trim ran
        Assert.Equal(mallocs, heap.GetStats().Mallocs);
        Assert.Equal(items.ToHashSet(), adopted.ToHashSet());
        foreach (Ptr<Item> p in adopted) pool.Return(p);
    }

    [Fact]
    public void Objects_returned_by_one_thread_are_stolen_by_another()
    {
        using var heap = new Heap();
        using var pool = new ArenaPool<Item>(heap, 256);
        var items = new List<Ptr<Item>>();
        var producer = new Thread(() =>
        {
            for (int i = 0; i < 200; i++) items.Add(pool.Rent());
            foreach (Ptr<Item> p in items) pool.Return(p);   // the overflow spills to the shared ring
        });
        producer.Start();
        producer.Join();
        long mallocs = heap.GetStats().Mallocs;
        var stolen = Enumerable.Range(0, 100).Select(_ => pool.Rent()).ToList();
        Assert.Equal(mallocs, heap.GetStats().Mallocs);
        Assert.All(stolen, p => Assert.Contains(p, items));
        foreach (Ptr<Item> p in stolen) pool.Return(p);
    }
}
