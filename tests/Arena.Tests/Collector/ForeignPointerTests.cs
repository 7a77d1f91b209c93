using System.Runtime.InteropServices;

namespace Arena.Tests.Collector;

/// <summary>
/// Pointer words the collector must not follow into memory it does not own, and large
/// manual objects freed by hand, which stop being roots.
/// </summary>
public unsafe class ForeignPointerTests
{
    [Fact]
    public void Large_manual_traced_objects_freed_by_hand_stop_being_roots_wherever_they_sit_in_the_list()
    {
        using var heap = new Heap(new HeapOptions { MarkWorkers = 1 });
        using var _ = heap.Scope();
        // Three manual 40 KiB objects with a pointer in their last word: roots, scanned whole.
        var bigs = new Ptr<GcBig>[3];
        for (int i = 0; i < bigs.Length; i++)
        {
            bigs[i] = heap.Alloc<GcBig>();
            bigs[i].Value.Tail = GcNodes.New(heap, i);
        }
        heap.Collect();
        Assert.Equal(6, heap.GetStats().HeapObjects);

        heap.Free(bigs[1]);                                // between the other two
        heap.Collect();
        Assert.Equal(4, heap.GetStats().HeapObjects);
        GcNodes.AssertIntact(bigs[0].Value.Tail, 0);
        GcNodes.AssertIntact(bigs[2].Value.Tail, 2);

        // A new large object may take the freed one's descriptor and pages.
        Ptr<GcBig> again = heap.Alloc<GcBig>();
        again.Value.Tail = GcNodes.New(heap, 3);
        GcNodes.Churn(heap, 1000);
        heap.Collect();
        Assert.Equal(6, heap.GetStats().HeapObjects);
        GcNodes.AssertIntact(again.Value.Tail, 3);

        heap.Free(again);                                  // the newest: the head of the list
        heap.Free(bigs[0]);                                // the oldest: its tail
        heap.Collect();
        Assert.Equal(2, heap.GetStats().HeapObjects);
        GcNodes.AssertIntact(bigs[2].Value.Tail, 2);
        heap.Free(bigs[2]);
        heap.Collect();
        Assert.Equal(0, heap.GetStats().HeapObjects);
        Assert.Equal(0, heap.GetStats().HeapInuse - heap.GetStats().StackInuse);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Pointers_into_memory_the_collector_does_not_own_keep_nothing_and_change_nothing(int workers)
    {
        using var heap = new Heap(new HeapOptions { MarkWorkers = workers });
        using var _ = heap.Scope();
        // Bait: an unrooted node. Only a word the collector wrongly scans can keep it.
        Ptr<GcNode> bait = GcNodes.New(heap, 99);
        nuint baitWord = (nuint)bait.Address;

        // 1. Native memory full of words that point at the bait.
        const int nativeWords = 64;
        nuint* native = (nuint*)NativeMemory.AlignedAlloc(nativeWords * 8, 64);
        try
        {
            for (int i = 0; i < nativeWords; i++) native[i] = baitWord;
            // 2. A manual object of this heap freed by hand: a stale pointer into a manual slab,
            //    which the manual object kept beside it holds on to.
            Ptr<GcNode> manualKept = heap.Alloc<GcNode>();
            Ptr<GcNode> manual = heap.Alloc<GcNode>();
            nint manualAddress = manual.Address;
            heap.Free(manual);
            heap.Trim();                                             // the free is counted once the slab leaves the thread
            // 3. A large collected array, unrooted, whose last page's slack past its end holds
            //    the bait's address: a pointer past its end must neither keep it nor scan it.
            Ptr<GcNode> array = heap.NewArray<GcNode>(1100);          // 35,200 B in 40 KiB of pages
            nuint pastEnd = (nuint)array.Address + 1100 * 32;
            *(nuint*)(pastEnd + 64) = baitWord;

            Ptr<GcNode> holder = GcNodes.New(heap, 1);
            holder.Value.Left = new Ptr<GcNode>((GcNode*)(native + 8));
            holder.Value.Right = new Ptr<GcNode>((GcNode*)manualAddress);
            Ptr<GcNode> holder2 = GcNodes.New(heap, 2);
            holder2.Value.Left = new Ptr<GcNode>((GcNode*)(pastEnd + 64));
            using Root<GcNode> r1 = heap.Root(holder);
            using Root<GcNode> r2 = heap.Root(holder2);
            bait = Ptr<GcNode>.Null;
            array = Ptr<GcNode>.Null;

            heap.Collect();
            Assert.Equal(3, heap.GetStats().HeapObjects);           // the holders and manualKept: no bait, no array
            GcNodes.AssertIntact(holder, 1);
            GcNodes.AssertIntact(holder2, 2);
            for (int i = 0; i < nativeWords; i++) Assert.Equal(baitWord, native[i]);

            // 4. Pointers into that array's pages, free now: no slab owns them. (Once new objects
            //    take those pages, the stale pointer keeps whichever object is there, as any
            //    pointer into it would.)
            heap.Collect();
            Assert.Equal(3, heap.GetStats().HeapObjects);
            GcNodes.AssertIntact(holder, 1);
            GcNodes.AssertIntact(holder2, 2);
            heap.Free(manualKept);
        }
        finally { NativeMemory.AlignedFree(native); }
    }
}
