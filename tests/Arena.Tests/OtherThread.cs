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
}
