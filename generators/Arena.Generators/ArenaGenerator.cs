using Microsoft.CodeAnalysis;

namespace Arena.Generators;

/// <summary>The Arena source generator. Its pipeline is wired in <see cref="Initialize"/>.</summary>
[Generator(LanguageNames.CSharp)]
public sealed class ArenaGenerator : IIncrementalGenerator
{
    /// <inheritdoc/>
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
    }
}
