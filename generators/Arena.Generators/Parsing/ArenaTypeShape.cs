using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Arena.Generators.Parsing;

/// <summary>Why an <c>[ArenaType]</c> declaration cannot be generated, if it cannot.</summary>
internal enum ShapeProblem
{
    None,
    NotPartial,
    ContainingTypeNotPartial,
    Generic,
    RefStruct,
    Record,
    NotUnmanaged,
}

/// <summary>Checks the declaration shape the generator needs. Shared by generator and analyzer.</summary>
internal static class ArenaTypeShape
{
    public static ShapeProblem Check(INamedTypeSymbol type, out INamedTypeSymbol? offending)
    {
        offending = type;
        if (type.IsRefLikeType) return ShapeProblem.RefStruct;
        if (type.IsRecord) return ShapeProblem.Record;
        if (type.IsGenericType) return ShapeProblem.Generic;
        if (!IsPartial(type)) return ShapeProblem.NotPartial;
        for (INamedTypeSymbol? c = type.ContainingType; c is not null; c = c.ContainingType)
        {
            offending = c;
            if (c.IsGenericType) return ShapeProblem.Generic;
            if (!IsPartial(c)) return ShapeProblem.ContainingTypeNotPartial;
        }
        offending = type;
        if (!type.IsUnmanagedType) return ShapeProblem.NotUnmanaged;
        offending = null;
        return ShapeProblem.None;
    }

    public static bool IsPartial(INamedTypeSymbol type)
        => type.DeclaringSyntaxReferences.Length > 0
           && type.DeclaringSyntaxReferences.All(r => r.GetSyntax() is TypeDeclarationSyntax t && t.Modifiers.Any(SyntaxKind.PartialKeyword));

    /// <summary>The declaration keyword(s) to reopen a type as partial.</summary>
    public static string Keyword(INamedTypeSymbol type)
    {
        if (type.IsRecord) return type.TypeKind == TypeKind.Struct ? "record struct" : "record";
        return type.TypeKind switch
        {
            TypeKind.Struct => "struct",
            TypeKind.Interface => "interface",
            _ => "class",
        };
    }
}
