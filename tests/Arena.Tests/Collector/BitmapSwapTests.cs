using System.Numerics;
using Arena.Pages;
using Arena.Slabs;

namespace Arena.Tests.Collector;

/// <summary>
/// The sweep's bitmap swap (Go's design 12800): a slab's marks become its alloc bits by a swap
/// of two pointers, and the old alloc bits, cleared by the sweep kernel, are the next cycle's
/// marks. A generational heap keeps its marks, so it copies them instead and swaps nothing.
/// </summary>
public unsafe class BitmapSwapTests
{
    private static Slab* SlabOf(void* p) => AddressMap.Lookup((nuint)p)->SlabOf((nuint)p);

    private static long Canary(long id) => id * unchecked((long)0x9E3779B97F4A7C15UL);

    /// <summary>
    /// Fills one slab of nodes in a scope and roots every third one, as a list. Returns the
    /// nodes in slot order, their slab and the list's root.
    /// </summary>
    private static Ptr<GcNode>[] FillOneSlab(Heap heap, out Slab* slab, out Root<GcNode> root)
    {
        using (heap.Scope())
        {
            Ptr<GcNode>[] nodes = FillOneSlab(heap, out Ptr<GcNode> head);
            root = heap.Root(head);
            slab = SlabOf(nodes[0].Pointer);
            return nodes;
        }
    }

    private static Ptr<GcNode>[] FillOneSlab(Heap heap, out Ptr<GcNode> head)
    {
        Ptr<GcNode> first = heap.New<GcNode>();
        Slab* s = SlabOf(first.Pointer);
        var nodes = new Ptr<GcNode>[s->NElems];
        nodes[s->ObjectIndex((nuint)first.Pointer)] = first;
        for (int i = 1; i < s->NElems; i++)
        {
            Ptr<GcNode> n = heap.New<GcNode>();
            Assert.True(SlabOf(n.Pointer) == s, "a fresh slab hands out its slots in order");
            nodes[s->ObjectIndex((nuint)n.Pointer)] = n;
        }
        head = Ptr<GcNode>.Null;
        for (int i = nodes.Length - 1; i >= 0; i--)
        {
            nodes[i].Value.Id = i;
            nodes[i].Value.Canary = Canary(i);
            if (i % 3 != 0) continue;
            nodes[i].Value.Left = head;
            head = nodes[i];
        }
        return nodes;
    }

    private static void AssertKeptEveryThird(Slab* s, Ptr<GcNode>[] nodes)
    {
        for (int i = 0; i < nodes.Length; i++)
        {
            bool set = (s->AllocBits[i >> 6] & (1UL << i)) != 0;
            Assert.True(set == (i % 3 == 0), $"slot {i}: allocated {set}");
            if (i % 3 == 0) Assert.Equal(Canary(i), nodes[i].Value.Canary);
        }
        int tail = s->NElems & 63;
        if (tail != 0) Assert.Equal(~0UL << tail, s->AllocBits[s->Words - 1] & (~0UL << tail));
        Assert.Equal((nodes.Length + 2) / 3, s->AllocCount);
    }

    [Fact]
    public void A_sweep_swaps_the_bitmaps_so_the_marks_become_the_alloc_bits_and_the_next_marks_start_clear()
    {
        using var heap = new Heap();
        Ptr<GcNode>[] nodes = FillOneSlab(heap, out Slab* s, out Root<GcNode> root);
        using (root)
        {
            ulong* allocBefore = s->AllocBits, marksBefore = s->MarkBits;
            Assert.True(allocBefore != marksBefore);

            heap.Collect();
            Assert.True(s->AllocBits == marksBefore && s->MarkBits == allocBefore, "the pointers are swapped, nothing copied");
            for (int w = 0; w < s->Words; w++) Assert.Equal(0UL, s->MarkBits[w]);
            AssertKeptEveryThird(s, nodes);

            // The next cycle marks into the cleared bitmap and swaps back.
            heap.Collect();
            Assert.True(s->AllocBits == allocBefore && s->MarkBits == marksBefore, "swapped back");
            for (int w = 0; w < s->Words; w++) Assert.Equal(0UL, s->MarkBits[w]);
            AssertKeptEveryThird(s, nodes);

            // The freed slots are handed out again, and only those.
            using (heap.Scope())
            {
                int freed = nodes.Length - (nodes.Length + 2) / 3;
                var reused = new HashSet<int>();
                for (int k = 0; k < freed; k++)
                {
                    Ptr<GcNode> n = heap.New<GcNode>();
                    if (SlabOf(n.Pointer) != s) continue;
                    int idx = s->ObjectIndex((nuint)n.Pointer);
                    Assert.True(idx % 3 != 0, $"slot {idx} holds a live node");
                    Assert.True(reused.Add(idx));
                    n.Value.Canary = -1;
                }
                Assert.Equal(freed, reused.Count);
            }
            int kept = 0;
            for (Ptr<GcNode> n = root.Target; !n.IsNull; n = n.Value.Left, kept++)
                Assert.Equal(Canary(n.Value.Id), n.Value.Canary);
            Assert.Equal((nodes.Length + 2) / 3, kept);
        }
    }

    [Fact]
    public void A_generational_sweep_copies_the_marks_into_the_alloc_bits_and_keeps_them()
    {
        using var heap = new Heap(new HeapOptions { Generational = true });
        Ptr<GcNode>[] nodes = FillOneSlab(heap, out Slab* s, out Root<GcNode> root);
        using (root)
        {
            ulong* allocBefore = s->AllocBits, marksBefore = s->MarkBits;
            heap.Collect();
            Assert.True(s->AllocBits == allocBefore && s->MarkBits == marksBefore, "nothing swapped");
            AssertKeptEveryThird(s, nodes);
            int words = s->Words, tail = s->NElems & 63;
            for (int w = 0; w < words; w++)
            {
                ulong alloc = s->AllocBits[w];
                if (w == words - 1 && tail != 0) alloc &= ~(~0UL << tail);
                Assert.Equal(alloc, s->MarkBits[w]);
            }
            Assert.Equal((nodes.Length + 2) / 3, Enumerable.Range(0, words).Sum(w => BitOperations.PopCount(s->MarkBits[w])));
        }
    }
}
