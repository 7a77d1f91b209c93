using Xunit.Abstractions;

namespace Arena.Tests.Scopes;

public unsafe class ScopeStressTests(ITestOutputHelper output)
{
    private struct Canary { public long Stamp; public long Index; public long Check; }

    private const int Seed = 20_261_126;

    /// <summary>
    /// Threads open random nests of scopes, fill them with stamped objects and arrays of random
    /// sizes (some large), and check every object of every open scope before each disposal:
    /// a stray write or an early free shows as a broken canary.
    /// </summary>
    [Fact]
    public void Nested_scopes_on_many_threads_keep_their_canaries()
    {
        using var heap = new Heap();
        const int Threads = 6, Rounds = 300;
        var errors = new List<string>();
        var threads = new Thread[Threads];
        for (int t = 0; t < Threads; t++)
        {
            int seed = Seed + t;
            threads[t] = new Thread(() =>
            {
                try { RunThread(heap, seed, Rounds); }
                catch (Exception e) { lock (errors) errors.Add($"seed {seed}: {e}"); }
            });
            threads[t].Start();
        }
        foreach (var t in threads) t.Join();
        foreach (string e in errors) output.WriteLine(e);
        Assert.True(errors.Count == 0, $"stress failed (base seed {Seed}): {string.Join("\n", errors)}");
        HeapStats s = heap.GetStats();
        Assert.Equal(0, s.OpenScopes);
        Assert.Equal(0, s.StackInuse);
        Assert.True(s.ScopeSafepoints == Threads * Rounds, $"safepoints {s.ScopeSafepoints}");
    }

    private static void RunThread(Heap heap, int seed, int rounds)
    {
        var rng = new Random(seed);
        for (int r = 0; r < rounds; r++)
        {
            using var outer = heap.Scope();
            Nest(heap, rng, outer, depth: 0, maxDepth: rng.Next(1, 6), stamp: ((long)seed << 20) + r * 16);
        }
    }

    private static void Nest(Heap heap, Random rng, Scope scope, int depth, int maxDepth, long stamp)
    {
        int n = rng.Next(0, 3000);
        var objs = new Ptr<Canary>[n];
        for (int i = 0; i < n; i++)
        {
            Ptr<Canary> p = scope.New<Canary>();
            if (p.Value.Stamp != 0 || p.Value.Check != 0) throw new InvalidOperationException("New returned non-zero memory");
            p.Value = new Canary { Stamp = stamp + depth, Index = i, Check = ~(stamp + depth + i) };
            objs[i] = p;
        }
        int len = rng.Next(4) == 0 ? rng.Next(40_000, 100_000) : rng.Next(0, 2000);   // some large runs
        Ptr<long> arr = scope.NewArray<long>(len);
        for (int i = 0; i < len; i++)
        {
            if (arr[i].Value != 0) throw new InvalidOperationException("NewArray returned non-zero memory");
            arr[i].Value = stamp ^ i;
        }
        if (depth < maxDepth)
        {
            int children = rng.Next(1, 3);
            for (int c = 0; c < children; c++)
            {
                using var inner = heap.Scope();
                if (inner.Depth != scope.Depth + 1) throw new InvalidOperationException("depth mismatch");
                Nest(heap, rng, inner, depth + 1, maxDepth, stamp);
            }
        }
        for (int i = 0; i < n; i++)
        {
            Canary c = objs[i].Value;
            if (c.Stamp != stamp + depth || c.Index != i || c.Check != ~(stamp + depth + i))
                throw new InvalidOperationException($"canary {i} at depth {depth} broken: {c.Stamp:x} {c.Index} {c.Check:x}");
        }
        for (int i = 0; i < len; i++)
            if (arr[i].Value != (stamp ^ i)) throw new InvalidOperationException($"array element {i} at depth {depth} broken");
        if ((len > 0 && !heap.IsInLiveScope(arr)) || (n > 0 && !heap.IsInLiveScope(objs[n - 1])))
            throw new InvalidOperationException("live scope memory not recognised");
    }
}
