using Microsoft.CodeAnalysis;

namespace Arena.Generators.Diagnostics;

/// <summary>
/// Every diagnostic of the arena-type analyzers, ids ARENA001 to ARENA099. Ids never change
/// meaning; new ones are added at the end and listed in AnalyzerReleases.Unshipped.md.
/// Errors where the code would be unsound, warnings where it is only unwise.
/// </summary>
public static class DiagnosticDescriptors
{
    private const string Usage = "Arena.Usage";
    private const string Layout = "Arena.Layout";

    /// <summary>ARENA001: an [ArenaType] struct that is not partial.</summary>
    public static readonly DiagnosticDescriptor NotPartial = new(
        "ARENA001",
        "Arena type must be partial",
        "The arena type '{0}' must be declared partial so that its type information can be generated",
        Usage, DiagnosticSeverity.Error, isEnabledByDefault: true);

    /// <summary>ARENA002: an [ArenaType] struct nested in a type that is not partial.</summary>
    public static readonly DiagnosticDescriptor ContainingTypeNotPartial = new(
        "ARENA002",
        "Type containing an arena type must be partial",
        "The type '{0}' contains the arena type '{1}' and must be declared partial",
        Usage, DiagnosticSeverity.Error, isEnabledByDefault: true);

    /// <summary>ARENA003: a generic [ArenaType] struct, or one nested in a generic type.</summary>
    public static readonly DiagnosticDescriptor Generic = new(
        "ARENA003",
        "Arena type cannot be generic",
        "The arena type '{0}' is generic or nested in a generic type; its layout and type id must be known at build time, so declare one struct per instantiation",
        Usage, DiagnosticSeverity.Error, isEnabledByDefault: true);

    /// <summary>ARENA004: [ArenaType] on a ref struct or a record struct.</summary>
    public static readonly DiagnosticDescriptor NotPlainStruct = new(
        "ARENA004",
        "Arena type must be a plain struct",
        "[ArenaType] cannot be applied to the {1} '{0}'; declare it as a 'partial struct'",
        Usage, DiagnosticSeverity.Error, isEnabledByDefault: true);

    /// <summary>ARENA005: a managed reference inside an arena type, directly or in a nested struct.</summary>
    public static readonly DiagnosticDescriptor ManagedReference = new(
        "ARENA005",
        "Arena type holds a managed reference",
        "The field '{0}' of arena type '{1}' holds a managed reference ('{2}' of type '{3}'); arena memory is unmanaged and invisible to the .NET garbage collector",
        Layout, DiagnosticSeverity.Error, isEnabledByDefault: true);

    /// <summary>ARENA006: a Ptr field that is not private.</summary>
    public static readonly DiagnosticDescriptor PointerFieldNotPrivate = new(
        "ARENA006",
        "Pointer field should be private",
        "The pointer field '{0}' is {1}; make it private so that writes go through the generated property and its write barrier",
        Usage, DiagnosticSeverity.Warning, isEnabledByDefault: true);

    /// <summary>ARENA007: a write to a Ptr field that bypasses its generated property.</summary>
    public static readonly DiagnosticDescriptor WriteBypassesBarrier = new(
        "ARENA007",
        "Pointer field written outside its property",
        "This write to the pointer field '{0}' bypasses the write barrier; assign the property '{1}' instead",
        Usage, DiagnosticSeverity.Warning, isEnabledByDefault: true);

    /// <summary>ARENA008: a Ptr&lt;U&gt; field whose target has pointers but is not an arena type.</summary>
    public static readonly DiagnosticDescriptor PointerTargetNotArenaType = new(
        "ARENA008",
        "Pointer target with pointers must be an arena type",
        "The field '{0}' points to '{1}', which holds pointers but is not an arena type; mark '{1}' with [ArenaType] so that its pointers are known",
        Layout, DiagnosticSeverity.Error, isEnabledByDefault: true);

    /// <summary>ARENA009: a pointer word not aligned to 8 bytes (Pack or FieldOffset).</summary>
    public static readonly DiagnosticDescriptor MisalignedPointer = new(
        "ARENA009",
        "Pointer is not 8-byte aligned",
        "The pointer in field '{0}' is at byte {1}, not a multiple of 8; the pointer map has one bit per 8-byte word, so check Pack and FieldOffset",
        Layout, DiagnosticSeverity.Error, isEnabledByDefault: true);

    /// <summary>ARENA010: a field overlapping a pointer word (explicit layout).</summary>
    public static readonly DiagnosticDescriptor OverlappedPointer = new(
        "ARENA010",
        "Pointer overlaps another field",
        "{0}; a pointer cannot share its bytes with another field",
        Layout, DiagnosticSeverity.Error, isEnabledByDefault: true);

