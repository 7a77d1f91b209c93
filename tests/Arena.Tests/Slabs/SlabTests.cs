using System.Numerics;
using Arena.Caches;
using Arena.Pages;
using Arena.SizeClasses;
using Arena.Slabs;

namespace Arena.Tests.Slabs;

public unsafe class SlabTests
{
    private static void WithSlab(int sizeClass, Action<nint> body)
    {
        var ph = new PageHeap(2_000_000 + Random.Shared.Next(1000), 0, 0);
        try
        {
            Slab* s = ph.AllocSlab(SizeClassTable.SlabPages[sizeClass], 0);
            s->InitSmall(sizeClass, SlabKind.Manual);
            body((nint)s);
        }
        finally { ph.DisposeAll(); }
    }

    [Theory]
    [InlineData(1)]   // 1024 objects: every bitmap word
    [InlineData(3)]   // 341 objects: a partial last word
    [InlineData(48)]  // 5 objects over 4 pages
    [InlineData(67)]  // one 32 KiB object
    public void TakeNext_hands_out_every_object_once_in_order_then_reports_exhaustion(int sizeClass) => WithSlab(sizeClass, p =>
    {
        Slab* s = (Slab*)p;
        for (int i = 0; i < s->NElems; i++) Assert.Equal(i, s->TakeNext());
        Assert.Equal(-1, s->TakeNext());
        Assert.Equal(s->NElems, s->AllocCount);
        s->AssertValid();
    });

    [Theory]
    [InlineData(1, 0)]
    [InlineData(1, 63)]
    [InlineData(1, 64)]
    [InlineData(1, 700)]
    [InlineData(3, 341)]  // a partial last word, every object handed out
    public void Fold_sets_exactly_the_bits_below_FreeIndex(int sizeClass, int handedOut) => WithSlab(sizeClass, p =>
    {
        // A collected slab's fast path hands objects out by FreeIndex without setting their
        // bits; objects a sweep left alive have their bits set anywhere in the slab.
        Slab* s = (Slab*)p;
        var rng = new Random(handedOut);
        var survivors = new HashSet<int>();
        for (int i = 0; i < s->NElems; i++)
            if (rng.Next(4) == 0) { survivors.Add(i); s->AllocBits[i >> 6] |= 1UL << i; }
        s->FreeIndex = handedOut;
        s->Fold(out _, out _);
        for (int i = 0; i < s->NElems; i++)
        {
            bool set = (s->AllocBits[i >> 6] & (1UL << i)) != 0;
            Assert.True(set == (i < handedOut || survivors.Contains(i)), $"object {i}: bit {set}, FreeIndex {handedOut}");
        }
        int tail = s->NElems & 63;
        if (tail != 0) Assert.Equal(~0UL << tail, s->AllocBits[s->NElems >> 6] & (~0UL << tail));   // past NElems: still set
    });

    [Fact]
    public void After_frees_a_rescan_finds_exactly_the_freed_objects() => WithSlab(2, p =>
    {
        Slab* s = (Slab*)p;
        while (s->TakeNext() >= 0) { }
        var rng = new Random(7);
        var freed = Enumerable.Range(0, s->NElems).Where(_ => rng.Next(3) == 0).ToHashSet();
        foreach (int i in freed) { s->AllocBits[i >> 6] &= ~(1UL << i); s->AllocCount--; }
        s->FreeIndex = 0;
        s->RefillCache();
        var again = new HashSet<int>();
        for (int i; (i = s->TakeNext()) >= 0;) again.Add(i);
        Assert.Equal(freed.OrderBy(x => x), again.OrderBy(x => x));
    });

    [Fact]
    public void Remote_frees_are_merged_once() => WithSlab(4, p =>
    {
        Slab* s = (Slab*)p;
        for (int i = 0; i < 100; i++) s->TakeNext();
        Interlocked.Or(ref s->RemoteBits[0], 0b1011UL);
        Interlocked.Or(ref s->RemoteBits[1], 1UL << 3);
        Assert.Equal(4, s->MergeRemoteFrees());
        Assert.Equal(96, s->AllocCount);
        Assert.Equal(0, s->MergeRemoteFrees());
        Assert.Equal(0UL, s->AllocBits[0] & 0b1011UL);
        s->AssertValid();
    });

    [Fact]
    public void Object_index_inverts_the_address_of_every_object_of_every_class()
    {
        for (int c = 1; c < SizeClassTable.Count; c++)
        {
            WithSlab(c, p =>
            {
                Slab* s = (Slab*)p;
                for (int i = 0; i < s->NElems; i++)
                {
                    nuint a = s->Base + (nuint)i * s->ElemSize;
                    Assert.Equal(i, s->ObjectIndex(a));
                    if (s->ElemSize > 8) Assert.Equal(i, s->ObjectIndex(a + s->ElemSize - 1));
                }
            });
        }
    }

    [Fact]
    public void Bits_past_the_last_object_stay_set()
        => WithSlab(3, p =>
        {
            Slab* s = (Slab*)p;
            int tail = s->Words * 64 - s->NElems;
            Assert.Equal(tail, BitOperations.PopCount(s->AllocBits[s->Words - 1]));
        });

    [Fact]
    public void Every_descriptor_is_aligned_so_its_bitmaps_start_cache_lines()
    {
        Assert.Equal(0, sizeof(Slab) % Slab.Alignment);
        var ph = new PageHeap(2_000_000 + Random.Shared.Next(1000), 0, 0);
        try
        {
            var slabs = new List<nint>();
            // More than one block of descriptors.
            for (int i = 0; i < 100; i++) slabs.Add((nint)ph.AllocSlab(SizeClassTable.SlabPages[1], 0));
            foreach (nint p in slabs)
            {
                Slab* s = (Slab*)p;
                Assert.Equal(0, (long)p % Slab.Alignment);
                foreach (ulong* bits in new[] { s->BitsA, s->BitsB, s->RemoteBits, s->GreyBits, s->OwnerFrees })
                    Assert.Equal(0, (long)bits % Slab.Alignment);
                Assert.Equal(Slab.BitsAOffset, (int)((byte*)s->BitsA - (byte*)s));   // the sweep prefetches these lines
                Assert.Equal(Slab.BitsBOffset, (int)((byte*)s->BitsB - (byte*)s));
                Assert.True((s->AllocBits == s->BitsA && s->MarkBits == s->BitsB) || (s->AllocBits == s->BitsB && s->MarkBits == s->BitsA));
            }
            Assert.Equal(0, (long)ThreadCache.EmptySlab % Slab.Alignment);
        }
        finally { ph.DisposeAll(); }
    }
}
