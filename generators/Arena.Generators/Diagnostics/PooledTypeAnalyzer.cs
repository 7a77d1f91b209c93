using System.Collections.Immutable;
using Arena.Generators.Parsing;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Arena.Generators.Diagnostics;

/// <summary>Checks each <c>[Pooled]</c> type's shape: what the generated pool and reset need.</summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class PooledTypeAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
        DiagnosticDescriptors.PooledNotPartial,
        DiagnosticDescriptors.PooledContainingTypeNotPartial,
        DiagnosticDescriptors.PooledGeneric,
        DiagnosticDescriptors.PooledNotVisible,
        DiagnosticDescriptors.PooledStructNotArenaType,
        DiagnosticDescriptors.PooledClassWithoutConstructor,
        DiagnosticDescriptors.PooledUnsupportedKind);

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
        if (!IsPooled(type)) return;
        Location where = type.Locations.Length > 0 ? type.Locations[0] : Location.None;
        string name = type.ToDisplayString(SymbolDisplayFormat.CSharpErrorMessageFormat);
        PooledProblem problem = PooledTypeParser.Check(type, out INamedTypeSymbol? offending);
        Diagnostic? d = problem switch
        {
            PooledProblem.NotPartial => Diagnostic.Create(DiagnosticDescriptors.PooledNotPartial, where, name),
            PooledProblem.ContainingTypeNotPartial => Diagnostic.Create(DiagnosticDescriptors.PooledContainingTypeNotPartial,
                offending!.Locations.Length > 0 ? offending.Locations[0] : where, offending.ToDisplayString(SymbolDisplayFormat.CSharpErrorMessageFormat), name),
            PooledProblem.Generic => Diagnostic.Create(DiagnosticDescriptors.PooledGeneric, where, name),
            PooledProblem.NotVisible => Diagnostic.Create(DiagnosticDescriptors.PooledNotVisible, where, name),
            PooledProblem.StructNotArenaType => Diagnostic.Create(DiagnosticDescriptors.PooledStructNotArenaType, where, name),
            PooledProblem.NoPublicParameterlessConstructor => Diagnostic.Create(DiagnosticDescriptors.PooledClassWithoutConstructor, where, name),
            PooledProblem.UnsupportedKind => Diagnostic.Create(DiagnosticDescriptors.PooledUnsupportedKind, where, name),
            _ => null,
        };
        if (d is not null) context.ReportDiagnostic(d);
    }

    private static bool IsPooled(INamedTypeSymbol type)
    {
        foreach (AttributeData a in type.GetAttributes())
            if (KnownNames.IsRuntimeType(a.AttributeClass, "PooledAttribute"))
                return true;
        return false;
    }
}
