using Microsoft.CodeAnalysis;

namespace Arena.Generators.Parsing;

/// <summary>What can be wrong with a field of an arena type.</summary>
internal enum FieldIssueKind
{
    /// <summary>A managed reference in the field (args: the path to it, its type).</summary>
    ManagedReference,
    /// <summary>A pointer word not at an 8-byte boundary (args: field, offset).</summary>
    MisalignedPointer,
    /// <summary>A pointer word overlapped by another field (args: description).</summary>
    OverlappedPointer,
    /// <summary>A field whose layout is unknown in a type that holds pointers (args: field, type).</summary>
    UnknownLayoutWithPointers,
    /// <summary>A <c>Ptr&lt;U&gt;</c> to a type with pointers that is not an arena type (args: field, U).</summary>
    PointerTargetNotArenaType,
}

/// <summary>One issue, located at a field of the arena type itself.</summary>
internal sealed record FieldIssue(FieldIssueKind Kind, IFieldSymbol Field, string Arg0, string Arg1);
