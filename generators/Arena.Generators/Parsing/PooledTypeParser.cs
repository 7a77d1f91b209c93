using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Arena.Generators.Models;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Arena.Generators.Parsing;

/// <summary>What is wrong with a <c>[Pooled]</c> type's shape, if anything.</summary>
internal enum PooledProblem
{
    None,
    NotPartial,
    ContainingTypeNotPartial,
    Generic,
    NotVisible,
    StructNotArenaType,
    NoPublicParameterlessConstructor,
    UnsupportedKind,
}

/// <summary>Symbols to <see cref="PooledTypeModel"/>s, and the shape checks the analyzer reports.</summary>
internal static class PooledTypeParser
{
    public const string PooledAttribute = "Arena.PooledAttribute";

    public static PooledTypeModel? Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        if (context.TargetSymbol is not INamedTypeSymbol type || Check(type, out _) != PooledProblem.None) return null;
        var containing = new List<string>();
        for (INamedTypeSymbol? c = type.ContainingType; c is not null; c = c.ContainingType)
            containing.Insert(0, "partial " + ArenaTypeShape.Keyword(c) + " " + c.Name);
        string ns = type.ContainingNamespace is { IsGlobalNamespace: false } n ? n.ToDisplayString() : "";
        bool isClass = type.TypeKind == TypeKind.Class;
        var fields = new List<PooledFieldModel>();
        bool userResets = false;
        if (isClass)
        {
            foreach (ISymbol member in type.GetMembers())
            {
                cancellationToken.ThrowIfCancellationRequested();
                switch (member)
                {
                    case IFieldSymbol { IsStatic: false, IsConst: false, IsImplicitlyDeclared: false } f:
                        fields.Add(new PooledFieldModel(Escape(f.Name), f.IsReadOnly || HasPoolKeep(f)));
                        break;
                    case IFieldSymbol { IsStatic: false, AssociatedSymbol: IPropertySymbol p }:
                        // an auto-property's backing field: reset through the property when it has a plain setter
                        bool settable = p.SetMethod is { IsInitOnly: false };
                        fields.Add(new PooledFieldModel(Escape(p.Name), !settable || HasPoolKeep(p)));
                        break;
                    case IMethodSymbol { Name: "OnReset", ReturnsVoid: true, Parameters.Length: 0, IsStatic: false }:
                        userResets = true;
                        break;
                }
            }
        }
        return new PooledTypeModel(ns, new EquatableArray<string>(containing.ToArray()), type.Name,
            KnownNames.FullName(type), isClass, new EquatableArray<PooledFieldModel>(fields.ToArray()), userResets);
    }

    /// <summary>The first problem of <paramref name="type"/>'s shape; <paramref name="offending"/> is the containing type at fault.</summary>
    public static PooledProblem Check(INamedTypeSymbol type, out INamedTypeSymbol? offending)
    {
        offending = null;
        if (type.TypeKind == TypeKind.Struct ? type.IsRefLikeType || type.IsRecord : type.TypeKind != TypeKind.Class || type.IsRecord || type.IsStatic || type.IsAbstract)
            return PooledProblem.UnsupportedKind;
        for (INamedTypeSymbol? t = type; t is not null; t = t.ContainingType)
            if (t.IsGenericType) return PooledProblem.Generic;
        if (!IsPartial(type)) return PooledProblem.NotPartial;
        for (INamedTypeSymbol? c = type.ContainingType; c is not null; c = c.ContainingType)
        {
            if (!IsPartial(c)) { offending = c; return PooledProblem.ContainingTypeNotPartial; }
        }
        for (INamedTypeSymbol? t = type; t is not null; t = t.ContainingType)
        {
            if (t.DeclaredAccessibility is not (Accessibility.Public or Accessibility.Internal or Accessibility.ProtectedOrInternal))
                return PooledProblem.NotVisible;
        }
        if (type.TypeKind == TypeKind.Struct)
            return KnownNames.IsArenaType(type) ? PooledProblem.None : PooledProblem.StructNotArenaType;
        bool ctor = type.InstanceConstructors.Any(c => c.Parameters.Length == 0 && c.DeclaredAccessibility == Accessibility.Public);
        return ctor ? PooledProblem.None : PooledProblem.NoPublicParameterlessConstructor;
    }

    private static bool IsPartial(INamedTypeSymbol type)
        => type.DeclaringSyntaxReferences.All(r => r.GetSyntax() is TypeDeclarationSyntax d && d.Modifiers.Any(SyntaxKind.PartialKeyword));

    private static bool HasPoolKeep(ISymbol symbol)
        => symbol.GetAttributes().Any(a => KnownNames.IsRuntimeType(a.AttributeClass, "PoolKeepAttribute"));

    private static string Escape(string name)
        => SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None || SyntaxFacts.GetContextualKeywordKind(name) != SyntaxKind.None ? "@" + name : name;
}
