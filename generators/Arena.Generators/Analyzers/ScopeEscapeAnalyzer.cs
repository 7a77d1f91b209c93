using System.Collections.Generic;
using System.Collections.Immutable;
using Arena.Generators.Parsing;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace Arena.Generators.Analyzers;

/// <summary>
/// Warns where a pointer from a scope visibly outlives it (ARENA101–103). Works on one
/// method body at a time, over its operation tree:
/// 1. Find the origin of every local: a scope (a value of Scope.New, NewArray or NewSpan on
///    a local or parameter of type Arena.Scope, through conversions, Ptr indexers and
///    .Pointer) or the heap (Heap.Alloc, New, NewArray). Assignments are followed to a fixed
///    point, so origins flow through any number of locals.
/// 2. A return of a value whose scope was opened with <c>using</c> in this method, or its
///    store into an out or ref parameter (or a struct one holds): ARENA101.
/// 3. An assignment of scope memory into a static field or property (directly, or into a
///    struct held by one): ARENA102.
/// 4. An assignment of scope memory into a field or property reached through
///    <c>Ptr&lt;T&gt;.Value</c> of a pointer from the heap, or from a scope opened before the
///    value's scope: ARENA103.
/// What it cannot see (pointers passed to other methods, stored through ref locals, raw
/// pointer writes, captured by lambdas) is listed in docs/scopes.md.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class ScopeEscapeAnalyzer : DiagnosticAnalyzer
{
    private static readonly object s_heapOrigin = new();

    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
        ScopeEscapeDescriptors.ReturnedFromScopeMethod,
        ScopeEscapeDescriptors.StoredInStatic,
        ScopeEscapeDescriptors.StoredInOuterObject);

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(static start =>
        {
            INamedTypeSymbol? scope = start.Compilation.GetTypeByMetadataName("Arena.Scope");
            INamedTypeSymbol? heap = start.Compilation.GetTypeByMetadataName("Arena.Heap");
            INamedTypeSymbol? ptr = start.Compilation.GetTypeByMetadataName(KnownNames.PtrMetadataName);
            if (scope is null || heap is null || ptr is null) return;
            var types = new KnownTypes(scope, heap, ptr);
            start.RegisterOperationBlockAction(block => new BodyAnalysis(types, block).Run());
        });
    }

    private sealed class KnownTypes(INamedTypeSymbol scope, INamedTypeSymbol heap, INamedTypeSymbol ptr)
    {
        public INamedTypeSymbol Scope { get; } = scope;
        public INamedTypeSymbol Heap { get; } = heap;
        public INamedTypeSymbol Ptr { get; } = ptr;
    }

    private sealed class BodyAnalysis(KnownTypes types, OperationBlockAnalysisContext context)
    {
        /// <summary>Origin of each local: a scope's local or parameter symbol, or s_heapOrigin.</summary>
        private readonly Dictionary<ILocalSymbol, object> _origins = new(SymbolEqualityComparer.Default);
        /// <summary>Scopes opened with `using` in this body: disposed before it returns.</summary>
        private readonly HashSet<ILocalSymbol> _usingScopes = new(SymbolEqualityComparer.Default);
        private readonly List<IOperation> _all = new();

        public void Run()
        {
            foreach (IOperation block in context.OperationBlocks)
                foreach (IOperation op in block.DescendantsAndSelf())
                    _all.Add(op);
            foreach (IOperation op in _all)
            {
                if (op is IUsingDeclarationOperation ud) AddUsingScopes(ud.DeclarationGroup);
                else if (op is IUsingOperation { Resources: IVariableDeclarationGroupOperation group }) AddUsingScopes(group);
            }
            PropagateOrigins();
            foreach (IOperation op in _all)
            {
                switch (op)
                {
                    case IReturnOperation { ReturnedValue: { } value } ret when op.Kind == OperationKind.Return && !InsideNestedFunction(ret):
                        if (OriginOf(value) is ILocalSymbol s && _usingScopes.Contains(s))
                            Report(ScopeEscapeDescriptors.ReturnedFromScopeMethod, ret.Syntax, Describe(value), s.Name);
                        break;
                    case ISimpleAssignmentOperation assign:
                        CheckStore(assign);
                        break;
                }
            }
        }

        private void AddUsingScopes(IVariableDeclarationGroupOperation group)
        {
            foreach (IVariableDeclarationOperation decl in group.Declarations)
                foreach (IVariableDeclaratorOperation d in decl.Declarators)
                    if (SymbolEqualityComparer.Default.Equals(d.Symbol.Type, types.Scope)) _usingScopes.Add(d.Symbol);
        }

        private void PropagateOrigins()
        {
            bool changed = true;
            while (changed)
            {
                changed = false;
                foreach (IOperation op in _all)
                {
                    ILocalSymbol? target = null;
                    IOperation? value = null;
                    if (op is IVariableDeclaratorOperation { Initializer: { } init } d) { target = d.Symbol; value = init.Value; }
                    else if (op is ISimpleAssignmentOperation { Target: ILocalReferenceOperation l } a) { target = l.Local; value = a.Value; }
                    if (target is null || value is null) continue;
                    // a local may hold several values over its life: a scope origin wins over
                    // the heap, and the first scope seen wins over later ones (no flow order)
                    _origins.TryGetValue(target, out object? known);
                    if (known is ISymbol) continue;
                    if (OriginOf(value) is { } origin && origin != known)
                    {
                        _origins[target] = origin;
                        changed = true;
                    }
                }
            }
        }

        /// <summary>Where the memory <paramref name="value"/> points at comes from, if known.</summary>
        private object? OriginOf(IOperation? value)
        {
            switch (value)
            {
                case IConversionOperation c: return OriginOf(c.Operand);
                case IParenthesizedOperation p: return OriginOf(p.Operand);
                case ILocalReferenceOperation l: return _origins.TryGetValue(l.Local, out object? o) ? o : null;
                case IConditionalOperation c:
                    // either branch may be taken: a scope origin wins over the heap
                    object? whenTrue = OriginOf(c.WhenTrue), whenFalse = OriginOf(c.WhenFalse);
                    return whenTrue is ISymbol ? whenTrue : whenFalse ?? whenTrue;
                case IPropertyReferenceOperation pr when IsPtr(pr.Property.ContainingType)
                                                      && (pr.Property.IsIndexer || pr.Property.Name == "Pointer"):
                    return OriginOf(pr.Instance);
                case IInvocationOperation inv:
                    INamedTypeSymbol owner = inv.TargetMethod.ContainingType;
                    string name = inv.TargetMethod.Name;
                    if (SymbolEqualityComparer.Default.Equals(owner, types.Scope) && name is "New" or "NewArray" or "NewSpan")
                        return inv.Instance switch
                        {
                            ILocalReferenceOperation l => l.Local,
                            IParameterReferenceOperation p => p.Parameter,
                            _ => null,
                        };
                    if (SymbolEqualityComparer.Default.Equals(owner, types.Heap) && name is "Alloc" or "New" or "NewArray")
                        return s_heapOrigin;
                    return null;
                default: return null;
            }
        }

        private void CheckStore(ISimpleAssignmentOperation assign)
        {
            if (OriginOf(assign.Value) is not ISymbol scope) return;
            if (scope is ILocalSymbol local && _usingScopes.Contains(local) && RefParameterHolder(assign.Target) is not null)
            {
                Report(ScopeEscapeDescriptors.ReturnedFromScopeMethod, assign.Syntax, Describe(assign.Value), scope.Name);
                return;
            }
            if (StaticHolder(assign.Target) is { } holder)
            {
                Report(ScopeEscapeDescriptors.StoredInStatic, assign.Syntax, Describe(assign.Value), scope.Name,
                    holder.ContainingType.Name + "." + holder.Name);
                return;
            }
            if (PtrHolder(assign.Target) is { } ptrExpr)
            {
                object? holderOrigin = OriginOf(ptrExpr);
                if (holderOrigin == s_heapOrigin)
                    Report(ScopeEscapeDescriptors.StoredInOuterObject, assign.Syntax, Describe(assign.Value), scope.Name, "allocated from the heap");
                else if (holderOrigin is ISymbol outer && OpenedBefore(outer, scope))
                    Report(ScopeEscapeDescriptors.StoredInOuterObject, assign.Syntax, Describe(assign.Value), scope.Name, $"in the enclosing scope '{outer.Name}'");
            }
        }

        /// <summary>The static field or property a store lands in, directly or inside a struct it holds.</summary>
        private static ISymbol? StaticHolder(IOperation target)
        {
            for (IOperation? t = target; t is not null;)
            {
                switch (t)
                {
                    case IFieldReferenceOperation f:
                        if (f.Field.IsStatic) return f.Field;
                        if (f.Instance?.Type?.IsValueType != true) return null;
                        t = f.Instance;
                        break;
                    case IPropertyReferenceOperation p:
                        if (p.Property.IsStatic) return p.Property;
                        return null;
                    default:
                        return null;
                }
            }
            return null;
        }

        /// <summary>The out or ref parameter a store lands in, directly or inside a struct it holds; else null.</summary>
        private static IParameterSymbol? RefParameterHolder(IOperation target)
        {
            for (IOperation? t = target; t is not null;)
            {
                switch (t)
                {
                    case IParameterReferenceOperation p:
                        return p.Parameter.RefKind is RefKind.Out or RefKind.Ref ? p.Parameter : null;
                    case IFieldReferenceOperation { Field.IsStatic: false } f when f.Instance?.Type?.IsValueType == true:
                        t = f.Instance;
                        break;
                    default:
                        return null;
                }
            }
            return null;
        }

        /// <summary>For a store into <c>ptr.Value.Field…</c>, the <c>ptr</c> expression; else null.</summary>
        private IOperation? PtrHolder(IOperation target)
        {
            for (IOperation? t = target; t is not null;)
            {
                switch (t)
                {
                    case IFieldReferenceOperation { Field.IsStatic: false } f:
                        t = f.Instance;
                        break;
                    case IPropertyReferenceOperation { Property.IsStatic: false } p:
                        if (p.Property.Name == "Value" && IsPtr(p.Property.ContainingType)) return p.Instance;
                        t = p.Instance;
                        break;
                    case IArrayElementReferenceOperation:
                        return null;
                    default:
                        return null;
                }
            }
            return null;
        }

        /// <summary>
        /// Whether <paramref name="outer"/> was opened before <paramref name="inner"/> and so
        /// outlives it: a scope parameter outlives the body's scopes; of two locals, the one
        /// declared first encloses the other when the other is declared inside its lifetime.
        /// </summary>
        private static bool OpenedBefore(ISymbol outer, ISymbol inner)
        {
            if (SymbolEqualityComparer.Default.Equals(outer, inner)) return false;
            if (outer is IParameterSymbol && inner is ILocalSymbol) return true;
            if (outer is ILocalSymbol o && inner is ILocalSymbol i)
            {
                Location lo = o.Locations[0], li = i.Locations[0];
                return lo.SourceTree == li.SourceTree && lo.SourceSpan.Start < li.SourceSpan.Start;
            }
            return false;
        }

        private bool IsPtr(INamedTypeSymbol? type)
            => type is not null && SymbolEqualityComparer.Default.Equals(type.OriginalDefinition, types.Ptr);

        private static bool InsideNestedFunction(IOperation op)
        {
            for (IOperation? p = op.Parent; p is not null; p = p.Parent)
                if (p is IAnonymousFunctionOperation or ILocalFunctionOperation) return true;
            return false;
        }

        private static string Describe(IOperation value)
        {
            string text = value.Syntax.ToString();
            return text.Length <= 60 ? text : text.Substring(0, 57) + "...";
        }

        private void Report(DiagnosticDescriptor descriptor, SyntaxNode node, params object[] args)
            => context.ReportDiagnostic(Diagnostic.Create(descriptor, node.GetLocation(), args));
    }
}
