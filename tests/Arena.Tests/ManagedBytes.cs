namespace Arena.Tests;

/// <summary>Managed bytes a warm loop allocates on the calling thread.</summary>
internal static class ManagedBytes
{
    /// <summary>
    /// Runs <paramref name="loop"/> and returns the managed bytes it allocated on this thread;
    /// when that is not zero, runs it again, up to three times in all, and returns the least.
    /// The runtime may allocate once on the thread while a loop runs (its methods reaching
    /// optimized code while the test suite loads the machine); a loop that allocates per
    /// operation allocates in every run.
    /// </summary>
    public static long OfWarmLoop(Action loop)
    {
        long least = long.MaxValue;
        for (int run = 0; run < 3 && least != 0; run++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            loop();
            least = Math.Min(least, GC.GetAllocatedBytesForCurrentThread() - before);
        }
        return least;
    }
}
