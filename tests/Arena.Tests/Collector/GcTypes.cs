namespace Arena.Tests.Collector;

/// <summary>A collected node with two pointers, a canary and an id (32 bytes, class 4).</summary>
[ArenaType]
public partial struct GcNode
{
    private Ptr<GcNode> _left;
    private Ptr<GcNode> _right;
    public long Canary;
    public long Id;
}

/// <summary>A pointer-free collected payload.</summary>
[ArenaType]
public partial struct GcLeaf
{
    public long A, B;
}

/// <summary>A 40 KiB object with a pointer in its last word: a large traced object.</summary>
[ArenaType]
public unsafe partial struct GcBig
{
    public fixed long Data[5119];
    private Ptr<GcNode> _tail;
}

/// <summary>A 32-byte collected node like <see cref="GcNode"/> in size class, with its pointer in the last word instead of the first two.</summary>
[ArenaType]
public partial struct GcTailNode
{
    public long Canary;
    public long Id;
    public long Spare;
    private Ptr<GcNode> _next;
}

/// <summary>An 8-byte traced object: one pointer and nothing else.</summary>
[ArenaType]
public partial struct GcLink
{
    private Ptr<GcNode> _to;
}

/// <summary>Nodes with an id and a canary derived from it, for tests that check what a collection kept.</summary>
internal static class GcNodes
{
    public static Ptr<GcNode> New(Heap heap, long id)
    {
        Ptr<GcNode> n = heap.New<GcNode>();
        n.Value.Id = id;
        n.Value.Canary = Canary(id);
        return n;
    }

    public static long Canary(long id) => id * unchecked((long)0x9E3779B97F4A7C15UL) ^ 0x5bd1e995;

    /// <summary>The node is there and holds its id and canary.</summary>
    public static void AssertIntact(Ptr<GcNode> n, long id)
    {
        Assert.False(n.IsNull);
        Assert.Equal(id, n.Value.Id);
        Assert.Equal(Canary(id), n.Value.Canary);
    }

    /// <summary>Allocates <paramref name="count"/> garbage nodes: they reuse any freed slot of the class and overwrite it.</summary>
    public static void Churn(Heap heap, int count)
    {
        for (int i = 0; i < count; i++) New(heap, -1);
    }
}

/// <summary>A 48-byte traced object (size class 48) with its pointer in its last word.</summary>
[ArenaType]
public unsafe partial struct GcFull48
{
    public fixed long Data[5];
    private Ptr<GcNode> _last;
}

/// <summary>A 40-byte traced object, in the size class of <see cref="GcFull48"/>, with its pointer in its first word: the slot's last word is not its own.</summary>
[ArenaType]
public unsafe partial struct GcMid
{
    private Ptr<GcNode> _first;
    public fixed long Data[4];
}
