namespace Arena.Generators.Models;

/// <summary>A <c>[Pooled]</c> type as the pool emitter needs it: plain values only.</summary>
/// <param name="Namespace">The namespace, empty for the global one.</param>
/// <param name="ContainingDeclarations">Enclosing type declarations, outermost first (<c>partial class Outer</c>).</param>
/// <param name="Name">The type's simple name.</param>
/// <param name="FullName"><c>Ns.Outer.Type</c>.</param>
/// <param name="IsClass">A class pooled on Microsoft.Extensions.ObjectPool; else an arena struct on ArenaPool.</param>
/// <param name="Fields">For a class: its instance fields (and settable auto-properties) in declaration order.</param>
/// <param name="UserResets">For a class: it declares <c>partial void OnReset()</c>, the whole reset.</param>
internal sealed record PooledTypeModel(
    string Namespace,
    EquatableArray<string> ContainingDeclarations,
    string Name,
    string FullName,
    bool IsClass,
    EquatableArray<PooledFieldModel> Fields,
    bool UserResets);

/// <summary>A member the generated reset sets back to default, or keeps.</summary>
internal sealed record PooledFieldModel(string Name, bool Keep);
