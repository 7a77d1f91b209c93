namespace Arena.Tests.Scopes;

/// <summary>A warm open-allocate-dispose loop takes no chunk from the page heap and no managed bytes.</summary>
public unsafe class ScopeAllocationTests
{
    private struct Node { public Ptr<Node> Left, Right; }

    private static void Round(Heap heap)
    {
        using var scope = heap.Scope();
        for (int i = 0; i < 3000; i++) scope.New<Node>().Value.Left = Ptr<Node>.Null;   // 48 KB: four chunks
        using (var inner = heap.Scope())
        {
            inner.New<Node>();
            inner.NewArray<long>(100);
            inner.NewSpan<int>(50)[49] = 1;
        }
        scope.NewArray<byte>(300_000)[0].Value = 1;   // a large run, freed with the scope
    }

    [Fact]
    public void Steady_loop_allocates_no_managed_bytes_and_no_new_chunks()
    {
        using var heap = new Heap();
        for (int i = 0; i < 100; i++) Round(heap);   // warm: frames, chunks, JIT
        HeapStats before = heap.GetStats();
        long managed = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10_000; i++) Round(heap);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - managed;
        HeapStats after = heap.GetStats();
        Assert.Equal(0, allocated);
        Assert.Equal(before.StackSys, after.StackSys);
        Assert.Equal(before.HeapInuse, after.HeapInuse);
        Assert.Equal(before.HeapSys, after.HeapSys);
        Assert.Equal(before.ScopesOpened + 20_000, after.ScopesOpened);
    }
}
