using Arena.Pages;
using Arena.Slabs;

namespace Arena.Tests.Collector;

/// <summary>
/// A fresh slab taken by one type gets that type's pointer bits in every slot at once (its
/// stamp), so that allocating the type there writes no bits. Any other type allocated in the
/// slab, or an array, writes its own bits and clears the stamp.
/// </summary>
public unsafe class PointerStampTests
{
    private static Slab* SlabOf(void* p) => AddressMap.Lookup((nuint)p)->SlabOf((nuint)p);

    private static bool PointerBit(void* p, int word)
    {
        Chunk* c = AddressMap.Lookup((nuint)p);
        nuint bit = ((nuint)p - c->Base) / 8 + (nuint)word;
        return (c->PtrBits[bit >> 6] & (1UL << (int)(bit & 63))) != 0;
    }

    [Fact]
    public void A_fresh_slab_is_stamped_and_every_slot_holds_the_types_bits()
    {
        using var heap = new Heap();
        using var _ = heap.Scope();
        Ptr<GcNode> first = heap.New<GcNode>();
        Slab* s = SlabOf(first.Pointer);
        Assert.NotEqual(0, CollectedLayout<GcNode>.Stamp);
        Assert.Equal(CollectedLayout<GcNode>.Stamp, s->PtrStamp);
        for (int i = 0; i < s->NElems; i++)
        {
            void* slot = (void*)(s->Base + (nuint)i * s->ElemSize);
            Assert.True(PointerBit(slot, 0) && PointerBit(slot, 1) && !PointerBit(slot, 2) && !PointerBit(slot, 3), $"slot {i}");
        }
    }

    [Fact]
    public void Another_type_in_a_stamped_slab_writes_its_bits_and_clears_the_stamp()
    {
        using var heap = new Heap();
        using var _ = heap.Scope();
        Ptr<GcNode> node = heap.New<GcNode>();
        Slab* s = SlabOf(node.Pointer);
        Ptr<GcTailNode> tail = heap.New<GcTailNode>();            // same size class, same slab
        Assert.True(SlabOf(tail.Pointer) == s);
        Assert.Equal(0, s->PtrStamp);
        Assert.False(PointerBit(tail.Pointer, 0) || PointerBit(tail.Pointer, 1) || PointerBit(tail.Pointer, 2));
        Assert.True(PointerBit(tail.Pointer, 3));
        Ptr<GcNode> again = heap.New<GcNode>();                   // bits written again, one by one
        Assert.True(PointerBit(again.Pointer, 0) && PointerBit(again.Pointer, 1) && !PointerBit(again.Pointer, 3));
    }

    [Fact]
    public void An_array_in_a_stamped_slab_clears_the_stamp()
    {
        using var heap = new Heap();
        using var _ = heap.Scope();
        Ptr<GcNode> node = heap.New<GcNode>();
        Slab* s = SlabOf(node.Pointer);
        Ptr<GcNode> array = heap.NewArray<GcNode>(1);             // 32 bytes: the same slab class
        Assert.True(SlabOf(array.Pointer) == s);
        Assert.Equal(0, s->PtrStamp);
    }

    [Fact]
    public void Two_types_sharing_slabs_keep_everything_they_point_to_through_collections()
    {
        using var heap = new Heap();
        using var _ = heap.Scope();
        var rng = new Random(7);
        // A chain alternating the two layouts at random: node.Left -> tail, tail.Next -> node.
        Ptr<GcNode> head = heap.New<GcNode>();
        head.Value.Id = 0;
        head.Value.Canary = Canary(0);
        using Root<GcNode> root = heap.Root(head);
        Ptr<GcNode> last = head;
        long id = 1;
        for (int round = 0; round < 6; round++)
        {
            for (int i = 0; i < 3000; i++)
            {
                Ptr<GcTailNode> t = heap.New<GcTailNode>();
                t.Value.Id = id;
                t.Value.Canary = Canary(id++);
                last.Value.Left = new Ptr<GcNode>((GcNode*)t.Pointer);   // the link's type is only a word here
                Ptr<GcNode> n = heap.New<GcNode>();
                n.Value.Id = id;
                n.Value.Canary = Canary(id++);
                t.Value.Next = n;
                last = n;
                for (int g = rng.Next(0, 4); g > 0; g--) { if (rng.Next(2) == 0) heap.New<GcNode>(); else heap.New<GcTailNode>(); }
            }
            heap.Collect();
        }
        long k = 0;
        for (Ptr<GcNode> n = root.Target; ; )
        {
            Assert.Equal(k, n.Value.Id);
            Assert.Equal(Canary(k++), n.Value.Canary);
            if (n.Value.Left.IsNull) break;
            var t = new Ptr<GcTailNode>((GcTailNode*)n.Value.Left.Pointer);
            Assert.Equal(k, t.Value.Id);
            Assert.Equal(Canary(k++), t.Value.Canary);
            n = t.Value.Next;
        }
        Assert.Equal(id, k);
        Assert.Equal(id, heap.GetStats().HeapObjects);
    }

    private static long Canary(long id) => id * 0x2545F4914F6CDD1DL ^ 0x1234567;
}
