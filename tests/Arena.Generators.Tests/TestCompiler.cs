using System.Collections.Immutable;
using Arena.Generators;
using Arena.Generators.Diagnostics;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Arena.Generators.Tests;

/// <summary>Compiles test sources against the runtime, runs the generator and the analyzers.</summary>
internal static class TestCompiler
{
    private static readonly ImmutableArray<MetadataReference> References = LoadReferences();

    public static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest);

    private static ImmutableArray<MetadataReference> LoadReferences()
    {
        string tpa = (string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!;
        var refs = tpa.Split(Path.PathSeparator)
            .Where(p => Path.GetFileName(p).StartsWith("System.", StringComparison.Ordinal) || Path.GetFileName(p) is "netstandard.dll" or "mscorlib.dll")
            .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))
            .ToList();
        refs.Add(MetadataReference.CreateFromFile(typeof(Ptr<>).Assembly.Location));
        refs.Add(MetadataReference.CreateFromFile(typeof(Microsoft.Extensions.ObjectPool.ObjectPool).Assembly.Location));
        return [.. refs];
    }

    public static CSharpCompilation Compile(params string[] sources) => Compile(ParseOptions, NullableContextOptions.Enable, sources);

    public static CSharpCompilation Compile(CSharpParseOptions parseOptions, NullableContextOptions nullable, params string[] sources)
        => CSharpCompilation.Create(
            "TestAssembly",
            sources.Select((s, i) => CSharpSyntaxTree.ParseText(s, parseOptions, path: $"Source{i}.cs")),
            References,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, allowUnsafe: true, nullableContextOptions: nullable));

    public static GeneratorDriver Driver(bool track = false, CSharpParseOptions? parseOptions = null)
        => CSharpGeneratorDriver.Create(
            [new ArenaGenerator().AsSourceGenerator()],
            parseOptions: parseOptions ?? ParseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: track));

    /// <summary>Runs the generator; returns the compilation with its output, and the generated sources by hint name.</summary>
    public static (Compilation Output, Dictionary<string, string> Generated) Generate(params string[] sources)
    {
        CSharpCompilation input = Compile(sources);
        GeneratorDriver driver = Driver().RunGeneratorsAndUpdateCompilation(input, out Compilation output, out ImmutableArray<Diagnostic> generatorDiagnostics);
        Assert.Empty(generatorDiagnostics);
        var generated = driver.GetRunResult().Results.Single().GeneratedSources
            .ToDictionary(s => s.HintName, s => s.SourceText.ToString());
        return (output, generated);
    }

    /// <summary>The analyzers' diagnostics on the generated compilation, ordered by position.</summary>
    public static ImmutableArray<Diagnostic> Analyze(params string[] sources)
    {
        (Compilation output, _) = Generate(sources);
        ImmutableArray<DiagnosticAnalyzer> analyzers = [new ArenaTypeAnalyzer(), new PointerWriteAnalyzer(), new PooledTypeAnalyzer()];
        return output.WithAnalyzers(analyzers).GetAnalyzerDiagnosticsAsync().GetAwaiter().GetResult()
            .OrderBy(d => d.Location.SourceSpan.Start).ThenBy(d => d.Id, StringComparer.Ordinal).ToImmutableArray();
    }

    /// <summary>
    /// Asserts that the analyzers report exactly <paramref name="expected"/> on the source of
    /// <paramref name="markup"/>, each at its [| |] span, in order.
    /// </summary>
    public static void AssertDiagnostics(string markup, params (string Id, DiagnosticSeverity Severity, string Message)[] expected)
    {
        (string source, List<Microsoft.CodeAnalysis.Text.TextSpan> spans) = Markup.Parse(markup);
        ImmutableArray<Diagnostic> actual = Analyze(source);
        Assert.Equal(
            expected.Select((e, i) => (e.Id, e.Severity, e.Message, spans[i])).ToArray(),
            actual.Select(d => (d.Id, d.Severity, d.GetMessage(System.Globalization.CultureInfo.InvariantCulture), d.Location.SourceSpan)).ToArray());
    }

    /// <summary>Compiler diagnostics of warning severity or worse.</summary>
    public static IEnumerable<Diagnostic> Problems(Compilation compilation)
        => compilation.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning);
}
