using System;
using System.Collections.Generic;
using System.Text;

namespace Arena.Generators.Emitting;

/// <summary>Whether a <c>[Pooled]</c> type is an arena struct or a class.</summary>
public enum PooledKind
{
    /// <summary>An <c>[ArenaType]</c> partial struct: pooled on the runtime's slabs (<c>ArenaPool&lt;T&gt;</c>).</summary>
    Struct,
    /// <summary>A partial class: pooled with Microsoft.Extensions.ObjectPool (<c>ArenaObjectPool&lt;T&gt;</c>).</summary>
    Class,
}

/// <summary>A field of a <c>[Pooled]</c> class, as the reset sees it.</summary>
public readonly struct PooledField : IEquatable<PooledField>
{
    /// <summary>Creates a field spec.</summary>
    /// <param name="name">The field's name as declared (an identifier, escaped with @ when it is a keyword).</param>
    /// <param name="keep">
    /// True to leave the field as it is on reset: marked <c>[PoolKeep]</c>, or readonly (which
    /// cannot be assigned), or const/static (which the parser should not pass at all).
    /// </param>
    public PooledField(string name, bool keep)
    {
        Name = name;
        Keep = keep;
    }

    /// <summary>The field's name.</summary>
    public string Name { get; }

    /// <summary>True when the reset leaves the field as it is.</summary>
    public bool Keep { get; }

    /// <inheritdoc/>
    public bool Equals(PooledField other) => Name == other.Name && Keep == other.Keep;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is PooledField f && Equals(f);

    /// <inheritdoc/>
    public override int GetHashCode() => (Name?.GetHashCode() ?? 0) * 31 + (Keep ? 1 : 0);
}

/// <summary>
/// The source text generated for <c>[Pooled]</c> types: per type, a static <c>Pool</c> (and for
/// a class, the reset that implements <c>IResettable</c>); per assembly, one module
/// initializer that registers every pool with <c>Arena.ArenaPools</c> so that
/// <c>services.AddArenaPools()</c> finds them. Pure string functions: the pipeline passes
/// names taken from its equatable models.
/// </summary>
/// <remarks>
/// What the parser must establish first (else report a diagnostic and emit nothing): the type
/// is partial, not generic, and every containing type is partial and at least internal (the
/// registration file names the type from outside); a struct also carries <c>[ArenaType]</c>;
/// a class has a public parameterless constructor (the policy calls <c>new T()</c>) and does
/// not declare <c>IResettable.TryReset</c> itself.
/// </remarks>
public static class PoolEmitter
{
    /// <summary>The attribute on every generated member, as the other emitters write it.</summary>
    private const string GeneratedCode = "[global::System.CodeDom.Compiler.GeneratedCode(\"Arena.Generators\", \"1.0.0\")]";

    /// <summary>Hint name of the per-assembly registration file.</summary>
    public const string RegistrationsHintName = "ArenaPoolRegistrations.g.cs";

    /// <summary>Hint name of the pool file for a type (its fully qualified name without <c>global::</c>).</summary>
    public static string HintName(string fullyQualifiedName) => fullyQualifiedName.Replace("global::", "") + ".Pool.g.cs";

    /// <summary>The pool file of one <c>[Pooled]</c> type.</summary>
    /// <param name="namespaceName">The type's namespace, or null/empty for the global namespace.</param>
    /// <param name="containingTypes">
    /// Declarations of the containing types, outermost first, as they open in the partial
    /// declaration (<c>"partial class Outer"</c>); empty for a top-level type.
    /// </param>
    /// <param name="typeName">The type's name.</param>
    /// <param name="kind">Struct or class.</param>
    /// <param name="fields">For a class, its instance fields in declaration order; ignored for a struct.</param>
    /// <param name="userResets">For a class, true when it implements <c>partial void OnReset()</c>: that method is then the whole reset.</param>
    public static string Emit(string? namespaceName, IReadOnlyList<string> containingTypes, string typeName, PooledKind kind,
        IReadOnlyList<PooledField> fields, bool userResets)
        => kind == PooledKind.Struct
            ? EmitStruct(namespaceName, containingTypes, typeName)
            : EmitClass(namespaceName, containingTypes, typeName, fields, userResets);

    /// <summary>The pool file of a <c>[Pooled]</c> arena struct: <c>T.Pool</c>, an <c>ArenaPool&lt;T&gt;</c> on <c>Heap.Default</c>.</summary>
    public static string EmitStruct(string? namespaceName, IReadOnlyList<string> containingTypes, string typeName)
    {
        var w = new Writer();
        w.Header();
        w.OpenScopes(namespaceName, containingTypes);
        w.Line("partial struct " + typeName);
        w.Open();
        w.Line("/// <summary>");
        w.Line("/// The typed pool of <see cref=\"" + typeName + "\"/> on <see cref=\"global::Arena.Heap.Default\"/>: <c>Rent()</c> gives");
        w.Line("/// a zeroed object, <c>Return</c> takes it back. Go: sync.Pool.");
        w.Line("/// </summary>");
        w.Line(GeneratedCode);
        w.Line("public static global::Arena.ArenaPool<" + typeName + "> Pool { get; } = new global::Arena.ArenaPool<" + typeName + ">();");
        w.Close();
        w.CloseScopes(containingTypes);
        return w.ToString();
    }

