// See Scope.cs for the overview of scopes and of the liveness contract.

namespace Arena.Scopes;

/// <summary>
/// Whether a thread is a mutator of a heap (DESIGN.md, the liveness contract). Stored in
/// <see cref="ScopeThreadState.Mutator"/> and written only by the owning thread, with a
/// volatile write, so a collector can read it from any thread.
/// </summary>
internal enum MutatorState
{
    /// <summary>No open scope: the thread holds no fresh objects and never blocks a collection.</summary>
    Idle,
    /// <summary>
    /// At least one open scope: objects it allocates stay alive until it passes a safepoint
    /// (disposing its outermost scope, Heap.Safepoint or Heap.Collect).
    /// </summary>
    Running,
}
