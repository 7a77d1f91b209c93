using System.Collections.Generic;
using System.Collections.Immutable;
using Arena.Generators.Parsing;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Arena.Generators.Diagnostics;

/// <summary>
/// Checks each <c>[ArenaType]</c> declaration: its shape (partial, not generic, a plain
/// struct), its fields (no managed references, private pointers with a property name),
/// and its layout (every pointer word aligned, not overlapped, and placeable at build time).
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class ArenaTypeAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
        DiagnosticDescriptors.NotPartial,
        DiagnosticDescriptors.ContainingTypeNotPartial,
        DiagnosticDescriptors.Generic,
        DiagnosticDescriptors.NotPlainStruct,
        DiagnosticDescriptors.ManagedReference,
        DiagnosticDescriptors.PointerFieldNotPrivate,
        DiagnosticDescriptors.PointerTargetNotArenaType,
        DiagnosticDescriptors.MisalignedPointer,
        DiagnosticDescriptors.OverlappedPointer,
        DiagnosticDescriptors.UnknownLayoutWithPointers,
        DiagnosticDescriptors.NoPropertyName,
        DiagnosticDescriptors.EmbeddedPointersWithoutBarrier);

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterSymbolAction(static c => Analyze(c), SymbolKind.NamedType);
    }

    private static void Analyze(SymbolAnalysisContext context)
    {
        var type = (INamedTypeSymbol)context.Symbol;
        if (type.TypeKind != TypeKind.Struct || !KnownNames.IsArenaType(type)) return;
        Location where = type.Locations.Length > 0 ? type.Locations[0] : Location.None;
        string name = type.ToDisplayString(SymbolDisplayFormat.CSharpErrorMessageFormat);

        ShapeProblem shape = ArenaTypeShape.Check(type, out INamedTypeSymbol? offending);
        switch (shape)
        {
            case ShapeProblem.RefStruct:
                context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.NotPlainStruct, where, name, "ref struct"));
                return;
            case ShapeProblem.Record:
                context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.NotPlainStruct, where, name, "record struct"));
                return;
            case ShapeProblem.Generic:
                context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.Generic, where, name));
                return;
            case ShapeProblem.NotPartial:
                context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.NotPartial, where, name));
                break;
            case ShapeProblem.ContainingTypeNotPartial:
                context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.ContainingTypeNotPartial,
                    offending!.Locations.Length > 0 ? offending.Locations[0] : where,
                    offending.ToDisplayString(SymbolDisplayFormat.CSharpErrorMessageFormat), name));
                break;
        }

        var issues = new List<FieldIssue>();
        new LayoutCalculator(context.CancellationToken).ForArenaType(type, issues);
        foreach (FieldIssue issue in issues)
        {
            Location at = issue.Field.Locations.Length > 0 ? issue.Field.Locations[0] : where;
            context.ReportDiagnostic(issue.Kind switch
            {
                FieldIssueKind.ManagedReference => Diagnostic.Create(DiagnosticDescriptors.ManagedReference, at, issue.Field.Name, name, issue.Arg0, issue.Arg1),
                FieldIssueKind.MisalignedPointer => Diagnostic.Create(DiagnosticDescriptors.MisalignedPointer, at, issue.Arg0, issue.Arg1),
                FieldIssueKind.OverlappedPointer => Diagnostic.Create(DiagnosticDescriptors.OverlappedPointer, at, issue.Arg0),
                FieldIssueKind.UnknownLayoutWithPointers => Diagnostic.Create(DiagnosticDescriptors.UnknownLayoutWithPointers, at, issue.Arg0, issue.Arg1, name),
                _ => Diagnostic.Create(DiagnosticDescriptors.PointerTargetNotArenaType, at, issue.Arg0, issue.Arg1),
            });
        }

        var taken = new HashSet<string>();
        foreach (ISymbol member in type.GetMembers())
        {
            if (!IsGenerated(member)) taken.Add(member.Name);
        }
        foreach (IFieldSymbol field in LayoutCalculator.InstanceFields(type))
        {
            if (field.IsImplicitlyDeclared) continue;
            Location at = field.Locations.Length > 0 ? field.Locations[0] : where;
            if (!KnownNames.IsPtr(field.Type))
            {
                if (field.Type is INamedTypeSymbol embedded && FindUnbarrieredPointer(embedded, new HashSet<ITypeSymbol>(SymbolEqualityComparer.Default)) is { } unbarriered)
                    context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.EmbeddedPointersWithoutBarrier, at, field.Name, unbarriered.Owner, unbarriered.Field));
                continue;
            }
            if (field.DeclaredAccessibility != Accessibility.Private)
            {
                context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.PointerFieldNotPrivate, at, field.Name, AccessText(field.DeclaredAccessibility)));
                continue;
            }
            string? property = ArenaTypeParser.PropertyName(field.Name);
            if (property is null)
                context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.NoPropertyName, at, field.Name, "its name gives no distinct property name"));
            else if (!taken.Add(property))
                context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.NoPropertyName, at, field.Name, "'" + property + "' is already a member of '" + type.Name + "'"));
        }
    }

    /// <summary>
    /// In a struct embedded by value, the first pointer field a write could reach without a
    /// barrier: one declared in a struct that is not an arena type. Inline arrays are left
    /// alone (their elements are written through the indexer by design).
    /// </summary>
    private static (string Owner, string Field)? FindUnbarrieredPointer(INamedTypeSymbol type, HashSet<ITypeSymbol> seen)
    {
        if (type.TypeKind != TypeKind.Struct || KnownNames.IsPtr(type) || KnownNames.IsArenaType(type) || IsInlineArray(type) || !seen.Add(type))
            return null;
        foreach (IFieldSymbol f in LayoutCalculator.InstanceFields(type))
        {
            if (KnownNames.IsPtr(f.Type))
                return (type.ToDisplayString(SymbolDisplayFormat.CSharpErrorMessageFormat), f.Name);
            if (f.Type is INamedTypeSymbol nested && FindUnbarrieredPointer(nested, seen) is { } found)
                return found;
        }
        return null;
    }

    private static bool IsInlineArray(INamedTypeSymbol type)
    {
        foreach (AttributeData a in type.GetAttributes())
        {
            if (a.AttributeClass is { Name: "InlineArrayAttribute" }) return true;
        }
        return false;
    }

    /// <summary>True for the members this package's generator wrote (the analyzer sees the generated output).</summary>
    private static bool IsGenerated(ISymbol member)
    {
        foreach (AttributeData a in member.GetAttributes())
        {
            if (a.AttributeClass is { Name: "GeneratedCodeAttribute" }
                && a.ConstructorArguments.Length == 2 && a.ConstructorArguments[0].Value is "Arena.Generators")
                return true;
        }
        return false;
    }

    private static string AccessText(Accessibility accessibility) => accessibility switch
    {
        Microsoft.CodeAnalysis.Accessibility.Public => "public",
        Microsoft.CodeAnalysis.Accessibility.Internal => "internal",
        Microsoft.CodeAnalysis.Accessibility.Protected => "protected",
        Microsoft.CodeAnalysis.Accessibility.ProtectedOrInternal => "protected internal",
        Microsoft.CodeAnalysis.Accessibility.ProtectedAndInternal => "private protected",
        _ => "not private",
    };
}
