using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace Arena.Generators.Tests;

/// <summary>Each diagnostic: its id, where it points (the [| |] span) and its message.</summary>
public class DiagnosticTests
{
    private const string Usings = "using Arena;\nusing System.Runtime.InteropServices;\n\n";

    [Fact]
    public void ARENA001_not_partial() => Expect(
        "[ArenaType] public struct [|Node|] { public int X; }",
        ("ARENA001", DiagnosticSeverity.Error, "The arena type 'Node' must be declared partial so that its type information can be generated"));

    [Fact]
    public void ARENA002_containing_type_not_partial() => Expect(
        "public class [|Outer|] { [ArenaType] public partial struct Node { public int X; } }",
        ("ARENA002", DiagnosticSeverity.Error, "The type 'Outer' contains the arena type 'Outer.Node' and must be declared partial"));

    [Fact]
    public void ARENA003_generic() => Expect(
        "[ArenaType] public partial struct [|Pair|]<T> where T : unmanaged { public T A; }",
        ("ARENA003", DiagnosticSeverity.Error, "The arena type 'Pair<T>' is generic or nested in a generic type; its layout and type id must be known at build time, so declare one struct per instantiation"));

    [Fact]
    public void ARENA003_nested_in_generic() => Expect(
        "public partial class Box<T> { [ArenaType] public partial struct [|Item|] { public int X; } }",
        ("ARENA003", DiagnosticSeverity.Error, "The arena type 'Box<T>.Item' is generic or nested in a generic type; its layout and type id must be known at build time, so declare one struct per instantiation"));

    [Fact]
    public void ARENA004_ref_struct() => Expect(
        "[ArenaType] public ref partial struct [|Frame|] { public int X; }",
        ("ARENA004", DiagnosticSeverity.Error, "[ArenaType] cannot be applied to the ref struct 'Frame'; declare it as a 'partial struct'"));

    [Fact]
    public void ARENA004_record_struct() => Expect(
        "[ArenaType] public partial record struct [|Point|](int X, int Y);",
        ("ARENA004", DiagnosticSeverity.Error, "[ArenaType] cannot be applied to the record struct 'Point'; declare it as a 'partial struct'"));

