using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Arena.Tests.Types;

// A matrix of [ArenaType] shapes. The generator computes each layout at build time;
// ArenaTypeLayoutTests checks it against the runtime's.

[ArenaType]
public partial struct Node
{
    private Ptr<Node> left;
    private Ptr<Node> right;
    public int Item;
}

[ArenaType]
public partial struct Primitives
{
    public byte A;
    private Ptr<Node> p;
    public short B;
    private Ptr<Node> q;
    public int C;
    public long D;
    public float E;
    public double F;
    public sbyte G;
    public ushort H;
    public uint I;
    public ulong J;
    public nint K;
    public nuint L;
    private Ptr<Node> r;
}

[ArenaType]
public partial struct BoolChar
{
    public bool A;
    public char B;
    public bool C;
    private Ptr<Node> p;
    public char D;
}

[ArenaType]
public partial struct WithDecimal
{
    public byte A;
    public decimal D;
    private Ptr<Node> p;
    public bool B;
}

public enum SmallEnum : byte { A, B }
public enum BigEnum : long { A, B }

[ArenaType]
public partial struct WithEnums
{
    public SmallEnum S;
    private Ptr<Node> p;
    public BigEnum B;
    public SmallEnum S2;
}

[ArenaType]
public partial struct Inner
{
    public int X;
    private Ptr<Node> p;
}

public struct PlainInner
{
    public short A;
    public Ptr<Node> P;
    public byte B;
}

[ArenaType]
public partial struct Outer
{
    public byte B;
    public Inner I;
    private Ptr<Node> q;
    public Inner J;
#pragma warning disable ARENA013 // a plain struct with a pointer, kept to check its place in the map
    public PlainInner K;
#pragma warning restore ARENA013
}

[ArenaType]
public partial struct HoldsNode
{
    public int A;
    public Node N;
    private Ptr<HoldsNode> self;
}

[StructLayout(LayoutKind.Sequential, Pack = 4)]
[ArenaType]
public partial struct Packed4
{
    public int A;
    public long B;
    public byte C;
}

[StructLayout(LayoutKind.Sequential, Pack = 1)]
[ArenaType]
public partial struct Packed1
{
    public byte A;
    public int B;
    public long C;
    public short D;
}

[StructLayout(LayoutKind.Sequential, Pack = 2)]
public struct Packed2Inner
{
    public byte A;
    public long B;
}

[ArenaType]
public partial struct HoldsPacked
{
    public byte A;
    public Packed2Inner P;
    private Ptr<Node> q;
}

[StructLayout(LayoutKind.Sequential, Size = 40)]
[ArenaType]
public partial struct SizedSequential
{
    public int A;
    private Ptr<Node> p;
}

[StructLayout(LayoutKind.Explicit)]
[ArenaType]
public partial struct Union
{
    [FieldOffset(0)] public long L;
    [FieldOffset(0)] public double D;
    [FieldOffset(8)] private Ptr<Node> p;
    [FieldOffset(16)] public byte B;
    [FieldOffset(24)] private Ptr<Node> q;
}

[StructLayout(LayoutKind.Explicit, Size = 48)]
[ArenaType]
public partial struct SizedExplicit
{
    [FieldOffset(2)] public short S;
    [FieldOffset(16)] private Ptr<Node> p;
}

[StructLayout(LayoutKind.Explicit)]
[ArenaType]
public partial struct ExplicitOdd
{
    [FieldOffset(0)] public byte A;
    [FieldOffset(3)] public int B;
}

[ArenaType]
public unsafe partial struct FixedBuffers
{
    public fixed byte Name[13];
    private Ptr<Node> p;
    public fixed long Words[3];
    public fixed char Chars[5];
}

[InlineArray(4)]
public struct PtrBuffer4
{
    private Ptr<Node> _element;
}

[InlineArray(3)]
public struct InnerBuffer3
{
    private Inner _element;
}

[ArenaType]
public partial struct WithBuffers
{
    public int N;
    public PtrBuffer4 Pointers;
    public InnerBuffer3 Inners;
}

[InlineArray(70)]
public struct PtrBuffer70
{
    private Ptr<Node> _element;
}

[ArenaType]
public partial struct ManyPointers
{
    public long Header;
    public PtrBuffer70 Pointers;
}

[ArenaType]
public partial struct Empty
{
}

[ArenaType]
public partial struct Wide
{
    public byte A;
    public Guid G;
    public Half H;
    public Int128 I;
    private Ptr<Node> p;
    public UInt128 U;
}

[ArenaType]
public unsafe partial struct Large
{
    public fixed byte Data[40000];
    private Ptr<Node> p;
}

[ArenaType]
public partial struct Class5Aligned
{
    public Int128 A;
    public Int128 B;
    public Int128 C;
}

[ArenaType]
public partial struct UnknownLayout
{
    public DateTime When;
    public int X;
}

[ArenaType]
public unsafe partial struct RawPointers
{
    public int* Raw;
    public delegate*<void> Function;
    private Ptr<Node> p;
}

public partial class Container
{
    public partial struct Middle
    {
        [ArenaType]
        public partial struct Deep
        {
            private Ptr<Deep> _next;
            private Ptr<Node> m_prev;
            public int Value;
        }
    }
}

[ArenaType]
public partial struct ReadOnlyPointer
{
    private readonly Ptr<Node> target;
    public int X;

    public ReadOnlyPointer(Ptr<Node> target)
    {
        this.target = target;
        X = 1;
    }
}

[ArenaType]
public readonly partial struct FrozenNode
{
    private readonly Ptr<Node> next;
    public readonly long Value;

    public FrozenNode(Ptr<Node> next, long value)
    {
        this.next = next;
        Value = value;
    }
}

[StructLayout(LayoutKind.Explicit, Pack = 1)]
[ArenaType]
public partial struct ExplicitPack1
{
    [FieldOffset(0)] public long A;
    [FieldOffset(8)] public byte B;
}

[StructLayout(LayoutKind.Explicit)]
[ArenaType]
public partial struct ExplicitInner
{
    [FieldOffset(0)] public int A;
    [FieldOffset(6)] public short B;
    [FieldOffset(16)] private Ptr<Node> p;
}

public struct EmptyInner
{
}

public enum ShortEnum : short { A }

[InlineArray(5)]
public struct Bytes5
{
    private byte _element;
}

[StructLayout(LayoutKind.Sequential, Size = 4)]
public struct SizedTooSmall
{
    public long A;
    public byte B;
}

[ArenaType]
public partial struct Mixed
{
    public bool A;
    public EmptyInner E;
    public ShortEnum S;
    public Bytes5 Five;
    public ExplicitInner X;
    public SizedTooSmall T;
    public bool Last;
    private Ptr<Mixed> tail;
}

[ArenaType]
public partial struct OnlyBools
{
    public bool A, B, C;
}

[StructLayout(LayoutKind.Sequential, Size = 13)]
[ArenaType]
public partial struct SizedUnpadded
{
    public long A;
    public byte B;
}

[StructLayout(LayoutKind.Explicit, Size = 4)]
[ArenaType]
public partial struct ExplicitSizeTooSmall
{
    [FieldOffset(0)] public long A;
    [FieldOffset(8)] public byte B;
}

[StructLayout(LayoutKind.Explicit)]
[ArenaType]
public partial struct PointerUnion
{
    [FieldOffset(0)] private Ptr<Node> node;
    [FieldOffset(0)] private Ptr<Inner> inner;
    [FieldOffset(8)] public int Tag;
    [FieldOffset(16)] private Ptr<Node> other;
}
