using System.Collections.Immutable;

namespace Arena.Generators.Parsing;

/// <summary>
/// The computed layout of one type, on a 64-bit process. Lives only inside parsing and
/// analysis: the generator's pipeline carries <see cref="Models.LayoutModel"/> instead.
/// </summary>
internal sealed class LayoutInfo
{
    /// <summary>True when size, alignment and pointer offsets are known at build time.</summary>
    public bool IsKnown { get; init; }
    public int Size { get; init; }
    public int Alignment { get; init; }
    /// <summary>Byte offsets of the <c>Ptr&lt;U&gt;</c> words, ascending (known layouts only).</summary>
    public ImmutableArray<int> PointerOffsets { get; init; } = ImmutableArray<int>.Empty;
    /// <summary>True when the type holds a <c>Ptr&lt;U&gt;</c> anywhere, known layout or not.</summary>
    public bool HasPointers { get; init; }
    /// <summary>True when the type holds a managed reference.</summary>
    public bool IsManaged { get; init; }
    /// <summary>For an unknown layout, the type that made it unknown.</summary>
    public string? UnknownBecause { get; init; }
    /// <summary>Pointers placed unsoundly inside the type (overlapped by other fields).</summary>
    public ImmutableArray<string> PointerOverlaps { get; init; } = ImmutableArray<string>.Empty;

    public static LayoutInfo Leaf(int size, int alignment) => new() { IsKnown = true, Size = size, Alignment = alignment };

    public static readonly LayoutInfo Pointer = new()
    {
        IsKnown = true, Size = 8, Alignment = 8, PointerOffsets = ImmutableArray.Create(0), HasPointers = true,
    };

    public static LayoutInfo Unknown(string because, bool hasPointers, bool isManaged)
        => new() { IsKnown = false, Size = 0, Alignment = 1, UnknownBecause = because, HasPointers = hasPointers, IsManaged = isManaged };
}
