using BenchmarkDotNet.Attributes;
using CommunityToolkit.HighPerformance.Helpers;
using Microsoft.Extensions.ObjectPool;

namespace Arena.Benchmarks;

/// <summary>
/// Get and return of a pooled class with a generated-style reset, on one thread: Arena's <see cref="ArenaObjectPool{T}"/> against the stock
/// <see cref="DefaultObjectPool{T}"/> with the same policy. DefaultObjectPool is the baseline:
/// it is the pool a [Pooled] class would otherwise get.
/// </summary>
[Config(typeof(BenchConfig))]
[BenchmarkCategory(PoolCategories.ClassPool)]
public class ClassPoolBenchmarks
{
    /// <summary>A [Pooled] class as the generator emits it: fields reset on return, one kept.</summary>
    public sealed class Message : IResettable
    {
        public string? Text;
        public int Count;
        public long Id;
        public List<int> Buffer = [];   // [PoolKeep]

        public bool TryReset()
        {
            Text = default!;
            Count = default!;
            Id = default!;
            return true;
        }
    }

    private DefaultObjectPool<Message> _default = null!;
    private ArenaObjectPool<Message> _arena = null!;

    [GlobalSetup]
    public void Setup()
    {
        _default = new DefaultObjectPool<Message>(new DefaultPooledObjectPolicy<Message>());
        _arena = new ArenaObjectPool<Message>(new DefaultPooledObjectPolicy<Message>());
    }

    [GlobalCleanup]
    public void Cleanup() => _arena.Dispose();

    // Baseline: the stock pool with the same generated policy.
    [Benchmark(Baseline = true, Description = "DefaultObjectPool")]
    public int DefaultGetReturn()
    {
        Message m = _default.Get();
        _default.Return(m);
        return m.Count;
    }

    [Benchmark(Description = "ArenaObjectPool")]
    public int ArenaGetReturn()
    {
        Message m = _arena.Get();
        _arena.Return(m);
        return m.Count;
    }
}

/// <summary>
/// Get/return pairs on two threads at once (CommunityToolkit's ParallelHelper), 100 000 pairs per
/// thread per invocation, one pool shared by both. DefaultObjectPool is the baseline, as in
/// <see cref="ClassPoolBenchmarks"/>.
/// </summary>
[Config(typeof(BenchConfig))]
[BenchmarkCategory(PoolCategories.ClassPoolTwoThreads)]
public class ClassPoolTwoThreadsBenchmarks
{
    private const int PairsPerThread = 100_000;
    private const int Ops = 2 * PairsPerThread;

    private DefaultObjectPool<ClassPoolBenchmarks.Message> _default = null!;
    private ArenaObjectPool<ClassPoolBenchmarks.Message> _arena = null!;
    private DefaultObjectPool<ClassPoolBenchmarks.Message> _defaultBursts = null!;
    private ArenaObjectPool<ClassPoolBenchmarks.Message> _arenaBursts = null!;

    [GlobalSetup]
    public void Setup()
    {
        _default = new DefaultObjectPool<ClassPoolBenchmarks.Message>(new DefaultPooledObjectPolicy<ClassPoolBenchmarks.Message>());
        _arena = new ArenaObjectPool<ClassPoolBenchmarks.Message>(new DefaultPooledObjectPolicy<ClassPoolBenchmarks.Message>());
        // Room for both threads' bursts, so that neither pool creates objects in steady state.
        _defaultBursts = new DefaultObjectPool<ClassPoolBenchmarks.Message>(new DefaultPooledObjectPolicy<ClassPoolBenchmarks.Message>(), 2 * Burst);
        _arenaBursts = new ArenaObjectPool<ClassPoolBenchmarks.Message>(new DefaultPooledObjectPolicy<ClassPoolBenchmarks.Message>(), 2 * Burst);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _arena.Dispose();
        _arenaBursts.Dispose();
    }

    // Baseline: the stock pool with the same generated policy.
    [Benchmark(Baseline = true, OperationsPerInvoke = Ops, Description = "DefaultObjectPool")]
    public int DefaultPairs() => Run(new DefaultLoop(_default));

    [Benchmark(OperationsPerInvoke = Ops, Description = "ArenaObjectPool")]
    public int ArenaPairs() => Run(new ArenaLoop(_arena));

    // Bursts: each thread gets Burst objects, then returns them all, so most of each burst
    // passes through the shared overflow (a thread keeps 1 + LocalStackSize itself).
    [Benchmark(OperationsPerInvoke = Ops, Description = "DefaultObjectPool, bursts of 32")]
    public int DefaultBursts() => Run(new DefaultBurstLoop(_defaultBursts));

    [Benchmark(OperationsPerInvoke = Ops, Description = "ArenaObjectPool, bursts of 32")]
    public int ArenaBursts() => Run(new ArenaBurstLoop(_arenaBursts));

    private const int Burst = 32;

    private static int Run<TLoop>(TLoop loop) where TLoop : struct, IAction
    {
        ParallelHelper.For(0, 2, in loop, minimumActionsPerThread: 1);
        return PairsPerThread;
    }

    /// <summary>Through the sealed type, as generated code's <c>T.Pool</c> exposes it.</summary>
    private readonly struct ArenaLoop(ArenaObjectPool<ClassPoolBenchmarks.Message> pool) : IAction
    {
        public void Invoke(int _)
        {
            for (int i = 0; i < PairsPerThread; i++) pool.Return(pool.Get());
        }
    }

    private readonly struct ArenaBurstLoop(ArenaObjectPool<ClassPoolBenchmarks.Message> pool) : IAction
    {
        public void Invoke(int _)
        {
            var held = new ClassPoolBenchmarks.Message[Burst];
            for (int i = 0; i < PairsPerThread; i += Burst)
            {
                for (int k = 0; k < Burst; k++) held[k] = pool.Get();
                for (int k = 0; k < Burst; k++) pool.Return(held[k]);
            }
        }
    }

    private readonly struct DefaultBurstLoop(DefaultObjectPool<ClassPoolBenchmarks.Message> pool) : IAction
    {
        public void Invoke(int _)
        {
            var held = new ClassPoolBenchmarks.Message[Burst];
            for (int i = 0; i < PairsPerThread; i += Burst)
            {
                for (int k = 0; k < Burst; k++) held[k] = pool.Get();
                for (int k = 0; k < Burst; k++) pool.Return(held[k]);
            }
        }
    }

    /// <summary>Through the stock pool's own type.</summary>
    private readonly struct DefaultLoop(DefaultObjectPool<ClassPoolBenchmarks.Message> pool) : IAction
    {
        public void Invoke(int _)
        {
            for (int i = 0; i < PairsPerThread; i++) pool.Return(pool.Get());
        }
    }
}
