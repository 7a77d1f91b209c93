namespace Arena.Tests;

/// <summary>Runs test code on a thread of its own.</summary>
internal static class OtherThread
{
    /// <summary>Runs <paramref name="action"/> on a new thread, waits for it, and rethrows its failure as this test's.</summary>
    public static void Run(Action action)
    {
        Exception? failure = null;
        var t = new Thread(() => { try { action(); } catch (Exception e) { failure = e; } });
        t.Start();
        t.Join();
        if (failure != null) throw new Xunit.Sdk.XunitException($"on the other thread: {failure}");
    }

    /// <summary>Runs <paramref name="action"/> on <paramref name="count"/> new threads at once (each given its index), waits for all, and rethrows their failures as this test's.</summary>
    public static void RunAll(int count, Action<int> action)
    {
        var failures = new System.Collections.Concurrent.ConcurrentQueue<Exception>();
        var threads = Enumerable.Range(0, count).Select(i => new Thread(() =>
        {
            try { action(i); }
            catch (Exception e) { failures.Enqueue(e); }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        if (!failures.IsEmpty) throw new Xunit.Sdk.XunitException($"on {failures.Count} of {count} threads: {string.Join("\n", failures)}");
    }
}
