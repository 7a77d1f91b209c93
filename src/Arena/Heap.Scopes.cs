// The heap's side of scopes. See Scopes/Scope.cs for their overview.

using System.Runtime.CompilerServices;
using Arena.Diagnostics;
using Arena.Pages;
using Arena.Scopes;
using Arena.Slabs;

namespace Arena;

public sealed unsafe partial class Heap
{
    [ThreadStatic] private static ScopeStack? t_scopes;
    [ThreadStatic] private static Dictionary<Heap, ScopeStack>? t_otherScopes;

    private readonly Lock _scopeLock = new();
    private ScopeThreadState* _scopeThreads;   // every live thread state, linked; guarded by _scopeLock
    private long _retiredScopesOpened, _retiredSafepoints;
    private bool _scopesGone;                  // set by Dispose under _scopeLock: the pages are gone

    /// <summary>
    /// Opens a scope on the calling thread: a region of bump allocation freed in bulk when it
    /// is disposed, nested inside the thread's open scopes. Write
    /// <c>using var scope = heap.Scope();</c>. Allocates nothing managed once the thread has
    /// opened a scope at this depth before.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The heap was disposed.</exception>
    public global::Arena.Scope Scope()
    {
        ScopeStack? stack = t_scopes;
        if (stack == null || stack.Heap != this || _disposed) stack = SwitchScopeStack();
        ScopeFrame* f = stack.Push();
        return new global::Arena.Scope(stack, f, f->Token);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private ScopeStack SwitchScopeStack()
    {
        if (_disposed) ThrowHelper.ObjectDisposed(nameof(Heap));
        ScopeStack? current = t_scopes;
        if (current != null && current.Heap == this) return current;
        var others = t_otherScopes ??= new Dictionary<Heap, ScopeStack>(ReferenceEqualityComparer.Instance);
        if (current != null && !current.Heap.IsDisposed) others[current.Heap] = current;
        if (!others.Remove(this, out ScopeStack? stack))
        {
            stack = new ScopeStack(this);
            lock (_scopeLock)
            {
                if (_disposed) ThrowHelper.ObjectDisposed(nameof(Heap));
                ScopeThreadState* st = stack.State;
                st->Next = _scopeThreads;
                if (_scopeThreads != null) _scopeThreads->Prev = st;
                _scopeThreads = st;
            }
        }
        t_scopes = stack;
        return stack;
    }

    /// <summary>Called by a stack's finalizer once its thread has ended and no handle is left.</summary>
    internal void RetireScopeStack(ScopeStack stack)
    {
        bool wasMutator;
        lock (_scopeLock)
        {
            ScopeThreadState* st = stack.State;
            wasMutator = !_scopesGone && st->Depth > 0;
            if (!_scopesGone)
            {
                _retiredScopesOpened += st->Opened;
                _retiredSafepoints += st->Safepoints;
                if (st->Prev != null) st->Prev->Next = st->Next; else _scopeThreads = st->Next;
                if (st->Next != null) st->Next->Prev = st->Prev;
            }
            stack.Release(pagesGone: _scopesGone);
        }
        // The thread ended inside a scope: it will never reach a safepoint, so it must stop
        // counting as a mutator, or every later collection would wait for it.
        if (wasMutator) Collector.MutatorEnded();
    }

    // ---- hooks for the collector ------------------------------------------------------

    /// <summary>The calling thread opened its outermost scope: it joins the collector's mutators (waits while a collection runs or stops the world).</summary>
    internal void OnMutatorEnter() => EnterMutator();

    /// <summary>
    /// The calling thread disposed its outermost scope: a safepoint (DESIGN.md, liveness
    /// contract 2), where a pending collection may run. Nested scopes never get here, so
    /// fresh objects held in locals of an outer scope stay safe.
    /// </summary>
    internal void OnOutermostScopeClosed() => ExitMutator();

    /// <summary>The collector's scope roots: every allocated range of every open scope, conservatively scanned.</summary>
    private void VisitScopeRanges(Action<nuint, nuint> visit)
    {
        var visitor = new RangeForwarder(visit);
        ForEachScopeRange(ref visitor);
    }

    private readonly struct RangeForwarder(Action<nuint, nuint> visit) : IScopeRangeVisitor
    {
        public void Visit(nuint start, nuint end, int threadId, int depth) => visit(start, end);
    }

    /// <summary>
    /// Calls <paramref name="visitor"/> for the allocated memory of every open scope of every
    /// thread: the collector's scope roots. Only valid while no owner thread runs (every
    /// mutator parked at a safepoint), as a collection requires; the lists are read under the
    /// scope lock but frames are not.
    /// </summary>
    internal void ForEachScopeRange<TVisitor>(ref TVisitor visitor) where TVisitor : struct, IScopeRangeVisitor
    {
        lock (_scopeLock)
        {
            for (ScopeThreadState* st = _scopeThreads; st != null; st = st->Next)
            {
                for (int d = 0; d < st->Depth; d++)
                {
                    ScopeFrame* f = st->Frames[d];
                    for (Slab* c = f->First; c != null && f->Current != null; c = c->Next)
                        if (f->UsedEnd(c) > c->Base) visitor.Visit(c->Base, f->UsedEnd(c), st->OwnerThreadId, d);
                    for (Slab* c = f->Large; c != null; c = c->Next)
                        visitor.Visit(c->Base, c->Base + c->LargeSize, st->OwnerThreadId, d);
                }
            }
        }
    }

    // ---- validation -------------------------------------------------------------------

    /// <summary>
    /// True when <paramref name="pointer"/> points into allocated memory of a scope of this
    /// heap that is still open (on any thread). False for memory of disposed scopes, for heap
    /// objects, and for memory of other heaps. Meant for validation and tests: a scope being
    /// disposed on another thread at the same moment makes the answer stale.
    /// </summary>
    public bool IsInLiveScope(void* pointer) => ScopeStatus((nuint)pointer) == ScopeMemory.Live;

    /// <summary>True when <paramref name="pointer"/> points into a scope of this heap that is still open.</summary>
    public bool IsInLiveScope<T>(Ptr<T> pointer) where T : unmanaged => IsInLiveScope(pointer.Pointer);

    /// <summary>
    /// Checked mode's test of a pointer about to be stored into a heap object: throws
    /// <see cref="InvalidOperationException"/> when it points into scope memory that is no
    /// longer allocated. Does nothing when <see cref="Checked"/> is off. The collector's
    /// write-barrier setters call it; until then callers may.
    /// </summary>
    internal void CheckStore(void* target)
    {
        if (Checked && target != null && ScopeStatus((nuint)target) == ScopeMemory.Dead)
            ThrowHelper.DisposedScopePointer((nint)target);
    }

    internal enum ScopeMemory { NotScope, Live, Dead }

    internal ScopeMemory ScopeStatus(nuint a)
    {
        Chunk* chunk = _pages.Owning(a);
        Slab* s = chunk != null ? chunk->SlabOf(a) : null;
        if (s == null || s->State != SlabState.Scope) return ScopeMemory.NotScope;
        var f = (ScopeFrame*)s->Owner;
        if (f == null || Volatile.Read(ref f->Token) == 0) return ScopeMemory.Dead;
        return a < f->UsedEnd(s) ? ScopeMemory.Live : ScopeMemory.Dead;
    }

    /// <summary>Gives the calling thread's cached scope chunks back to the page heap (part of Trim).</summary>
    private void TrimScopeCache()
    {
        ScopeStack? stack = t_scopes;
        if (stack != null && stack.Heap == this) stack.ReleaseCache();
        else if (t_otherScopes != null && t_otherScopes.TryGetValue(this, out stack)) stack.ReleaseCache();
    }

    // ---- statistics and disposal --------------------------------------------------------

    /// <summary>Sums the scope counters of every thread.</summary>
    private (long Inuse, long Sys, long Opened, long Open, long Safepoints) ScopeStats()
    {
        lock (_scopeLock)
        {
            long inuse = 0, sys = 0, opened = _retiredScopesOpened, open = 0, safepoints = _retiredSafepoints;
            for (ScopeThreadState* st = _scopeThreads; st != null; st = st->Next)
            {
                inuse += Volatile.Read(ref st->InuseBytes);
                sys += Volatile.Read(ref st->SysBytes);
                opened += Volatile.Read(ref st->Opened);
                open += Volatile.Read(ref st->Depth);
                safepoints += Volatile.Read(ref st->Safepoints);
            }
            return (inuse, sys, opened, open, safepoints);
        }
    }

    /// <summary>
    /// Called by Dispose before the pages go: closes every frame so that any later use of a
    /// scope handle takes the slow path and throws, and forgets the chunks.
    /// </summary>
    private void DisposeScopes()
    {
        lock (_scopeLock)
        {
            for (ScopeThreadState* st = _scopeThreads; st != null; st = st->Next)
            {
                for (int d = 0; d < st->FrameCount; d++)
                {
                    ScopeFrame* f = st->Frames[d];
                    f->Token = 0;
                    f->Limit = f->End = f->Bump = 0;
                    f->First = f->Current = f->Large = null;
                    f->Chunks = 0;
                    f->AttachedBytes = 0;
                }
                for (int t = 0; t < ScopeThreadState.Tiers; t++) st->FreeChunks[t] = 0;
                st->InuseBytes = st->SysBytes = st->CachedBytes = 0;
            }
            _scopeThreads = null;
            _scopesGone = true;
        }
    }
}
