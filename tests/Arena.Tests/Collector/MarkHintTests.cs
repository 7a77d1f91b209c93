namespace Arena.Tests.Collector;

/// <summary>
/// The mark loop's chunk and slab hints must never outlive the memory they describe. A hint
/// kept from an earlier cycle can name a chunk descriptor that was freed (the chunk went back
/// to the OS) and reused, for instance by another heap's chunk; trusting it would let one
/// heap's collector mark another heap's objects.
/// </summary>
public unsafe class MarkHintTests
{
    [Fact]
    public void A_collection_never_marks_another_heaps_objects_through_a_hint_from_an_earlier_cycle()
    {
        for (int attempt = 0; attempt < 20; attempt++)
        {
            using var a = new Heap(new HeapOptions { RetainedBytes = 0, MarkWorkers = 1 });
            // 1. A root into a fresh chunk of A: the root marking's hint is that chunk.
            Root<GcNode> root;
            using (a.Scope()) root = a.Root(a.New<GcNode>());
            a.Collect();
            // 2. Drop it: the sweep empties the chunk, which goes back to the OS with its descriptor.
            root.Dispose();
            a.Collect();
            a.Trim();
            // 3. Another heap takes a chunk now: its descriptor may reuse the freed one.
            using var b = new Heap(new HeapOptions { MarkWorkers = 1 });
            Ptr<GcNode> foreign;
            using (b.Scope())
            {
                foreign = b.New<GcNode>();
                foreign.Value.Canary = 42;
            }
            // 4. A's scope memory holds a word that points into B's chunk (scanned conservatively).
            using (Scope s = a.Scope())
            {
                Ptr<Ptr<GcNode>> slot = s.New<Ptr<GcNode>>();
                slot.Value = foreign;
                a.Collect();
            }
            // B's object is unreachable in B: B's collection must free it. A stray mark set by
            // A's collection would keep it alive.
            b.Collect();
            Assert.Equal(0, b.GetStats().HeapObjects);
        }
    }
}
