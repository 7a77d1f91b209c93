namespace Arena.Generators.Models;

/// <summary>
/// Everything the emitter needs to write one arena type, as plain values: no symbols,
/// syntax or compilation, so equal inputs give equal models and the pipeline caches them.
/// </summary>
/// <param name="Namespace">The namespace, empty for the global one.</param>
/// <param name="ContainingTypes">Enclosing types, outermost first.</param>
/// <param name="Name">The struct's simple name.</param>
/// <param name="FullName">Namespace-qualified name with enclosing types (<c>Ns.Outer.Node</c>).</param>
/// <param name="HintName">The generated file's name.</param>
/// <param name="Layout">Size, alignment, size class and pointer map.</param>
/// <param name="TypeId">FNV-1a 64 of <paramref name="FullName"/>.</param>
/// <param name="Properties">One per private pointer field that gets a property.</param>
/// <param name="IsModuleVisible">
/// True when the type and every enclosing type are visible to the whole assembly (public or
/// internal), so a module initializer may name it to register its pointer map.
/// </param>
internal sealed record ArenaTypeModel(
    string Namespace,
    EquatableArray<ContainingTypeModel> ContainingTypes,
    string Name,
    string FullName,
    string HintName,
    LayoutModel Layout,
    ulong TypeId,
    EquatableArray<PointerPropertyModel> Properties,
    bool IsModuleVisible);

/// <summary>An enclosing type: its declaration keyword(s) and name.</summary>
internal sealed record ContainingTypeModel(string Keyword, string Name);

/// <summary>
/// The layout. When <paramref name="IsKnown"/> is false the size, alignment and class are
/// left to the runtime (a field's layout is not known at build time) and the type has no
/// pointers (the analyzer rejects pointers it cannot place).
/// </summary>
internal sealed record LayoutModel(bool IsKnown, int Size, int Alignment, int SizeClass, EquatableArray<ulong> PointerMap);

/// <summary>A generated property over a private <c>Ptr&lt;U&gt;</c> field.</summary>
/// <param name="FieldName">The field as declared (escaped if a keyword).</param>
/// <param name="PropertyName">The property's name.</param>
/// <param name="TypeName">The fully qualified pointer type.</param>
/// <param name="IsReadOnly">True for a readonly field: getter only.</param>
internal sealed record PointerPropertyModel(string FieldName, string PropertyName, string TypeName, bool IsReadOnly);
