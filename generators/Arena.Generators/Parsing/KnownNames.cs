using Microsoft.CodeAnalysis;

namespace Arena.Generators.Parsing;

/// <summary>Metadata names of the runtime's types, and helpers to recognise them.</summary>
internal static class KnownNames
{
    public const string ArenaTypeAttribute = "Arena.ArenaTypeAttribute";
    public const string PtrMetadataName = "Arena.Ptr`1";

    /// <summary>Whether <paramref name="type"/> is the runtime's top-level <c>Arena.<paramref name="name"/></c>.</summary>
    public static bool IsRuntimeType(ITypeSymbol? type, string name)
        => type is INamedTypeSymbol { ContainingType: null, ContainingNamespace: { Name: "Arena", ContainingNamespace.IsGlobalNamespace: true } } t && t.Name == name;

    public static bool IsPtr(ITypeSymbol? type)
        => type is INamedTypeSymbol { Arity: 1 } && IsRuntimeType(type, "Ptr");

    public static bool IsArenaType(ITypeSymbol? type)
    {
        if (type is null) return false;
        foreach (AttributeData a in type.GetAttributes())
        {
            if (IsRuntimeType(a.AttributeClass, "ArenaTypeAttribute")) return true;
        }
        return false;
    }

    public static bool IsNamed(ITypeSymbol type, string ns, string name)
        => type is INamedTypeSymbol { Arity: 0 } named && named.Name == name
           && named.ContainingType is null
           && named.ContainingNamespace?.ToDisplayString() == ns;

    /// <summary><c>Ns.Outer.Type</c>, without <c>global::</c> or type arguments.</summary>
    public static string FullName(INamedTypeSymbol type)
    {
        string name = type.Name;
        for (INamedTypeSymbol? c = type.ContainingType; c is not null; c = c.ContainingType)
            name = c.Name + "." + name;
        return type.ContainingNamespace is { IsGlobalNamespace: false } ns ? ns.ToDisplayString() + "." + name : name;
    }
}
