namespace Arena.Tests.Types;

/// <summary>
/// Generated pointer properties and the write barrier. The barrier's flag is process-wide,
/// so every test that turns it on lives in this class (xunit runs one class's tests one at a time).
/// </summary>
public unsafe class GeneratedPropertyTests
{
    [Fact]
    public void Properties_read_and_write_the_private_fields()
    {
        using var heap = new Heap();
        Ptr<Node> root = heap.Alloc<Node>();
        Ptr<Node> a = heap.Alloc<Node>(), b = heap.Alloc<Node>();
        root.Value.Left = a;
        root.Value.Right = b;
        root.Value.Item = 7;
        Assert.Equal(a, root.Value.Left);
        Assert.Equal(b, root.Value.Right);
        // the property wrote the field the pointer map describes: words 0 and 1
        Assert.Equal(a.Address, *(nint*)root.Pointer);
        Assert.Equal(b.Address, ((nint*)root.Pointer)[1]);
        heap.Free(a);
        heap.Free(b);
        heap.Free(root);
    }

    [Fact]
    public void Prefixed_and_readonly_fields_get_properties()
    {
        var deep = new Container.Middle.Deep();
        var other = new Ptr<Container.Middle.Deep>((Container.Middle.Deep*)0x1000);
        deep.Next = other;
        deep.Prev = new Ptr<Node>((Node*)0x2000);
        Assert.Equal(other, deep.Next);
        Assert.Equal(0x2000, deep.Prev.Address);
        var target = new Ptr<Node>((Node*)0x3000);
        Assert.Equal(target, new ReadOnlyPointer(target).Target);
        Assert.Equal(target, new FrozenNode(target, 5).Next);
        Assert.Null(typeof(ReadOnlyPointer).GetProperty(nameof(ReadOnlyPointer.Target))!.SetMethod);
    }

    [Fact]
    public void Heap_New_uses_the_generated_class_and_zeroes()
    {
        using var heap = new Heap();
        using var mutator = heap.Scope();
        Ptr<Primitives> p = heap.New<Primitives>();
        Assert.Equal(default, p.Value);
        Assert.Equal(0, p.Address % 8);
        HeapStats s = heap.GetStats();
        Assert.Equal(1, s.BySize[Info.SizeClassOf<Primitives>()].Mallocs);
        Ptr<Large> big = heap.New<Large>();
        Assert.Equal(1, heap.GetStats().BySize[0].Mallocs);
        heap.Collect();                                   // neither is rooted: both are collected
        Assert.Equal(0, heap.GetStats().HeapObjects);
        Assert.Equal(2, heap.GetStats().Frees);
    }

    [Fact]
    public void The_slow_path_runs_only_while_marking_and_still_stores()
    {
        var calls = new List<(nint Old, nint New)>();
        var node = new Node();
        var first = new Ptr<Node>((Node*)0x1000);
        var second = new Ptr<Node>((Node*)0x2000);
        try
        {
            // The hook is process-wide: record this thread's stores only, not those of tests
            // running in parallel while the flag is on.
            int me = Environment.CurrentManagedThreadId;
            WriteBarrier.s_shade = (o, n) => { if (Environment.CurrentManagedThreadId == me) calls.Add((o, n)); };
            node.Left = first;
            Assert.Empty(calls);
            Assert.False(WriteBarrier.IsMarking);

            WriteBarrier.SetMarking(true);
            Assert.True(WriteBarrier.IsMarking);
            node.Left = second;
            node.Right = first;
            Assert.Equal([(0x1000, 0x2000), (0, 0x1000)], calls);
            Assert.Equal(second, node.Left);
            Assert.Equal(first, node.Right);
        }
        finally
        {
            WriteBarrier.SetMarking(false);
            WriteBarrier.s_shade = null;
        }
        node.Left = first;
        Assert.Equal(2, calls.Count);
        Assert.Equal(first, node.Left);
    }

    [Fact]
    public void Write_stores_without_a_hook_while_marking()
    {
        var slot = Ptr<Node>.Null;
        try
        {
            WriteBarrier.SetMarking(true);
            WriteBarrier.Write(ref slot, new Ptr<Node>((Node*)0x4000));
        }
        finally
        {
            WriteBarrier.SetMarking(false);
        }
        Assert.Equal(0x4000, slot.Address);
    }

    private static class Info
    {
        public static int SizeClassOf<T>() where T : unmanaged, IArenaType<T> => T.SizeClass;
    }
}
