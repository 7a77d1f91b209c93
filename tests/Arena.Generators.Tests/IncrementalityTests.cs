using System.Collections;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Arena.Generators.Tests;

/// <summary>
/// The pipeline caches: an unrelated edit leaves every tracked step Cached or Unchanged, an
/// edit to an arena type regenerates it, and no model holds a symbol, syntax node or compilation.
/// </summary>
public class IncrementalityTests
{
    private const string ArenaSource = """
        using Arena;
        namespace Sample;
        [ArenaType] public partial struct Node { private Ptr<Node> next; public int Value; }
        [ArenaType] public partial struct Pair { private Ptr<Node> first, second; }
        """;

    private const string Unrelated = """
        namespace Sample;
        public static class Helpers { public static int Twice(int x) => x * 2; }
        """;

    private static readonly string[] StepNames = [TrackingNames.Parse, TrackingNames.Models];

    [Fact]
    public void An_unrelated_edit_leaves_every_step_cached_or_unchanged()
    {
        GeneratorRunResult second = RunTwice(Unrelated, Unrelated.Replace("x * 2", "x + x // edited"));
        foreach (string name in StepNames)
        {
            Assert.True(second.TrackedSteps.ContainsKey(name), name);
            foreach (IncrementalGeneratorRunStep step in second.TrackedSteps[name])
                foreach ((object _, IncrementalStepRunReason reason) in step.Outputs)
                    Assert.True(reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"{name}: {reason}");
        }
        foreach (IncrementalGeneratorRunStep step in second.TrackedOutputSteps.SelectMany(s => s.Value))
            foreach ((object _, IncrementalStepRunReason reason) in step.Outputs)
                Assert.Equal(IncrementalStepRunReason.Cached, reason);
    }

    [Fact]
    public void Editing_an_arena_type_regenerates_it()
    {
        CSharpCompilation first = TestCompiler.Compile(ArenaSource, Unrelated);
        GeneratorDriver driver = TestCompiler.Driver(track: true).RunGenerators(first);
        SyntaxTree old = first.SyntaxTrees.First();
        CSharpCompilation edited = first.ReplaceSyntaxTree(old, CSharpSyntaxTree.ParseText(
            ArenaSource.Replace("public int Value;", "public int Value; public long Extra;"), TestCompiler.ParseOptions, old.FilePath));
        GeneratorRunResult result = driver.RunGenerators(edited).GetRunResult().Results.Single();
        IncrementalStepRunReason[] reasons = result.TrackedSteps[TrackingNames.Models].SelectMany(s => s.Outputs).Select(o => o.Reason).ToArray();
        // Node grew from 16 to 24 bytes; Pair did not change
        Assert.Equal(1, reasons.Count(r => r == IncrementalStepRunReason.Modified));
        Assert.Equal(1, reasons.Count(r => r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged));
    }

    [Fact]
    public void Models_hold_no_symbols_syntax_or_compilations()
    {
        GeneratorRunResult result = RunTwice(Unrelated, Unrelated);
        int models = 0;
        foreach (string name in StepNames)
            foreach (IncrementalGeneratorRunStep step in result.TrackedSteps[name])
                foreach ((object value, _) in step.Outputs)
                {
                    if (value is not null) models++;
                    AssertPlain(value, name, new HashSet<object>(ReferenceEqualityComparer.Instance));
                }
        Assert.Equal(4, models); // two types, two steps
    }

    private static GeneratorRunResult RunTwice(string unrelated, string editedUnrelated)
    {
        CSharpCompilation first = TestCompiler.Compile(ArenaSource, unrelated);
        GeneratorDriver driver = TestCompiler.Driver(track: true).RunGenerators(first);
        SyntaxTree old = first.SyntaxTrees.Last();
        CSharpCompilation second = first.ReplaceSyntaxTree(old, CSharpSyntaxTree.ParseText(editedUnrelated, TestCompiler.ParseOptions, old.FilePath));
        return driver.RunGenerators(second).GetRunResult().Results.Single();
    }

    private static void AssertPlain(object? value, string path, HashSet<object> seen)
    {
        if (value is null || value is string || value.GetType().IsPrimitive || value.GetType().IsEnum) return;
        Assert.False(value is ISymbol or Compilation or SyntaxNode or SyntaxTree or SemanticModel or Location,
            $"{path} holds a {value.GetType().Name}");
        if (!value.GetType().IsValueType && !seen.Add(value)) return;
        if (value is IEnumerable items)
        {
            int i = 0;
            foreach (object? item in items) AssertPlain(item, $"{path}[{i++}]", seen);
            return;
        }
        foreach (PropertyInfo p in value.GetType().GetProperties(BindingFlags.Instance | BindingFlags.Public))
        {
            if (p.GetIndexParameters().Length > 0) continue;
            AssertPlain(p.GetValue(value), path + "." + p.Name, seen);
        }
    }
}