    [Fact]
    public void Class_or_record_class_is_rejected_by_the_attribute_target()
    {
        (Compilation output, Dictionary<string, string> generated) = TestCompiler.Generate(Usings + "[ArenaType] public partial class C { } [ArenaType] public partial record R(int X);");
        Assert.Empty(generated);
        Assert.Equal(["CS0592", "CS0592"], output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).Select(d => d.Id));
    }

    [Fact]
    public void Ptr_to_a_managed_type_is_rejected_by_the_compiler()
    {
        (Compilation output, _) = TestCompiler.Generate(Usings + "[ArenaType] public partial struct S { private Ptr<string> name; }");
        Assert.Contains(output.GetDiagnostics(), d => d.Id == "CS8377");
    }

    [Fact]
    public void ARENA005_managed_reference_direct_and_nested() => Expect(
        """
        public struct Inner { public int A; public object B; }
        [ArenaType] public partial struct Holder
        {
            public int X;
            public string [|Name|];
            public Inner [|In|];
        }
        """,
        ("ARENA005", DiagnosticSeverity.Error, "The field 'Name' of arena type 'Holder' holds a managed reference ('Name' of type 'string'); arena memory is unmanaged and invisible to the .NET garbage collector"),
        ("ARENA005", DiagnosticSeverity.Error, "The field 'In' of arena type 'Holder' holds a managed reference ('In.B' of type 'object'); arena memory is unmanaged and invisible to the .NET garbage collector"));

    [Fact]
    public void ARENA006_pointer_field_not_private() => Expect(
        "[ArenaType] public partial struct P { public Ptr<P> [|Next|]; internal Ptr<P> [|Prev|]; private Ptr<P> other; }",
        ("ARENA006", DiagnosticSeverity.Warning, "The pointer field 'Next' is public; make it private so that writes go through the generated property and its write barrier"),
        ("ARENA006", DiagnosticSeverity.Warning, "The pointer field 'Prev' is internal; make it private so that writes go through the generated property and its write barrier"));

    [Fact]
    public void ARENA007_writes_that_bypass_the_property() => Expect(
        """
        [ArenaType] public partial struct N
        {
            private Ptr<N> next;
            public N(Ptr<N> n) { next = n; }
            public void Reset() { [|next|] = default; }
            public void Fine(Ptr<N> n) { Next = n; WriteBarrier.Write(ref next, n); var copy = next; }
            public static void ByRef(ref N a) { Take(ref [|a.next|]); ref Ptr<N> alias = ref [|a.next|]; }
            private static void Take(ref Ptr<N> p) { }
        }
        """,
        ("ARENA007", DiagnosticSeverity.Warning, "This write to the pointer field 'next' bypasses the write barrier; assign the property 'Next' instead"),
        ("ARENA007", DiagnosticSeverity.Warning, "This write to the pointer field 'next' bypasses the write barrier; assign the property 'Next' instead"),
        ("ARENA007", DiagnosticSeverity.Warning, "This write to the pointer field 'next' bypasses the write barrier; assign the property 'Next' instead"));

    [Fact]
    public void ARENA007_deconstruction_out_arguments_and_addresses_write_too_and_readonly_references_do_not() => Expect(
        """
        [ArenaType] public unsafe partial struct N
        {
            private Ptr<N> next;
            public static void Writes(ref N a, Ptr<N> p)
            {
                ([|a.next|], var i) = (p, 1);
                Make(out [|a.next|]);
                Ptr<N>* raw = &[|a.next|];
            }
            public static Ptr<N> Reads(ref N a)
            {
                ref readonly Ptr<N> view = ref a.next;
                Look(in a.next);
                Look(a.next);
                return view;
            }
            private static void Make(out Ptr<N> p) => p = default;
            private static void Look(in Ptr<N> p) { }
        }
        """,
        ("ARENA007", DiagnosticSeverity.Warning, "This write to the pointer field 'next' bypasses the write barrier; assign the property 'Next' instead"),
        ("ARENA007", DiagnosticSeverity.Warning, "This write to the pointer field 'next' bypasses the write barrier; assign the property 'Next' instead"),
        ("ARENA007", DiagnosticSeverity.Warning, "This write to the pointer field 'next' bypasses the write barrier; assign the property 'Next' instead"));

    [Fact]
    public void ARENA008_pointer_to_a_type_with_pointers_that_is_not_an_arena_type() => Expect(
        """
        public struct Raw { public Ptr<Raw> P; }
        [ArenaType] public partial struct H { private Ptr<Raw> [|raw|]; private Ptr<int> number; private Ptr<H> self; }
        """,
        ("ARENA008", DiagnosticSeverity.Error, "The field 'raw' points to 'Raw', which holds pointers but is not an arena type; mark 'Raw' with [ArenaType] so that its pointers are known"));

    [Fact]
    public void ARENA009_misaligned_pointer() => Expect(
        """
        [StructLayout(LayoutKind.Sequential, Pack = 4)]
        [ArenaType] public partial struct M { public int A; private Ptr<M> [|next|]; }
        [StructLayout(LayoutKind.Explicit)]
        [ArenaType] public partial struct E { [FieldOffset(12)] private Ptr<E> [|next|]; }
        """,
        ("ARENA009", DiagnosticSeverity.Error, "The pointer in field 'next' is at byte 4, not a multiple of 8; the pointer map has one bit per 8-byte word, so check Pack and FieldOffset"),
        ("ARENA009", DiagnosticSeverity.Error, "The pointer in field 'next' is at byte 12, not a multiple of 8; the pointer map has one bit per 8-byte word, so check Pack and FieldOffset"));

    [Fact]
    public void ARENA010_overlapped_pointer() => Expect(
        """
        [StructLayout(LayoutKind.Explicit)]
        [ArenaType] public partial struct U { [FieldOffset(0)] private Ptr<U> next; [FieldOffset(4)] public int [|X|]; [FieldOffset(8)] public long Y; }
        """,
        ("ARENA010", DiagnosticSeverity.Error, "'U.X' overlaps the pointer at byte 0 of 'U.next'; a pointer cannot share its bytes with another field"));

    [Fact]
    public void ARENA011_unknown_layout_with_pointers() => Expect(
        "[ArenaType] public partial struct T { public System.DateTime [|At|]; private Ptr<T> next; }",
        ("ARENA011", DiagnosticSeverity.Error, "The layout of field 'At' (type 'System.DateTime') is not known at build time, so the pointer map of 'T' cannot be computed; use a struct declared in this project, or keep pointers out of this type"));

    [Fact]
    public void ARENA012_no_property_name() => Expect(
        "[ArenaType] public partial struct K { private Ptr<K> [|_|]; private Ptr<K> [|next|]; public int Next; public K(Ptr<K> k) { _ = k; } }",
        ("ARENA012", DiagnosticSeverity.Warning, "No property is generated for the pointer field '_': its name gives no distinct property name; rename the field (for example 'next' gives 'Next')"),
        ("ARENA012", DiagnosticSeverity.Warning, "No property is generated for the pointer field 'next': 'Next' is already a member of 'K'; rename the field (for example 'next' gives 'Next')"));

    [Fact]
    public void ARENA013_embedded_struct_with_pointers_outside_an_arena_type() => Expect(
        """
        public struct Link { public int Weight; public Ptr<int> Target; }
        public struct Wrapper { public long Id; public Link Link; }
        [ArenaType] public partial struct Owner { private Ptr<int> inner; }
        [ArenaType] public partial struct G
        {
            public Link [|First|];
            public Wrapper [|Second|];
            public Owner Fine;
        }
        """,
        ("ARENA013", DiagnosticSeverity.Warning, "The field 'First' embeds 'Link', whose pointer field 'Target' has no generated property, so writes to it bypass the write barrier; mark 'Link' with [ArenaType] and make the field private"),
        ("ARENA013", DiagnosticSeverity.Warning, "The field 'Second' embeds 'Link', whose pointer field 'Target' has no generated property, so writes to it bypass the write barrier; mark 'Link' with [ArenaType] and make the field private"));

    [Fact]
    public void Valid_arena_types_get_no_diagnostics_and_compile_cleanly()
    {
        const string source = Usings + """
            using System.Runtime.CompilerServices;
            namespace Sample;
            public enum Kind : byte { A, B }
            [InlineArray(4)] public struct Four { private Ptr<Node> _e; }
            [ArenaType] public partial struct Node
            {
                private Ptr<Node> left, right;
                public Kind Kind;
                public decimal Amount;
                public Four Children;
                public Node(Ptr<Node> l) { left = l; right = default; Kind = Kind.A; Amount = 0; Children = default; }
                public void Rotate() { Ptr<Node> l = Left; Left = Right; Right = l; }
            }
            [StructLayout(LayoutKind.Explicit)]
            [ArenaType] public partial struct U { [FieldOffset(0)] private Ptr<Node> p; [FieldOffset(8)] public long A; [FieldOffset(8)] public double B; }
            [StructLayout(LayoutKind.Explicit)]
            [ArenaType] public partial struct Either { [FieldOffset(0)] private Ptr<Node> node; [FieldOffset(0)] private Ptr<U> u; [FieldOffset(8)] public int Tag; }
            """;
        Assert.Empty(TestCompiler.Analyze(source));
        (Compilation output, Dictionary<string, string> generated) = TestCompiler.Generate(source);
        Assert.Equal(3 + 1, generated.Count);   // three types and the pointer-map registration
        Assert.Empty(TestCompiler.Problems(output));
    }

    private static void Expect(string markup, params (string Id, DiagnosticSeverity Severity, string Message)[] expected)
        => TestCompiler.AssertDiagnostics(Usings + markup, expected);
}
