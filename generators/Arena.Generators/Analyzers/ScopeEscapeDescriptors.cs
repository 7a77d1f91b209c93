using Microsoft.CodeAnalysis;

namespace Arena.Generators.Analyzers;

/// <summary>
/// Diagnostics of scope escapes, ids ARENA101 and up. Each names the pointer, the scope it
/// came from and where it went, and says how to fix it.
/// </summary>
// Release tracking (RS2008) needs AnalyzerReleases.*.md wired in as AdditionalFiles of the
// project; until the project tracks releases, these ids are listed in docs/scopes.md.
internal static class ScopeEscapeDescriptors
{
    public const string Category = "Arena.Scopes";

    public static readonly DiagnosticDescriptor ReturnedFromScopeMethod = new(
        id: "ARENA101",
        title: "Scope memory returned from the method that opened the scope",
        messageFormat: "'{0}' points into scope '{1}', which this method disposes before it returns; the caller gets a dangling pointer (returned, or through an out or ref parameter). Allocate it from the heap, or from a scope the caller passes in.",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Warning,
        isEnabledByDefault: true,
        description: "Memory from Scope.New, NewArray or NewSpan is freed when its scope is disposed. A scope opened with `using` in a method is disposed when the method returns, so returning a pointer into it, or handing it out through an out or ref parameter, always dangles.");

    public static readonly DiagnosticDescriptor StoredInStatic = new(
        id: "ARENA102",
        title: "Scope memory stored into a static field or property",
        messageFormat: "'{0}' points into scope '{1}' and is stored into static '{2}', which outlives the scope. Allocate it from the heap, or clear the static before the scope is disposed.",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Warning,
        isEnabledByDefault: true,
        description: "A static field lives as long as the process; scope memory only until its scope is disposed.");

    public static readonly DiagnosticDescriptor StoredInOuterObject = new(
        id: "ARENA103",
        title: "Scope memory stored into an object allocated outside the scope",
        messageFormat: "'{0}' points into scope '{1}' and is stored into an object {2}, which outlives the scope. Allocate the stored object from the same place as its holder.",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Warning,
        isEnabledByDefault: true,
        description: "An object from the heap (Heap.Alloc/New) or from an enclosing scope outlives an inner scope; a pointer it holds into the inner scope dangles once that scope is disposed.");
}