    /// <summary>ARENA011: a field of unknown layout in an arena type that holds pointers.</summary>
    public static readonly DiagnosticDescriptor UnknownLayoutWithPointers = new(
        "ARENA011",
        "Pointer map cannot be computed",
        "The layout of field '{0}' (type '{1}') is not known at build time, so the pointer map of '{2}' cannot be computed; use a struct declared in this project, or keep pointers out of this type",
        Layout, DiagnosticSeverity.Error, isEnabledByDefault: true);

    /// <summary>ARENA012: a private Ptr field whose property name is not available.</summary>
    public static readonly DiagnosticDescriptor NoPropertyName = new(
        "ARENA012",
        "No property generated for pointer field",
        "No property is generated for the pointer field '{0}': {1}; rename the field (for example 'next' gives 'Next')",
        Usage, DiagnosticSeverity.Warning, isEnabledByDefault: true);

    /// <summary>ARENA013: a struct embedded by value whose pointer fields have no barrier property.</summary>
    public static readonly DiagnosticDescriptor EmbeddedPointersWithoutBarrier = new(
        "ARENA013",
        "Embedded struct has pointers without a barrier property",
        "The field '{0}' embeds '{1}', whose pointer field '{2}' has no generated property, so writes to it bypass the write barrier; mark '{1}' with [ArenaType] and make the field private",
        Usage, DiagnosticSeverity.Warning, isEnabledByDefault: true);

    private const string Pools = "Arena.Pools";

    /// <summary>ARENA020: a [Pooled] type that is not partial.</summary>
    public static readonly DiagnosticDescriptor PooledNotPartial = new(
        "ARENA020",
        "Pooled type must be partial",
        "The pooled type '{0}' must be declared partial so that its pool (and reset) can be generated",
        Pools, DiagnosticSeverity.Error, isEnabledByDefault: true);

    /// <summary>ARENA021: a [Pooled] type nested in a type that is not partial.</summary>
    public static readonly DiagnosticDescriptor PooledContainingTypeNotPartial = new(
        "ARENA021",
        "Type containing a pooled type must be partial",
        "The type '{0}' contains the pooled type '{1}' and must be declared partial",
        Pools, DiagnosticSeverity.Error, isEnabledByDefault: true);

    /// <summary>ARENA022: a generic [Pooled] type, or one nested in a generic type.</summary>
    public static readonly DiagnosticDescriptor PooledGeneric = new(
        "ARENA022",
        "Pooled type cannot be generic",
        "The pooled type '{0}' is generic or nested in a generic type; declare one pooled type per instantiation",
        Pools, DiagnosticSeverity.Error, isEnabledByDefault: true);

    /// <summary>ARENA023: a [Pooled] type the assembly cannot name (private or protected nesting).</summary>
    public static readonly DiagnosticDescriptor PooledNotVisible = new(
        "ARENA023",
        "Pooled type must be visible to its assembly",
        "The pooled type '{0}' must be public or internal, and so must every type containing it, so that its pool can be registered for AddArenaPools",
        Pools, DiagnosticSeverity.Error, isEnabledByDefault: true);

    /// <summary>ARENA024: a [Pooled] struct that is not an [ArenaType].</summary>
    public static readonly DiagnosticDescriptor PooledStructNotArenaType = new(
        "ARENA024",
        "Pooled struct must be an arena type",
        "The pooled struct '{0}' lives on the arena's slabs and must also be marked [ArenaType]",
        Pools, DiagnosticSeverity.Error, isEnabledByDefault: true);

    /// <summary>ARENA025: a [Pooled] class without a public parameterless constructor.</summary>
    public static readonly DiagnosticDescriptor PooledClassWithoutConstructor = new(
        "ARENA025",
        "Pooled class needs a public parameterless constructor",
        "The pooled class '{0}' needs a public parameterless constructor: its pool creates objects with new()",
        Pools, DiagnosticSeverity.Error, isEnabledByDefault: true);

    /// <summary>ARENA026: [Pooled] on a record, a ref struct, a static or an abstract class.</summary>
    public static readonly DiagnosticDescriptor PooledUnsupportedKind = new(
        "ARENA026",
        "Pooled type must be a plain class or struct",
        "[Pooled] cannot be applied to '{0}': use a concrete, non-record 'partial class' or an [ArenaType] 'partial struct'",
        Pools, DiagnosticSeverity.Error, isEnabledByDefault: true);
}
