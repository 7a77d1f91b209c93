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

    private delegate void CentralTest(Central central, PageHeap pages, CacheBlock* one, CacheBlock* two);

    /// <summary>Runs <paramref name="test"/> on a central of <paramref name="shards"/> shards over a fresh page heap, with two cache blocks standing for two threads; frees them all after.</summary>
    private static void WithCentral(int shards, CentralTest test, SlabKind kind = SlabKind.Manual)
    {
        PageHeap pages = NewPageHeap();
        CacheBlock* one = NewBlock(), two = NewBlock();
        try
        {
            test(new Central(pages, SizeClass, kind, shards), pages, one, two);
        }
        finally
        {
            pages.DisposeAll();
            NativeMemory.Free(one);
            NativeMemory.Free(two);
        }
    }

    /// <summary>Sets the first <paramref name="marked"/> objects of <paramref name="s"/> marked (reached), the rest not.</summary>
    private static void Mark(Slab* s, int marked)
    {
        for (int w = 0; w < s->Words; w++)
        {
            int inWord = Math.Clamp(marked - w * 64, 0, 64);
            s->MarkBits[w] = inWord == 64 ? ~0UL : (1UL << inWord) - 1;
        }
    }

    /// <summary>
    /// <paramref name="count"/> slabs taken by the two caches in turn, alternately in shards 0 and
    /// 1, used up and given back: all on their shard's Full list.
    /// </summary>
    private static nint[] UseUp(Central central, int count, CacheBlock* one, CacheBlock* two)
    {
        var slabs = new nint[count];
        for (int i = 0; i < count; i++)
        {
            Slab* s = central.Acquire((nint)(i % 2 == 0 ? one : two), shard: i % 2);
            Take(s);
            central.Release(s);
            Assert.Equal(SlabState.Full, s->State);
            slabs[i] = (nint)s;
        }
        return slabs;
    }

    /// <summary>Sweeps every shard of <paramref name="central"/> as a non-generational cycle does; returns the objects freed and the bytes kept.</summary>
    private static (long Freed, long LiveBytes) SweepAll(Central central, bool keepMarks = false, bool minor = false)
    {
        long freed = 0, live = 0;
        for (int i = 0; i < central.ShardCount; i++) freed += central.SweepShard(i, keepMarks, minor, keepEmpty: false, ref live);
        return (freed, live);
    }

    /// <summary>Takes <paramref name="count"/> objects of <paramref name="s"/>, or all when negative.</summary>
    private static void Take(Slab* s, int count = -1)
    {
        for (int i = 0; count < 0 || i < count; i++)
            if (s->TakeNext() < 0) break;
    }

    [Fact]
    public void Exchange_hands_out_another_partial_slab_and_files_the_exhausted_one_on_full() => WithCentral(1, (central, pages, one, two) =>
    {
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
    });

    [Fact]
    public void Exchange_does_not_hand_a_nearly_full_slab_straight_back_to_the_thread_that_gave_it_up() => WithCentral(1, (central, pages, one, two) =>
    {
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
    });

    [Fact]
    public void A_slab_goes_back_to_the_shard_of_the_cache_that_took_it_and_that_shard_hands_it_out_first() => WithCentral(4, (central, pages, one, two) =>
    {
        Slab* a = central.Acquire((nint)one, shard: 1);
        Slab* b = central.Acquire((nint)two, shard: 2);
        Assert.Equal(1, a->Shard);
        Assert.Equal(2, b->Shard);
        Take(a, 10);
        Take(b, 10);
        central.Release(a);                           // partial, in shard 1
        central.Release(b);                           // partial, in shard 2
        central.AssertValid();

        Slab* again = central.Acquire((nint)two, shard: 2);
        Assert.True(again == b, "shard 2 hands out its own partial slab, not shard 1's");
        Slab* other = central.Acquire((nint)one, shard: 1);
        Assert.True(other == a, "and shard 1 its own");
        central.AssertValid();
    });

    [Fact]
    public void A_shard_without_partial_slabs_takes_another_shards_before_new_pages_and_keeps_it() => WithCentral(4, (central, pages, one, two) =>
    {
        Slab* a = central.Acquire((nint)one, shard: 3);
        Take(a, 10);
        central.Release(a);                           // partial, in shard 3
        long inuse = pages.InuseBytes;

        Slab* stolen = central.Acquire((nint)two, shard: 0);
        Assert.True(stolen == a, "the partial slab of shard 3, not a new one");
        Assert.Equal(inuse, pages.InuseBytes);
        Assert.Equal(0, stolen->Shard);               // it now belongs to the thief's shard
        Take(stolen);
        Slab* next = central.Exchange(stolen, (nint)two, shard: 0);
        Assert.True(next != stolen);
        Assert.Equal(SlabState.Full, stolen->State);
        central.AssertValid();                        // filed Full in shard 0 (AssertValid checks the shard)
        Assert.Equal(0, stolen->Shard);
    });

    [Fact]
    public void A_remote_free_into_a_full_slab_moves_it_to_the_partial_list_of_its_own_shard() => WithCentral(4, (central, pages, one, two) =>
    {
        Slab* a = central.Acquire((nint)one, shard: 2);
        Take(a);
        Slab* next = central.Exchange(a, (nint)one, shard: 2);   // a: Full, in shard 2
        Assert.Equal(SlabState.Full, a->State);

        Interlocked.Or(ref a->RemoteBits[0], 1UL);     // another thread frees object 0 ...
        central.OnRemoteFreeIntoFull(a);              // ... and sees the slab Full
        Assert.Equal(SlabState.Partial, a->State);
        Assert.Equal(2, a->Shard);
        central.AssertValid();

        Take(next);
        Slab* after = central.Exchange(next, (nint)one, shard: 2);
        Assert.True(after == a, "shard 2's partial list has it");
        Assert.Equal(0, after->TakeNext());           // the freed object
    });

    [Fact]
    public void Exchange_files_the_exhausted_slab_in_its_own_shard_when_the_caller_names_another() => WithCentral(4, (central, pages, one, two) =>
    {
        Slab* a = central.Acquire((nint)one, shard: 1);
        Take(a);
        Slab* next = central.Exchange(a, (nint)one, shard: 2);
        Assert.True(next != a);
        Assert.Equal(2, next->Shard);
        Assert.Equal(SlabState.Full, a->State);
        Assert.Equal(1, a->Shard);                        // filed Full in shard 1, where it came from
        Interlocked.Or(ref a->RemoteBits[0], 1UL);
        central.OnRemoteFreeIntoFull(a);                  // found on shard 1's Full list
        Assert.Equal(SlabState.Partial, a->State);
        central.AssertValid();
        Slab* again = central.Acquire((nint)two, shard: 1);
        Assert.True(again == a, "shard 1's partial list has it");
        Assert.Equal(0, again->TakeNext());
    });

    [Fact]
    public void The_sweep_finds_every_full_slab_of_a_collected_class_cycle_after_cycle() => WithCentral(2, (central, pages, one, two) =>
    {
        // Eight slabs used up by two caches, alternately in the two shards: all full, filed in the
        // array a collected class keeps its full slabs in (Central's FullOrder), which the sweep reads.
        nint[] slabs = UseUp(central, 8, one, two);
        Slab* At(int i) => (Slab*)slabs[i];
        int n = At(0)->NElems;
        int inUse = pages.DescriptorsInUse;

        // First cycle: two slabs die whole, four stay full (two in each shard), two keep some objects.
        int[] marks = [0, n, n / 2, 0, n, 1, n, n];
        for (int i = 0; i < slabs.Length; i++) Mark(At(i), marks[i]);
        var (freed, liveBytes) = SweepAll(central);
        Assert.Equal(8L * n - marks.Sum(), freed);
        Assert.Equal(marks.Sum() * 16L, liveBytes);
        Assert.Equal(inUse - 2, pages.DescriptorsInUse);
        foreach (int i in new[] { 1, 4, 6, 7 })
        {
            Assert.Equal(SlabState.Full, At(i)->State);
            Assert.Equal(n, At(i)->AllocCount);
        }
        foreach (int i in new[] { 2, 5 })
        {
            Assert.Equal(SlabState.Partial, At(i)->State);
            Assert.Equal(marks[i], At(i)->AllocCount);
        }
        central.AssertValid();

        // Second cycle: the slabs the first one filed on Full are found again, from the array
        // it filled while it read the other: one in each shard dies now, as do the partial ones.
        foreach (int i in new[] { 1, 6 }) Mark(At(i), n);
        foreach (int i in new[] { 2, 4, 5, 7 }) Mark(At(i), 0);
        (freed, liveBytes) = SweepAll(central);
        Assert.Equal(2L * n + n / 2 + 1, freed);
        Assert.Equal(2L * n * 16, liveBytes);
        Assert.Equal(inUse - 6, pages.DescriptorsInUse);
        foreach (int i in new[] { 1, 6 }) Assert.Equal(SlabState.Full, At(i)->State);
        central.AssertValid();

        // Third: the last two die, and nothing is left to sweep.
        foreach (int i in new[] { 1, 6 }) Mark(At(i), 0);
        (freed, liveBytes) = SweepAll(central);
        Assert.Equal(2L * n, freed);
        Assert.Equal(0, liveBytes);
        Assert.Equal(inUse - 8, pages.DescriptorsInUse);
        Assert.Equal((0L, 0L), SweepAll(central));
    }, SlabKind.Collected);

    [Fact]
    public void A_generational_sweep_files_full_survivors_as_old_and_only_a_full_sweep_reads_them_again() => WithCentral(2, (central, pages, one, two) =>
    {
        nint[] slabs = UseUp(central, 4, one, two);
        Slab* At(int i) => (Slab*)slabs[i];
        int n = At(0)->NElems;
        int inUse = pages.DescriptorsInUse;
        long Sweep(bool minor, out long live)
        {
            (long freed, live) = SweepAll(central, keepMarks: true, minor);
            return freed;
        }

        // A minor sweep: two slabs survive whole (old, on OldFull), one in part, one dies.
        int[] marks = [n, n, n / 2, 0];
        for (int i = 0; i < slabs.Length; i++) Mark(At(i), marks[i]);
        Assert.Equal(n + (n - n / 2), Sweep(minor: true, out long live));
        Assert.Equal((2L * n + n / 2) * 16, live);
        Assert.Equal(inUse - 1, pages.DescriptorsInUse);
        foreach (int i in new[] { 0, 1 }) Assert.True(At(i)->State == SlabState.Full && At(i)->HasOld, "a full slab of survivors is filed as old");
        central.AssertValid();

        // The next minor sweep counts the old slabs without reading them: marks kept, nothing freed.
        Assert.Equal(0, Sweep(minor: true, out live));
        Assert.Equal((2L * n + n / 2) * 16, live);

        // A full sweep reads them again: with their marks cleared, as a full cycle clears
        // them before it marks, they die.
        foreach (int i in new[] { 0, 1, 2 }) Mark(At(i), 0);
        Assert.Equal(2L * n + n / 2, Sweep(minor: false, out live));
        Assert.Equal(0, live);
        Assert.Equal(inUse - 4, pages.DescriptorsInUse);
        Assert.Equal(0, Sweep(minor: false, out live));
    }, SlabKind.Collected);
}
