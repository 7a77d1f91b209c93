// See Scope.cs for the overview of scopes.

namespace Arena.Scopes;

/// <summary>
/// Receives the memory of open scopes from <see cref="Heap.ForEachScopeRange{TVisitor}"/>:
/// the collector's root scan (every allocated byte of an open scope is a root). A struct
/// implementation is called without allocation or virtual dispatch.
/// </summary>
internal unsafe interface IScopeRangeVisitor
{
    /// <summary>One contiguous range [<paramref name="start"/>, <paramref name="end"/>) of allocated scope memory.</summary>
    /// <param name="start">First byte of the range.</param>
    /// <param name="end">One past its last allocated byte.</param>
    /// <param name="threadId">The managed thread id of the scope's owner.</param>
    /// <param name="depth">The scope's depth on its thread (0 = outermost).</param>
    void Visit(nuint start, nuint end, int threadId, int depth);
}