    /// <summary>
    /// The pool file of a <c>[Pooled]</c> class: <c>T.Pool</c>, Arena's <c>ArenaObjectPool&lt;T&gt;</c>
    /// (an <c>ObjectPool&lt;T&gt;</c>, typed as the sealed class so calls bind directly and inline)
    /// with the stock <c>DefaultPooledObjectPolicy&lt;T&gt;</c>,
    /// and <c>IResettable.TryReset</c>: every field not kept back to its default, or the user's
    /// <c>OnReset()</c> when <paramref name="userResets"/>.
    /// </summary>
    public static string EmitClass(string? namespaceName, IReadOnlyList<string> containingTypes, string typeName,
        IReadOnlyList<PooledField> fields, bool userResets)
    {
        var w = new Writer();
        w.Header();
        w.OpenScopes(namespaceName, containingTypes);
        w.Line("partial class " + typeName + " : global::Microsoft.Extensions.ObjectPool.IResettable");
        w.Open();
        w.Line("/// <summary>");
        w.Line("/// The pool of <see cref=\"" + typeName + "\"/>: <c>Get()</c> gives a reset object, <c>Return</c> resets it");
        w.Line("/// and keeps it for reuse. Go: sync.Pool.");
        w.Line("/// </summary>");
        w.Line(GeneratedCode);
        w.Line("public static global::Arena.ArenaObjectPool<" + typeName + "> Pool { get; } =");
        w.Line("    new global::Arena.ArenaObjectPool<" + typeName + ">(new global::Microsoft.Extensions.ObjectPool.DefaultPooledObjectPolicy<" + typeName + ">());");
        w.Line();
        if (userResets)
        {
            w.Line("/// <summary>Resets this object for reuse; called by <see cref=\"Pool\"/> when it is returned.</summary>");
            w.Line("partial void OnReset();");
            w.Line();
            w.Line(GeneratedCode);
            w.Line("bool global::Microsoft.Extensions.ObjectPool.IResettable.TryReset()");
            w.Open();
            w.Line("OnReset();");
            w.Line("return true;");
            w.Close();
        }
        else
        {
            w.Line(GeneratedCode);
            w.Line("bool global::Microsoft.Extensions.ObjectPool.IResettable.TryReset()");
            w.Open();
            foreach (PooledField f in fields)
            {
                if (f.Keep) w.Line("// " + f.Name + ": [PoolKeep], left as it is");
                else w.Line("this." + f.Name + " = default!;");
            }
            w.Line("return true;");
            w.Close();
        }
        w.Close();
        w.CloseScopes(containingTypes);
        return w.ToString();
    }

    /// <summary>
    /// The per-assembly registration file: a module initializer that registers each pool with
    /// <c>Arena.ArenaPools</c>, in the order given (sort the names ordinally for a deterministic file).
    /// </summary>
    /// <param name="fullyQualifiedTypeNames">Each <c>[Pooled]</c> type, as <c>global::Namespace.Outer.Type</c>.</param>
    public static string EmitRegistrations(IReadOnlyList<string> fullyQualifiedTypeNames)
    {
        var w = new Writer();
        w.Header();
        w.Line("namespace Arena.Generated;");
        w.Line();
        w.Line("/// <summary>Registers this assembly's typed pools for <c>services.AddArenaPools()</c>.</summary>");
        w.Line(GeneratedCode);
        w.Line("internal static class ArenaPoolRegistrations");
        w.Open();
        w.Line("#pragma warning disable CA2255 // a module initializer is the registry's documented entry point");
        w.Line("[global::System.Runtime.CompilerServices.ModuleInitializer]");
        w.Line("#pragma warning restore CA2255");
        w.Line("internal static void Register()");
        w.Open();
        foreach (string name in fullyQualifiedTypeNames)
            w.Line("global::Arena.ArenaPools.Register(" + name + ".Pool);");
        w.Close();
        w.Close();
        return w.ToString();
    }

    /// <summary>A small indented writer (4 spaces, "\n" line ends).</summary>
    private sealed class Writer
    {
        private readonly StringBuilder _sb = new StringBuilder();
        private int _indent;

        public void Header()
        {
            Line("// <auto-generated/>");
            Line("#nullable enable");
            Line();
        }

        public void Line(string text = "")
        {
            if (text.Length > 0 && !text.StartsWith("#", StringComparison.Ordinal)) _sb.Append(' ', _indent * 4);
            _sb.Append(text).Append('\n');
        }

        public void Open()
        {
            Line("{");
            _indent++;
        }

        public void Close()
        {
            _indent--;
            Line("}");
        }

        public void OpenScopes(string? namespaceName, IReadOnlyList<string> containingTypes)
        {
            if (!string.IsNullOrEmpty(namespaceName))
            {
                Line("namespace " + namespaceName + ";");
                Line();
            }
            foreach (string declaration in containingTypes)
            {
                Line(declaration);
                Open();
            }
        }

        public void CloseScopes(IReadOnlyList<string> containingTypes)
        {
            for (int i = 0; i < containingTypes.Count; i++) Close();
        }

        public override string ToString() => _sb.ToString();
    }
}
