namespace Arena.Tests.Pools;

/// <summary>Heaps for tests of unchecked mode (the pools' caches, unchecked scopes and stores).</summary>
internal static class PoolTestHeaps
{
    /// <summary>
    /// A heap in unchecked mode, for tests of the per-thread caches (checked mode bypasses them
    /// and tracks every object under a lock instead). Fails with the reason when
    /// <c>ARENA_CHECKED=1</c> forces checked mode on every heap.
    /// </summary>
    /// <param name="about">What the test is about, for the failure message.</param>
    public static Heap Unchecked(string about = "the per-thread caches, which checked mode bypasses")
    {
        var heap = new Heap();
        if (heap.Checked)
        {
            heap.Dispose();
            Assert.Fail($"This test is about {about}: run it without ARENA_CHECKED=1.");
        }
        return heap;
    }
}
