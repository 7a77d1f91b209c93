
namespace Arena.Tests;

/// <summary>
/// Threads allocate and free random sizes, each object filled with a canary checked before
/// its free; some objects are freed by another thread. At the end the statistics balance.
/// </summary>
public unsafe class StressTests
{
    private static readonly int[] s_sizes = [8, 16, 24, 32, 48, 64, 100, 256, 500, 1024, 3000, 8192, 20000, 40000, 100_000];

    /// <summary>
    /// <paramref name="shards"/>: the central lists' shards; 0 for the machine's default. More
    /// shards than threads leaves some shards without a cache, whose slabs only thefts reach.
    /// </summary>
    [Theory]
    [InlineData(1234, 4, 30_000, 0)]
    [InlineData(98765, 3, 30_000, 0)]
    [InlineData(4242, 6, 30_000, 4)]
    [InlineData(777, 3, 30_000, 16)]
    [InlineData(31337, 5, 30_000, 1)]
    public void Threads_allocating_and_freeing_random_sizes_keep_every_canary(int seed, int threads, int opsPerThread, int shards)
    {
        using var heap = shards == 0 ? new Heap() : new Heap(new HeapOptions(), shards);
        var handoff = new System.Collections.Concurrent.ConcurrentQueue<(nint Ptr, int Size, byte Canary)>();
        var failures = new System.Collections.Concurrent.ConcurrentQueue<string>();
        long allocated = 0, freed = 0;

        void Worker(int id)
        {
            var rng = new Random(seed * 31 + id);
            var live = new List<(nint Ptr, int Size, byte Canary)>();
            for (int op = 0; op < opsPerThread; op++)
            {
                int choice = rng.Next(10);
                if (choice < 5 || live.Count == 0)
                {
                    int size = s_sizes[rng.Next(s_sizes.Length)];
                    if (rng.Next(4) == 0) size = rng.Next(1, 2048);
                    byte canary = (byte)rng.Next(1, 255);
                    byte* p = (byte*)heap.Alloc(size);
                    new Span<byte>(p, size).Fill(canary);
                    live.Add(((nint)p, size, canary));
                    Interlocked.Increment(ref allocated);
                }
                else
                {
                    int i = rng.Next(live.Count);
                    var o = live[i];
                    live[i] = live[^1];
                    live.RemoveAt(live.Count - 1);
                    if (!Check(o)) failures.Enqueue($"seed {seed}: canary of a {o.Size}-byte object broken");
                    if (choice == 9) handoff.Enqueue(o);               // another thread frees it
                    else { heap.Free((void*)o.Ptr); Interlocked.Increment(ref freed); }
                }
                if (handoff.TryDequeue(out var h))
                {
                    if (!Check(h)) failures.Enqueue($"seed {seed}: canary of a handed-off {h.Size}-byte object broken");
                    heap.Free((void*)h.Ptr);
                    Interlocked.Increment(ref freed);
                }
            }
            foreach (var o in live)
            {
                if (!Check(o)) failures.Enqueue($"seed {seed}: canary broken at the end");
                heap.Free((void*)o.Ptr);
                Interlocked.Increment(ref freed);
            }
        }

        var ts = Enumerable.Range(0, threads).Select(i => new Thread(() => Worker(i))).ToArray();
        foreach (var t in ts) t.Start();
        foreach (var t in ts) t.Join();
        while (handoff.TryDequeue(out var h))
        {
            Assert.True(Check(h), $"seed {seed}: canary broken in the hand-off queue");
            heap.Free((void*)h.Ptr);
            freed++;
        }

        Assert.True(failures.IsEmpty, string.Join("\n", failures.Take(5)));
        HeapStats s = heap.GetStats();
        Assert.Equal(allocated, freed);
        Assert.Equal(allocated, s.Mallocs);
        Assert.Equal(freed, s.Frees);
        Assert.Equal(0, s.HeapObjects);
        Assert.Equal(0, s.HeapAlloc);
        Assert.Equal(s.Mallocs, s.BySize.Sum(b => b.Mallocs));
        Assert.Equal(0, InuseAfterEndedThreadsAreFinalized(heap));
        heap.AssertValid();
    }

    private static bool Check((nint Ptr, int Size, byte Canary) o)
        => new ReadOnlySpan<byte>((void*)o.Ptr, o.Size).IndexOfAnyExcept(o.Canary) < 0;

    // Trim returns the calling thread's slabs; ended threads return theirs when their
    // caches are finalized.
    internal static long InuseAfterEndedThreadsAreFinalized(Heap heap)
    {
        for (int i = 0; i < 5; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            heap.Trim();
            if (heap.GetStats().HeapInuse == 0) break;
        }
        return heap.GetStats().HeapInuse;
    }

    [Fact]
    public void Caches_of_ended_threads_give_their_slabs_back()
    {
        using var heap = new Heap();
        var ptrs = new nint[100];
        var t = new Thread(() =>
        {
            for (int i = 0; i < ptrs.Length; i++) ptrs[i] = (nint)heap.Alloc(64);
        });
        t.Start();
        t.Join();
        foreach (nint p in ptrs) heap.Free((void*)p);
        // The ended thread's cache holds its slabs until it is finalized (possibly already, by a
        // collection another test ran): only the finalizer can have given them back.
        Assert.Equal(0, InuseAfterEndedThreadsAreFinalized(heap));
        HeapStats s = heap.GetStats();
        Assert.Equal(100, s.Mallocs);   // the ended thread's counters were folded in
        Assert.Equal(100, s.Frees);
    }

    [Fact]
    public void Slab_refill_across_many_slabs_keeps_objects_disjoint()
    {
        using var heap = new Heap();
        const int n = 50_000;
        var ptrs = new nint[n];
        for (int i = 0; i < n; i++) { ptrs[i] = (nint)heap.Alloc(24); *(int*)ptrs[i] = i; }
        // free every other one, reallocate, and check nobody overlaps
        for (int i = 0; i < n; i += 2) heap.Free((void*)ptrs[i]);
        for (int i = 0; i < n; i += 2) { ptrs[i] = (nint)heap.Alloc(24); *(int*)ptrs[i] = i; }
        Assert.Equal(n, ptrs.Distinct().Count());
        for (int i = 0; i < n; i++) Assert.Equal(i, *(int*)ptrs[i]);
        foreach (nint p in ptrs) heap.Free((void*)p);
        Assert.Equal(0, heap.GetStats().HeapObjects);
        heap.AssertValid();
    }
}
