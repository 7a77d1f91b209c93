using System.Diagnostics;

namespace Arena.Benchmarks.Compare;

/// <summary>
/// The quick comparison's stopwatch: best of a few timed rounds after a warm-up round. It is
/// for a two-minute overview; the figures to publish come from the BenchmarkDotNet suites.
/// </summary>
internal static class Measure
{
    public static double BestNanosecondsPerOp(Func<long, long> body, long opsPerRound, int rounds)
    {
        long sink = body(Math.Max(1, opsPerRound / 10));  // warm-up: tiering, caches
        double best = double.MaxValue;
        for (int r = 0; r < rounds; r++)
        {
            long start = Stopwatch.GetTimestamp();
            sink += body(opsPerRound);
            double ns = Stopwatch.GetElapsedTime(start).TotalNanoseconds / opsPerRound;
            best = Math.Min(best, ns);
        }
        GC.KeepAlive(sink);
        return best;
    }
}
