namespace Arena.Tests.Collector;

/// <summary>A collected node with two pointers, a canary and an id (32 bytes, class 4).</summary>
public struct GcNode : IArenaType<GcNode>
{
    private Ptr<GcNode> _left;
    private Ptr<GcNode> _right;
    public long Canary;
    public long Id;

    public Ptr<GcNode> Left { get => _left; set => _left = value; }
    public Ptr<GcNode> Right { get => _right; set => _right = value; }

    static ReadOnlySpan<ulong> IArenaType<GcNode>.PointerMap => [0b11];
}

/// <summary>A pointer-free collected payload.</summary>
public struct GcLeaf : IArenaType<GcLeaf>
{
    public long A, B;
    static ReadOnlySpan<ulong> IArenaType<GcLeaf>.PointerMap => [];
}

/// <summary>A 40 KiB object with a pointer in its last word: a large traced object.</summary>
public unsafe struct GcBig : IArenaType<GcBig>
{
    public fixed long Data[5119];
    private Ptr<GcNode> _tail;
    public Ptr<GcNode> Tail { get => _tail; set => _tail = value; }

    static ReadOnlySpan<ulong> IArenaType<GcBig>.PointerMap
    {
        get
        {
            var map = new ulong[80];
            map[79] = 1UL << 63;   // word 5119
            return map;
        }
    }
}

/// <summary>What generated code does for arena types: registers their pointer maps when the module loads.</summary>
internal static class GcTypesRegistration
{
    [System.Runtime.CompilerServices.ModuleInitializer]
    internal static void Register()
    {
        Arena.Collector.PointerMaps.Register<GcNode>([0b11]);
        var big = new ulong[80];
        big[79] = 1UL << 63;
        Arena.Collector.PointerMaps.Register<GcBig>(big);
    }
}
