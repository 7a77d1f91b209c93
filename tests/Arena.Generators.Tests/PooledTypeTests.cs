using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace Arena.Generators.Tests;

/// <summary>[Pooled] types: the generated pool and reset, their registration, and the shape diagnostics.</summary>
public class PooledTypeTests
{
    private const string Usings = "using Arena;\n\n";

    [Fact]
    public void A_pooled_struct_gets_a_typed_pool_on_the_slabs()
    {
        (Compilation output, Dictionary<string, string> generated) = TestCompiler.Generate("""
            using Arena;
            namespace Sample;
            [ArenaType, Pooled] public partial struct Particle { private Ptr<Particle> next; public double X, Y; }
            """);
        Assert.Empty(TestCompiler.Problems(output));
        string pool = generated["Sample.Particle.Pool.g.cs"];
        Assert.Contains("public static global::Arena.ArenaPool<Particle> Pool { get; } = new global::Arena.ArenaPool<Particle>();", pool);
        Assert.Contains("global::Sample.Particle", generated["ArenaPoolRegistrations.g.cs"]);
    }

    [Fact]
    public void A_pooled_class_gets_a_reset_of_every_field_but_the_kept_and_readonly_ones()
    {
        (Compilation output, Dictionary<string, string> generated) = TestCompiler.Generate("""
            using Arena;
            namespace Sample;
            public partial class Outer
            {
                [Pooled] public partial class Request
                {
                    public string? Path;
                    public int Status;
                    [PoolKeep] public byte[] Buffer = new byte[16];
                    public readonly int Id = 7;
                    public string Name { get; set; } = "";
                    public int Fixed { get; } = 3;
                }
            }
            """);
        Assert.Empty(TestCompiler.Problems(output));
        string pool = generated["Sample.Outer.Request.Pool.g.cs"];
        Assert.Contains("this.Path = default!;", pool);
        Assert.Contains("this.Status = default!;", pool);
        Assert.Contains("this.Name = default!;", pool);
        Assert.DoesNotContain("this.Buffer =", pool);
        Assert.DoesNotContain("this.Id =", pool);
        Assert.DoesNotContain("this.Fixed =", pool);
        Assert.Contains("partial class Outer", pool);
        Assert.Contains("global::Microsoft.Extensions.ObjectPool.IResettable", pool);
    }

    [Fact]
    public void A_user_OnReset_is_the_whole_reset()
    {
        (Compilation output, Dictionary<string, string> generated) = TestCompiler.Generate("""
            using Arena;
            [Pooled] public partial class Buffer
            {
                public int Length;
                partial void OnReset() => Length = -1;
            }
            """);
        Assert.Empty(TestCompiler.Problems(output));
        string pool = generated["Buffer.Pool.g.cs"];
        Assert.Contains("partial void OnReset();", pool);
        Assert.DoesNotContain("this.Length =", pool);
    }

    [Fact]
    public void ARENA020_not_partial() => Expect(
        "[Pooled] public class [|Request|] { }",
        ("ARENA020", DiagnosticSeverity.Error, "The pooled type 'Request' must be declared partial so that its pool (and reset) can be generated"));

    [Fact]
    public void ARENA021_containing_type_not_partial() => Expect(
        "public class [|Outer|] { [Pooled] public partial class Request { } }",
        ("ARENA021", DiagnosticSeverity.Error, "The type 'Outer' contains the pooled type 'Outer.Request' and must be declared partial"));

    [Fact]
    public void ARENA022_generic() => Expect(
        "[Pooled] public partial class [|Box|]<T> { }",
        ("ARENA022", DiagnosticSeverity.Error, "The pooled type 'Box<T>' is generic or nested in a generic type; declare one pooled type per instantiation"));

    [Fact]
    public void ARENA023_not_visible() => Expect(
        "public partial class Outer { [Pooled] private partial class [|Hidden|] { } }",
        ("ARENA023", DiagnosticSeverity.Error, "The pooled type 'Outer.Hidden' must be public or internal, and so must every type containing it, so that its pool can be registered for AddArenaPools"));

    [Fact]
    public void ARENA024_struct_not_arena_type() => Expect(
        "[Pooled] public partial struct [|Point|] { public int X; }",
        ("ARENA024", DiagnosticSeverity.Error, "The pooled struct 'Point' lives on the arena's slabs and must also be marked [ArenaType]"));

    [Fact]
    public void ARENA025_class_without_a_public_parameterless_constructor() => Expect(
        "[Pooled] public partial class [|Conn|] { public Conn(int port) { } }",
        ("ARENA025", DiagnosticSeverity.Error, "The pooled class 'Conn' needs a public parameterless constructor: its pool creates objects with new()"));

    [Fact]
    public void ARENA026_record_or_abstract() => Expect(
        "[Pooled] public abstract partial class [|Base|] { }",
        ("ARENA026", DiagnosticSeverity.Error, "[Pooled] cannot be applied to 'Base': use a concrete, non-record 'partial class' or an [ArenaType] 'partial struct'"));

    [Fact]
    public void Pooled_steps_are_cached_after_an_unrelated_edit()
    {
        const string source = """
            using Arena;
            namespace Sample;
            [Pooled] public partial class Request { public int Status; }
            """;
        Compilation first = TestCompiler.Compile(source);
        GeneratorDriver driver = TestCompiler.Driver(track: true).RunGenerators(first);
        Compilation second = first.AddSyntaxTrees(Microsoft.CodeAnalysis.CSharp.CSharpSyntaxTree.ParseText("class Unrelated { }", TestCompiler.ParseOptions));
        GeneratorRunResult result = driver.RunGenerators(second).GetRunResult().Results.Single();
        foreach (string step in new[] { TrackingNames.PooledModels, TrackingNames.PoolRegistrations })
            Assert.All(result.TrackedSteps[step].SelectMany(s => s.Outputs), o => Assert.True(
                o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"{step}: {o.Reason}"));
    }

    private static void Expect(string markup, params (string Id, DiagnosticSeverity Severity, string Message)[] expected)
        => TestCompiler.AssertDiagnostics(Usings + markup, expected);
}
