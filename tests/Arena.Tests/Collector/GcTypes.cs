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
