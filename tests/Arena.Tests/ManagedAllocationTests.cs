namespace Arena.Tests;

/// <summary>The common allocation and free allocate nothing on the .NET GC heap.</summary>
public unsafe class ManagedAllocationTests
{
    [Fact]
    public void A_warm_alloc_free_loop_allocates_no_managed_memory()
    {
        using var heap = new Heap();
        void* keep = heap.Alloc(32);
        // Warm everything the measured loop calls (JIT, cache, slabs, and TypeLayout<Guid>'s
        // static constructor, which unoptimized code runs at first use, not at compile time).
        for (int i = 0; i < 10_000; i++)
        {
            heap.Free(heap.Alloc(32));
            heap.Free(heap.Alloc<Guid>());
        }
        for (int i = 0; i < 1000; i++) heap.Free(heap.Alloc(100_000));
        Assert.Equal(0, ManagedBytes.OfWarmLoop(() =>
        {
            for (int i = 0; i < 1_000_000; i++)
            {
                heap.Free(heap.Alloc(32));
                heap.Free(heap.Alloc<Guid>());
            }
            for (int i = 0; i < 1000; i++) heap.Free(heap.Alloc(100_000));
        }));
        heap.Free(keep);
    }
}
