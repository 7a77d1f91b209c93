using System.Runtime.InteropServices;
using Arena.Caches;
using Arena.Pages;
using Arena.Slabs;

namespace Arena.Tests.Caches;

/// <summary>A size class's central lists: a thread cache's refill (Exchange) against Release then Acquire.</summary>
public unsafe class CentralTests
{
    private const int SizeClass = 2;   // 16-byte objects: 512 to an 8 KiB slab

    private static PageHeap NewPageHeap() => new(heapId: 2_000_000 + Random.Shared.Next(1000), 0, 0);

    /// <summary>A zeroed cache block to stand for the owning thread (Fold counts into it).</summary>
    private static CacheBlock* NewBlock() => (CacheBlock*)NativeMemory.AllocZeroed((nuint)sizeof(CacheBlock));

    /// <summary>Takes <paramref name="count"/> objects of <paramref name="s"/>, or all when negative.</summary>
    private static void Take(Slab* s, int count = -1)
    {
        for (int i = 0; count < 0 || i < count; i++)
            if (s->TakeNext() < 0) break;
    }

    [Fact]
    public void Exchange_hands_out_another_partial_slab_and_files_the_exhausted_one_on_full()
    {
        PageHeap pages = NewPageHeap();
        CacheBlock* one = NewBlock(), two = NewBlock();
        try
        {
            var central = new Central(pages, SizeClass, SlabKind.Manual);
            Slab* a = central.Acquire((nint)one);
            Slab* b = central.Acquire((nint)two);
            Assert.True(a != b);
            Take(b, 100);
            central.Release(b);                           // partial: 412 free objects
            Take(a);                                      // used up

            Slab* next = central.Exchange(a, (nint)one);
            Assert.True(next == b, "the partial slab comes back");
            Assert.Equal((nint)one, b->Owner);
            Assert.Equal(SlabState.Cached, b->State);
            Assert.Equal(SlabState.Full, a->State);
            Assert.Equal(0, a->Owner);
            Assert.Equal(100, next->AllocCount);
            Assert.Equal(100, next->TakeNext());          // the first free object of b
            central.AssertValid();
        }
        finally
        {
            pages.DisposeAll();
            NativeMemory.Free(one);
            NativeMemory.Free(two);
        }
    }

    [Fact]
    public void Exchange_does_not_hand_a_nearly_full_slab_straight_back_to_the_thread_that_gave_it_up()
    {
        PageHeap pages = NewPageHeap();
        CacheBlock* one = NewBlock();
        try
        {
            var central = new Central(pages, SizeClass, SlabKind.Manual);
            Slab* a = central.Acquire((nint)one);
            Take(a, 510);                                  // two left: the cache gives it up all the same

            Slab* next = central.Exchange(a, (nint)one);
            Assert.True(next != a, "a fresh slab, not the one just given up");
            Assert.Equal(0, next->AllocCount);
            Assert.Equal(SlabState.Partial, a->State);     // its two objects wait for the next Acquire

            Take(next);
            Slab* after = central.Exchange(next, (nint)one);
            Assert.True(after == a, "the partial slab is taken before the exhausted one is filed");
            Assert.Equal(510, after->TakeNext());
            central.AssertValid();
        }
        finally
        {
            pages.DisposeAll();
            NativeMemory.Free(one);
        }
    }
}
