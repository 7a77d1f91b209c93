using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Arena.Generators.Models;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Arena.Generators.Parsing;

/// <summary>Symbols to models: the generator's first stage.</summary>
internal static class ArenaTypeParser
{
    /// <summary>The model of one <c>[ArenaType]</c> struct, or null when it cannot be generated (the analyzers say why).</summary>
    public static ArenaTypeModel? Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        if (context.TargetSymbol is not INamedTypeSymbol { TypeKind: TypeKind.Struct } type) return null;
        return Parse(type, cancellationToken);
    }

    public static ArenaTypeModel? Parse(INamedTypeSymbol type, CancellationToken cancellationToken)
    {
        if (ArenaTypeShape.Check(type, out _) != ShapeProblem.None) return null;

        var containing = new List<ContainingTypeModel>();
        for (INamedTypeSymbol? c = type.ContainingType; c is not null; c = c.ContainingType)
            containing.Insert(0, new ContainingTypeModel(ArenaTypeShape.Keyword(c), c.Name));

        string ns = type.ContainingNamespace is { IsGlobalNamespace: false } n ? n.ToDisplayString() : "";
        string fullName = KnownNames.FullName(type);
        LayoutModel layout = ToModel(new LayoutCalculator(cancellationToken).ForArenaType(type, null));

        return new ArenaTypeModel(
            ns,
            new EquatableArray<ContainingTypeModel>(containing.ToArray()),
            type.Name,
            fullName,
            fullName + ".g.cs",
            layout,
            TypeIds.Of(fullName),
            new EquatableArray<PointerPropertyModel>(Properties(type).ToArray()),
            IsModuleVisible(type));
    }

    private static bool IsModuleVisible(INamedTypeSymbol type)
    {
        for (INamedTypeSymbol? t = type; t is not null; t = t.ContainingType)
        {
            if (t.DeclaredAccessibility is not (Accessibility.Public or Accessibility.Internal or Accessibility.ProtectedOrInternal))
                return false;
        }
        return true;
    }

    private static LayoutModel ToModel(LayoutInfo layout)
    {
        if (!layout.IsKnown)
            return new LayoutModel(false, 0, 0, 0, EquatableArray<ulong>.Empty);
        int words = layout.PointerOffsets.Length == 0 ? 0 : layout.PointerOffsets[layout.PointerOffsets.Length - 1] / 8 / 64 + 1;
        var map = new ulong[words];
        foreach (int offset in layout.PointerOffsets)
        {
            int word = offset / 8;
            map[word / 64] |= 1UL << (word % 64);
        }
        return new LayoutModel(true, layout.Size, layout.Alignment, GoSizeClasses.For(layout.Size, layout.Alignment), new EquatableArray<ulong>(map));
    }

    /// <summary>The properties to generate: one per private instance <c>Ptr&lt;U&gt;</c> field whose name maps to a free one.</summary>
    private static IEnumerable<PointerPropertyModel> Properties(INamedTypeSymbol type)
    {
        var taken = new HashSet<string>(type.MemberNames);
        foreach (IFieldSymbol field in LayoutCalculator.InstanceFields(type))
        {
            if (field.IsImplicitlyDeclared || field.DeclaredAccessibility != Accessibility.Private || !KnownNames.IsPtr(field.Type))
                continue;
            string? name = PropertyName(field.Name);
            if (name is null || !taken.Add(name)) continue;
            yield return new PointerPropertyModel(
                Escape(field.Name),
                name,
                field.Type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat),
                field.IsReadOnly || type.IsReadOnly);
        }
    }

    /// <summary><c>left</c>, <c>_left</c> and <c>m_left</c> give <c>Left</c>; null when no distinct name results.</summary>
    public static string? PropertyName(string fieldName)
    {
        string trimmed = fieldName.StartsWith("m_", System.StringComparison.Ordinal) ? fieldName.Substring(2) : fieldName.TrimStart('_');
        if (trimmed.Length == 0) return null;
        string name = char.ToUpperInvariant(trimmed[0]) + trimmed.Substring(1);
        return name == fieldName || SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None ? null : name;
    }

    private static string Escape(string name) => SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None ? "@" + name : name;
}
