using System.Collections.Immutable;
using Arena.Generators.Analyzers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Arena.Tests.Analyzers;

/// <summary>
/// Compiles snippets against the Arena runtime with the scope escape analyzer and compares
/// its warnings with the lines marked <c>// ARENA1xx</c> in the snippet.
/// </summary>
public class ScopeEscapeAnalyzerTests
{
    private const string Prelude = """
        using Arena;
        public struct Node { public Ptr<Node> Left; public Ptr<Node> Right; public int Item; }
        public struct Holder { public Ptr<Node> P; }
        public sealed class Box { public Ptr<Node> P; }
        """;

    private static readonly Lazy<ImmutableArray<MetadataReference>> s_references = new(() =>
    {
        var paths = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator).ToList();
        string arena = typeof(Heap).Assembly.Location;
        if (!paths.Any(p => string.Equals(Path.GetFileName(p), "Arena.dll", StringComparison.OrdinalIgnoreCase))) paths.Add(arena);
        return [.. paths.Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))];
    });

    private static async Task<List<(string Id, int Line)>> AnalyzeAsync(string body)
    {
        string source = Prelude + "\n" + body;
        var tree = CSharpSyntaxTree.ParseText(source, new CSharpParseOptions(LanguageVersion.Latest));
        var compilation = CSharpCompilation.Create("Snippet", [tree], s_references.Value,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, allowUnsafe: true, nullableContextOptions: NullableContextOptions.Enable));
        var errors = compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        Assert.True(errors.Count == 0, "snippet does not compile: " + string.Join("\n", errors));
        ImmutableArray<Diagnostic> diagnostics = await compilation
            .WithAnalyzers([new ScopeEscapeAnalyzer()])
            .GetAnalyzerDiagnosticsAsync();
        return diagnostics.Select(d => (d.Id, d.Location.GetLineSpan().StartLinePosition.Line)).OrderBy(x => x.Line).ToList();
    }

    private static async Task AssertMarkedAsync(string body)
    {
        string[] lines = (Prelude + "\n" + body).Split('\n');
        var expected = new List<(string, int)>();
        for (int i = 0; i < lines.Length; i++)
        {
            int at = lines[i].IndexOf("// ARENA1", StringComparison.Ordinal);
            if (at >= 0) expected.Add((lines[i].Substring(at + 3, 8), i));
        }
        var actual = await AnalyzeAsync(body);
        Assert.Equal(expected, actual);
    }

    [Fact]
    public async Task Returning_scope_memory_from_the_method_that_opened_the_scope_warns()
    {
        await AssertMarkedAsync("""
            public static unsafe class C
            {
                public static Ptr<Node> Direct(Heap heap)
                {
                    using var scope = heap.Scope();
                    return scope.New<Node>();                          // ARENA101
                }
                public static Ptr<Node> ThroughLocals(Heap heap)
                {
                    using var scope = heap.Scope();
                    var p = scope.New<Node>();
                    Ptr<Node> q;
                    q = p;
                    return q;                                          // ARENA101
                }
                public static Node* RawAndIndexed(Heap heap, bool raw)
                {
                    using (var scope = heap.Scope())
                    {
                        Ptr<Node> arr = scope.NewArray<Node>(4);
                        if (raw) return arr.Pointer;                   // ARENA101
                        return arr[2].Pointer;                         // ARENA101
                    }
                }
                public static Ptr<Node> Conditional(Heap heap, bool b)
                {
                    using var scope = heap.Scope();
                    Ptr<Node> h = heap.Alloc<Node>();
                    return b ? h : scope.New<Node>();                  // ARENA101
                }
                public static void ThroughParameters(Heap heap, out Ptr<Node> result, ref Holder holder, Holder copy)
                {
                    using var scope = heap.Scope();
                    result = scope.New<Node>();                        // ARENA101
                    holder.P = scope.New<Node>();                      // ARENA101
                    copy.P = scope.New<Node>();
                }
                public static void OutFromCallerScope(Scope scope, out Ptr<Node> result) => result = scope.New<Node>();
                public static Ptr<Node> Reassigned(Heap heap)
                {
                    using var scope = heap.Scope();
                    Ptr<Node> r = heap.Alloc<Node>();
                    r = scope.New<Node>();
                    return r;                                          // ARENA101
                }
            }
            """);
    }

    [Fact]
    public async Task Returning_from_a_caller_scope_or_the_heap_or_a_copied_value_is_fine()
    {
        await AssertMarkedAsync("""
            public static unsafe class C
            {
                public static Ptr<Node> FromCallerScope(Scope scope) => scope.New<Node>();
                public static Ptr<Node> FromCallerScopeBody(Scope scope) { var p = scope.New<Node>(); return p; }
                public static Ptr<Node> FromHeap(Heap heap)
                {
                    using var scope = heap.Scope();
                    scope.New<Node>();
                    return heap.Alloc<Node>();
                }
                public static int Value(Heap heap)
                {
                    using var scope = heap.Scope();
                    var p = scope.New<Node>();
                    p.Value.Item = 3;
                    return p.Value.Item;
                }
                public static Node Copy(Heap heap)
                {
                    using var scope = heap.Scope();
                    return scope.New<Node>().Value;
                }
            }
            """);
    }

    [Fact]
    public async Task Storing_scope_memory_into_a_static_warns()
    {
        await AssertMarkedAsync("""
            public static class C
            {
                private static Ptr<Node> s_node;
                private static Holder s_holder;
                public static Ptr<Node> Cached { get; set; }
                public static void Store(Heap heap, Scope outer)
                {
                    using var scope = heap.Scope();
                    var p = scope.New<Node>();
                    s_node = p;                                        // ARENA102
                    Cached = scope.New<Node>();                        // ARENA102
                    s_holder.P = p;                                    // ARENA102
                    s_node = outer.New<Node>();                        // ARENA102
                    s_node = heap.Alloc<Node>();
                    var local = new Holder();
                    local.P = p;
                }
            }
            """);
    }

    [Fact]
    public async Task Storing_scope_memory_into_an_object_allocated_outside_the_scope_warns()
    {
        await AssertMarkedAsync("""
            public static class C
            {
                public static void Store(Heap heap)
                {
                    Ptr<Node> h = heap.Alloc<Node>();
                    using var outer = heap.Scope();
                    Ptr<Node> o = outer.New<Node>();
                    using (var inner = heap.Scope())
                    {
                        var p = inner.New<Node>();
                        h.Value.Left = p;                              // ARENA103
                        o.Value.Right = inner.New<Node>();             // ARENA103
                        heap.Alloc<Node>().Value.Left = p;             // ARENA103
                        p.Value.Left = o;
                        var q = inner.New<Node>();
                        q.Value.Left = p;
                    }
                    h.Value.Left = o;                                  // ARENA103
                    o.Value.Left = outer.New<Node>();
                    heap.Free(h);
                }
                public static void FromParameterScope(Heap heap, Scope caller)
                {
                    Ptr<Node> c = caller.New<Node>();
                    using var mine = heap.Scope();
                    c.Value.Left = mine.New<Node>();                   // ARENA103
                    mine.New<Node>().Value.Left = c;
                }
            }
            """);
    }

    [Fact]
    public async Task Code_without_scopes_gets_no_warnings()
    {
        await AssertMarkedAsync("""
            public static class C
            {
                private static Ptr<Node> s_node;
                public static Ptr<Node> Make(Heap heap) { var p = heap.Alloc<Node>(); s_node = p; return p; }
                public static int Sum(int[] xs) { int s = 0; foreach (int x in xs) s += x; return s; }
            }
            """);
    }

    [Fact]
    public void The_analyzer_declares_ids_101_to_103_as_warnings_with_messages()
    {
        var analyzer = new ScopeEscapeAnalyzer();
        Assert.Equal(["ARENA101", "ARENA102", "ARENA103"], analyzer.SupportedDiagnostics.Select(d => d.Id));
        Assert.All(analyzer.SupportedDiagnostics, d =>
        {
            Assert.Equal(DiagnosticSeverity.Warning, d.DefaultSeverity);
            Assert.True(d.IsEnabledByDefault);
            Assert.False(string.IsNullOrWhiteSpace(d.MessageFormat.ToString()));
        });
    }
}
