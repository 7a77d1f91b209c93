namespace Arena.Tests.Types;

/// <summary>Build-time figures written out by hand for a few shapes, so a generator and runtime that agree on a wrong answer still fail.</summary>
public class ArenaTypeFactsTests
{
    [Fact]
    public void Node_is_24_bytes_class_3_with_two_pointer_words()
    {
        Assert.Equal(24, Info<Node>.Size);
        Assert.Equal(8, Info<Node>.Alignment);
        Assert.Equal(3, Info<Node>.SizeClass);
        Assert.Equal([0b11UL], Info<Node>.Map);
        Assert.Equal("Arena.Tests.Types.Node", Info<Node>.Name);
    }

    [Fact]
    public void Packed_and_explicit_layouts_have_their_declared_sizes()
    {
        Assert.Equal((16, 4), (Info<Packed4>.Size, Info<Packed4>.Alignment));
        Assert.Equal((15, 1), (Info<Packed1>.Size, Info<Packed1>.Alignment));
        Assert.Equal(40, Info<SizedSequential>.Size);
        Assert.Equal(48, Info<SizedExplicit>.Size);
        // with an explicit Size, CoreCLR does not pad to the alignment: max(Size, end of fields)
        Assert.Equal((13, 8), (Info<SizedUnpadded>.Size, Info<SizedUnpadded>.Alignment));
        Assert.Equal(9, Info<ExplicitSizeTooSmall>.Size);
        Assert.Equal([0b1010UL], Info<Union>.Map);
        Assert.Equal(8, Info<ExplicitOdd>.Size);
    }

    [Fact]
    public void Nested_structs_and_buffers_contribute_their_pointers()
    {
        // N (int) + 4 pointers at words 1..4 + 3 Inner (16 bytes, pointer in the 2nd word) at words 5..10
        Assert.Equal([0b10101011110UL], Info<WithBuffers>.Map);
        // a header word, then 70 pointer words: bits 1..70 across two map words
        Assert.Equal([~1UL, 0b1111111UL], Info<ManyPointers>.Map);
        Assert.Equal(568, Info<ManyPointers>.Size);
    }

    [Fact]
    public void Empty_large_and_over_aligned_types_get_their_classes()
    {
        Assert.Equal((1, 1, 1), (Info<Empty>.Size, Info<Empty>.Alignment, Info<Empty>.SizeClass));
        Assert.Equal((40008, 0), (Info<Large>.Size, Info<Large>.SizeClass));
        // 48 bytes at 16-byte alignment: class 5 (48 bytes, offsets aligned to 16)
        Assert.Equal((48, 16, 5), (Info<Class5Aligned>.Size, Info<Class5Aligned>.Alignment, Info<Class5Aligned>.SizeClass));
        Assert.Empty(Info<UnknownLayout>.Map);
    }

    [Fact]
    public void Type_ids_are_fnv1a_of_the_name_and_distinct()
    {
        Assert.Equal(ArenaLayout.TypeIdOf("Arena.Tests.Types.Container.Middle.Deep"), Info<Container.Middle.Deep>.TypeId);
        Assert.NotEqual(Info<Node>.TypeId, Info<Inner>.TypeId);
        // FNV-1a 64 of the empty string is the offset basis
        Assert.Equal(14695981039346656037UL, ArenaLayout.TypeIdOf(""));
    }

    private static class Info<T> where T : unmanaged, IArenaType<T>
    {
        public static int Size => T.Size;
        public static int Alignment => T.Alignment;
        public static int SizeClass => T.SizeClass;
        public static ulong TypeId => T.TypeId;
        public static string Name => T.Name;
        public static ulong[] Map => T.PointerMap.ToArray();
    }
}
