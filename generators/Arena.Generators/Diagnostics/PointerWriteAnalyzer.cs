using System.Collections.Immutable;
using Arena.Generators.Parsing;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace Arena.Generators.Diagnostics;

/// <summary>
/// Reports writes to the <c>Ptr&lt;U&gt;</c> fields of arena types that bypass the generated
/// property and so its write barrier: assignments, and <c>ref</c>/<c>out</c> uses other than
/// the barrier's own. Constructors are exempt (the object is not yet in the heap), and so
/// is generated code.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class PointerWriteAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
        ImmutableArray.Create(DiagnosticDescriptors.WriteBypassesBarrier);

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterOperationAction(static c => Analyze(c), OperationKind.FieldReference);
    }

    private static void Analyze(OperationAnalysisContext context)
    {
        var reference = (IFieldReferenceOperation)context.Operation;
        IFieldSymbol field = reference.Field;
        if (field.IsStatic || !KnownNames.IsPtr(field.Type) || !KnownNames.IsArenaType(field.ContainingType)) return;
        if (!IsWrite(reference)) return;
        if (context.ContainingSymbol is IMethodSymbol { MethodKind: MethodKind.Constructor } ctor
            && SymbolEqualityComparer.Default.Equals(ctor.ContainingType, field.ContainingType))
            return;
        string property = ArenaTypeParser.PropertyName(field.Name) ?? "generated property";
        context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.WriteBypassesBarrier, reference.Syntax.GetLocation(), field.Name, property));
    }

    private static bool IsWrite(IFieldReferenceOperation reference)
    {
        IOperation? parent = reference.Parent;
        while (parent is IConversionOperation or IParenthesizedOperation) parent = parent.Parent;
        switch (parent)
        {
            case IAssignmentOperation assignment when assignment.Target == reference:
                return true;
            case IArgumentOperation { Parameter.RefKind: RefKind.Ref or RefKind.Out } argument:
                return !(argument.Parent is IInvocationOperation invocation && IsBarrier(invocation.TargetMethod));
            case IDeclarationExpressionOperation:
            case ITupleOperation { Parent: IDeconstructionAssignmentOperation }:
                return true;
            case IVariableInitializerOperation { Parent: IVariableDeclaratorOperation declarator }:
                return declarator.Symbol.RefKind == RefKind.Ref;
            case IAddressOfOperation:
                return true;
            default:
                return false;
        }
    }

    private static bool IsBarrier(IMethodSymbol method)
        => method.Name == "Write" && KnownNames.IsRuntimeType(method.ContainingType, "WriteBarrier");
}
