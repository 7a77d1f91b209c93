using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Arena.Generators.Tests;

/// <summary>
/// The generator's output against expected files in Baselines/. To rewrite the baselines
/// after an intended change, run the tests with ARENA_UPDATE_BASELINES=1 and review the diff.
/// </summary>
public class GeneratedSourceTests
{
    [Theory]
    [InlineData("Node", "Sample.Node.g.cs", """
        using Arena;

        namespace Sample;

        [ArenaType]
        public partial struct Node
        {
            private Ptr<Node> left;
            private Ptr<Node> right;
            public int Item;
        }
        """)]
    [InlineData("Nested", "Sample.Outer.Inner.Leaf.g.cs", """
        using Arena;

        namespace Sample;

        public static partial class Outer
        {
            internal partial record struct Inner
            {
                [ArenaType]
                internal readonly partial struct Leaf
                {
                    private readonly Ptr<Leaf> _next;
                    public readonly double Weight;

                    public Leaf(Ptr<Leaf> next, double weight)
                    {
                        _next = next;
                        Weight = weight;
                    }
                }
            }
        }
        """)]
    [InlineData("GlobalNoPointers", "Plain.g.cs", """
        [Arena.ArenaType]
        public partial struct Plain
        {
            public long A;
            public byte B;
        }
        """)]
    [InlineData("UnknownLayout", "Sample.Stamp.g.cs", """
        namespace Sample;

        [Arena.ArenaType]
        public partial struct Stamp
        {
            public System.DateTime At;
            public int Count;
        }
        """)]
    [InlineData("Keywords", "Sample.Keywords.g.cs", """
        using Arena;

        namespace Sample;

        [ArenaType]
        public partial struct Keywords
        {
            private Ptr<Keywords> @event;
            private Ptr<int> m_count;
            private Ptr<int> _;

            public Keywords(Ptr<int> underscore) => this._ = underscore;
        }
        """)]
    public void Output_matches_the_baseline(string name, string hintName, string source)
    {
        (Compilation output, Dictionary<string, string> generated) = TestCompiler.Generate(source);
        Assert.Empty(TestCompiler.Problems(output));
        Assert.Equal([hintName], generated.Keys.Where(k => k != RegistrationHint));
        string path = BaselinePath(name);
        if (Environment.GetEnvironmentVariable("ARENA_UPDATE_BASELINES") == "1")
            File.WriteAllText(path, generated[hintName]);
        Assert.Equal(File.ReadAllText(path), generated[hintName]);
    }

    [Theory]
    [InlineData(LanguageVersion.CSharp11, NullableContextOptions.Disable)]
    [InlineData(LanguageVersion.Latest, NullableContextOptions.Enable)]
    public void Output_compiles_without_warnings_under_documentation_checks(LanguageVersion version, NullableContextOptions nullable)
    {
        const string source = """
            using Arena;

            namespace Sample;

            /// <summary>A tree node.</summary>
            [ArenaType]
            public partial struct Node
            {
                private Ptr<Node> left;
                private Ptr<Node> right;

                /// <summary>The payload.</summary>
                public int Item;
            }
            """;
        var options = new CSharpParseOptions(version, DocumentationMode.Diagnose);
        Compilation input = TestCompiler.Compile(options, nullable, source);
        TestCompiler.Driver(parseOptions: options).RunGeneratorsAndUpdateCompilation(input, out Compilation output, out _);
        Assert.Equal(3, output.SyntaxTrees.Count());   // the source, the type's file, the registration
        Assert.Empty(TestCompiler.Problems(output));
    }

    private const string RegistrationHint = "ArenaTypes.Registration.g.cs";

    [Fact]
    public void Registration_names_every_arena_type_with_pointers_the_module_can_see()
    {
        const string source = """
            using Arena;

            namespace Sample;

            [ArenaType] public partial struct Node { private Ptr<Node> next; }
            [ArenaType] public partial struct Plain { public long A; }
            public partial class Outer
            {
                [ArenaType] internal partial struct Visible { private Ptr<Node> p; }
                [ArenaType] private partial struct Hidden { private Ptr<Node> p; }
            }
            """;
        (Compilation output, Dictionary<string, string> generated) = TestCompiler.Generate(source);
        Assert.Empty(TestCompiler.Problems(output));
        string registration = generated[RegistrationHint];
        string[] calls = registration.Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith("global::Arena.ArenaTypeRegistry.Register<", StringComparison.Ordinal)).ToArray();
        Assert.Equal(
            ["global::Arena.ArenaTypeRegistry.Register<global::Sample.Node>();", "global::Arena.ArenaTypeRegistry.Register<global::Sample.Outer.Visible>();"],
            calls);
        Assert.Contains("[global::System.Runtime.CompilerServices.ModuleInitializer]", registration);
        Assert.StartsWith("// <auto-generated/>", registration);
    }

    [Fact]
    public void No_registration_file_when_no_arena_type_has_pointers()
    {
        (_, Dictionary<string, string> generated) = TestCompiler.Generate("""
            [Arena.ArenaType] public partial struct Plain { public long A; }
            """);
        Assert.DoesNotContain(RegistrationHint, generated.Keys);
    }

    private static string BaselinePath(string name, [CallerFilePath] string here = "")
        => Path.Combine(Path.GetDirectoryName(here)!, "Baselines", name + ".g.cs");
}
