using Arena.Generators.Emitting;
using Arena.Generators.Models;
using Arena.Generators.Parsing;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Arena.Generators;

/// <summary>
/// The Arena source generator: for each <c>[ArenaType] partial struct</c> it implements
/// <c>IArenaType&lt;T&gt;</c> and writes a property per private <c>Ptr&lt;U&gt;</c> field.
/// Parsing lives in <see cref="ArenaTypeParser"/>, emitting in <see cref="ArenaTypeEmitter"/>;
/// misuse is reported by the analyzers, not here.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class ArenaGenerator : IIncrementalGenerator
{
    /// <inheritdoc/>
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var models = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                KnownNames.ArenaTypeAttribute,
                static (node, _) => node is StructDeclarationSyntax,
                static (ctx, ct) => ArenaTypeParser.Parse(ctx, ct))
            .WithTrackingName(TrackingNames.Parse)
            .Where(static model => model is not null)
            .Select(static (model, _) => model!)
            .WithTrackingName(TrackingNames.Models);

        context.RegisterSourceOutput(models, static (spc, model) =>
            spc.AddSource(model.HintName, ArenaTypeEmitter.Emit(model)));

        var registrations = models
            .Where(static m => m.IsModuleVisible && m.Layout.PointerMap.Length > 0)
            .Select(static (m, _) => m.FullName)
            .Collect()
            .Select(static (names, _) => new EquatableArray<string>(System.Linq.Enumerable.ToArray(names.Sort(System.StringComparer.Ordinal))))
            .WithTrackingName(TrackingNames.Registrations);

        context.RegisterSourceOutput(registrations, static (spc, names) =>
        {
            if (names.Length > 0) spc.AddSource("ArenaTypes.Registration.g.cs", RegistrationEmitter.Emit(names));
        });

        var pooled = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                PooledTypeParser.PooledAttribute,
                static (node, _) => node is StructDeclarationSyntax or ClassDeclarationSyntax,
                static (ctx, ct) => PooledTypeParser.Parse(ctx, ct))
            .WithTrackingName(TrackingNames.PooledParse)
            .Where(static model => model is not null)
            .Select(static (model, _) => model!)
            .WithTrackingName(TrackingNames.PooledModels);

        context.RegisterSourceOutput(pooled, static (spc, m) =>
            spc.AddSource(PoolEmitter.HintName(m.FullName), PoolEmitter.Emit(
                m.Namespace, m.ContainingDeclarations.AsSpan().ToArray(), m.Name,
                m.IsClass ? PooledKind.Class : PooledKind.Struct,
                System.Linq.Enumerable.ToArray(System.Linq.Enumerable.Select(m.Fields, f => new PooledField(f.Name, f.Keep))),
                m.UserResets)));

        var poolRegistrations = pooled
            .Select(static (m, _) => "global::" + m.FullName)
            .Collect()
            .Select(static (names, _) => new EquatableArray<string>(System.Linq.Enumerable.ToArray(names.Sort(System.StringComparer.Ordinal))))
            .WithTrackingName(TrackingNames.PoolRegistrations);

        context.RegisterSourceOutput(poolRegistrations, static (spc, names) =>
        {
            if (names.Length > 0) spc.AddSource(PoolEmitter.RegistrationsHintName, PoolEmitter.EmitRegistrations(names.AsSpan().ToArray()));
        });
    }
}
