// Scopes: overview. Other files of this layer say "See Scope.cs".
//
// A scope is a region of bump allocation owned by one thread, freed in bulk
// when it is disposed: Go's goroutine stack, which grows in chunks and frees a
// frame's locals when the function returns, and Go's arena experiment, which
// frees a request's memory at once. Scopes nest as a per-thread stack.
//
// Glossary
//   scope        the public handle, a 24-byte readonly struct: the thread's
//                stack, a frame pointer and the token of this opening.
//   frame        unmanaged state of one depth of the stack: bump pointer,
//                chunk chain, large runs, token. Reused by every scope opened
//                at that depth. Go: the frame's slice of the stack.
//                                                    Scopes/ScopeFrame.cs
//   chunk        a page run from the page heap (a Slab descriptor in state
//                Scope) that frames bump through. Tier t is 2^t pages: a
//                frame's first chunk is 8 KiB, each next one twice the last,
//                up to 1 MiB. Go: a stack segment.
//   large run    a request over 256 KiB: a page run of its own, freed with
//                the scope.
//   chunk cache  per thread, free chunks by tier, up to 4 MiB. Go: stackcache.
//   stack        per thread and heap, the frames and the cache.
//                                                    Scopes/ScopeStack.cs,
//                                                    Scopes/ScopeThreadState.cs
//
// Opening (heap.Scope())
//   1. Find the thread's stack for this heap in a thread-static.
//   2. Take the frame at the current depth (allocated once per depth), give it
//      the next token. A frame keeps its first chunk while closed, so a steady
//      open-allocate-dispose loop touches no page heap and no managed memory.
//   3. Depth 0 → 1: the thread becomes a mutator (Heap.OnMutatorEnter).
//
// Allocating (scope.New<T>(), NewArray, NewSpan)
//   1. Fast path, inlined: the frame's token equals the handle's, and
//      Bump + size <= Limit: advance Bump, zero the object. Sizes are rounded
//      to 8 bytes, so every object is 8-aligned. About ten instructions.
//   2. Slow path: validate (disposed scope, wrong thread, disposed heap), align,
//      take the next chunk from the cache or the page heap, or a large run.
//      Past HeapOptions.MaxBytes the page heap throws ArenaOutOfMemoryException
//      before the frame is changed.
//
// Disposing
//   1. Validate: owner thread, token (not disposed before), innermost scope.
//      A failed check throws and changes nothing.
//   2. Checked mode: fill the used bytes of every chunk and large run with
//      0xDB (Poison).
//   3. Return every chunk but the first to the cache, free large runs, reset
//      Bump: time proportional to chunks, not objects.
//   4. Depth 1 → 0: the thread is idle again and has passed a safepoint
//      (Heap.OnOutermostScopeClosed). Nested scopes pass none.
//
// For the collector
//   - Roots: every byte below the bump of every chunk and large run of every
//     open frame of every thread (Heap.ForEachScopeRange). Safe to walk only
//     while the owners are parked (at a safepoint), as the liveness contract
//     requires of a collection anyway.
//   - Mutators: a thread with an open scope is a mutator of the heap. The hooks
//     Heap.OnMutatorEnter / OnOutermostScopeClosed join and leave the collector's
//     mutators, whose state lives in the thread's cache block (Collector.cs).
//
// Invariants (ScopeStack.AssertValid)
//   frame open ⇔ frame.Token != 0 ⇔ frame.Depth < thread.Depth
//   Current.Base <= Bump <= End, Limit ∈ {End, 0}
//   InuseBytes == Σ chunks and large runs of open frames
//   SysBytes == InuseBytes + resident first chunks of closed frames + CachedBytes
//   a chunk's Slab.Owner is its frame while in a chain, 0 while cached;
//   Slab.LargeSize of a chained chunk other than Current is its used bytes
//
// Concurrency: a scope belongs to the thread that opened it. Only that thread
// allocates from it and disposes it; the slow path and Dispose check the
// thread, and in checked mode every allocation does. The fast path does not,
// so in unchecked mode allocating from another thread is a race the caller
// must not start. Heap-wide lists (the thread states) are under the heap's
// scope lock; chunks move to and from the page heap under its lock.

using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Arena.Diagnostics;
using Arena.Scopes;

namespace Arena;

/// <summary>
/// A region of bump allocation on the thread that opened it, freed in bulk by
/// <see cref="Dispose"/>. Open one with <see cref="Heap.Scope"/>:
/// <c>using var scope = heap.Scope();</c>. Scopes nest as a stack per thread and must be
/// disposed innermost first, on their own thread. Go: a goroutine stack (and, for the
/// collector, a mutator region: see the liveness contract).
/// </summary>
/// <remarks>
/// <para>A struct, so opening and disposing allocate nothing managed; copies share the
/// scope, and a token in each copy makes a second disposal, or use after disposal, an
/// exception rather than corruption. Not a <c>ref struct</c>, so it can live in a field or
/// across an <c>await</c> on the same thread.</para>
/// <para>Memory from a scope is valid until the scope is disposed. A <see cref="Ptr{T}"/>
/// into it that outlives it dangles: the Arena analyzers warn (ARENA101–103) where that is
/// visible in source, and <see cref="Heap.IsInLiveScope(void*)"/> tests it at run time.</para>
/// </remarks>
public readonly unsafe struct Scope : IDisposable
{
    private readonly ScopeStack? _stack;
    private readonly ScopeFrame* _frame;
    private readonly long _token;

    internal Scope(ScopeStack stack, ScopeFrame* frame, long token)
    {
        _stack = stack;
        _frame = frame;
        _token = token;
    }

    /// <summary>The thread's stack this scope is on (null for default).</summary>
    internal ScopeStack? Stack => _stack;

    /// <summary>The heap this scope allocates from; null for <c>default(Scope)</c>.</summary>
    public Heap? Heap => _stack?.Heap;

    /// <summary>True until this scope is disposed (false for <c>default(Scope)</c>).</summary>
    public bool IsOpen => _frame != null && !_stack!.Heap.IsDisposed && _frame->Token == _token;

    /// <summary>The scope's depth on its thread's stack: 0 for the outermost.</summary>
    /// <exception cref="ObjectDisposedException">The scope was disposed.</exception>
    public int Depth
    {
        get
        {
            if (!IsOpen) ThrowDisposed();
            return _frame->Depth;
        }
    }

    /// <summary>
    /// A zeroed <typeparamref name="T"/> that lives until this scope is disposed.
    /// Call it on the scope's own thread.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The scope or its heap was disposed.</exception>
    /// <exception cref="InvalidOperationException">Called on another thread (always detected on the slow path and in checked mode).</exception>
    /// <exception cref="ArenaOutOfMemoryException">Past <see cref="HeapOptions.MaxBytes"/>.</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Ptr<T> New<T>() where T : unmanaged
    {
        ScopeFrame* f = _frame;
        nuint size = (nuint)((sizeof(T) + 7) & ~7);
        if (TypeLayout<T>.AlignmentBound <= 8 && f != null && f->Token == _token)
        {
            nuint p = f->Bump;
            nuint next = p + size;
            if (next <= f->Limit)
            {
                f->Bump = next;
                *(T*)p = default;
                return new Ptr<T>((T*)p);
            }
        }
        T* q = (T*)AllocSlow(_stack, f, _token, size, Math.Max(8, TypeLayout<T>.Alignment));
        *q = default;
        return new Ptr<T>(q);
    }

    /// <summary>
    /// <paramref name="length"/> zeroed, contiguous <typeparamref name="T"/>s that live until
    /// this scope is disposed; a pointer to the first (index it with <see cref="Ptr{T}.this[nint]"/>).
    /// A length of 0 gives a valid pointer to no elements. Requests over 256 KiB get pages of
    /// their own, freed with the scope.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="length"/> is negative or the size is over 1 TiB.</exception>
    /// <exception cref="ObjectDisposedException">The scope or its heap was disposed.</exception>
    /// <exception cref="InvalidOperationException">Called on another thread (always detected on the slow path and in checked mode).</exception>
    /// <exception cref="ArenaOutOfMemoryException">Past <see cref="HeapOptions.MaxBytes"/>.</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Ptr<T> NewArray<T>(nint length) where T : unmanaged
    {
        if ((nuint)length > (nuint)(Arena.Heap.MaxRequest / Math.Max(1, sizeof(T))))
            ThrowHelper.LengthOutOfRange(length, Arena.Heap.MaxRequest / Math.Max(1, sizeof(T)));
        nuint bytes = ((nuint)length * (nuint)sizeof(T) + 7) & ~(nuint)7;
        ScopeFrame* f = _frame;
        byte* p;
        if (TypeLayout<T>.AlignmentBound <= 8 && f != null && f->Token == _token && f->Bump + bytes <= f->Limit)
        {
            p = (byte*)f->Bump;
            f->Bump += bytes;
        }
        else
        {
            p = (byte*)AllocSlow(_stack, f, _token, bytes, Math.Max(8, TypeLayout<T>.Alignment));
        }
        NativeMemory.Clear(p, bytes);
        return new Ptr<T>((T*)p);
    }

    /// <summary>
    /// <paramref name="length"/> zeroed <typeparamref name="T"/>s as a span over scope memory,
    /// valid until this scope is disposed. Same rules as <see cref="NewArray{T}(nint)"/>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="length"/> is negative.</exception>
    /// <exception cref="ObjectDisposedException">The scope or its heap was disposed.</exception>
    /// <exception cref="InvalidOperationException">Called on another thread.</exception>
    /// <exception cref="ArenaOutOfMemoryException">Past <see cref="HeapOptions.MaxBytes"/>.</exception>
    public Span<T> NewSpan<T>(int length) where T : unmanaged
        => new(NewArray<T>(length).Pointer, length);

    // Static, and given the handle's fields by value: the handle never has its address taken
    // on the fast path, so the JIT keeps its fields in registers across an allocation loop.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void* AllocSlow(ScopeStack? stack, ScopeFrame* f, long token, nuint size, int alignment)
    {
        if (f == null) ThrowHelper.DefaultScope();
        if (stack!.Heap.IsDisposed) ThrowHelper.ObjectDisposed(nameof(Arena.Heap));
        if (Environment.CurrentManagedThreadId != stack.OwnerThreadId) ThrowHelper.ScopeWrongThread(stack.OwnerThreadId, "allocate from");
        if (f->Token != token) ThrowHelper.ScopeDisposed();
        return (void*)stack.Allocate(f, size, alignment);
    }

    private void ThrowDisposed()
    {
        if (_frame == null) ThrowHelper.DefaultScope();
        ThrowHelper.ScopeDisposed();
    }

    /// <summary>
    /// Frees everything allocated in this scope and pops it off its thread's stack. Must be
    /// called once, on the thread that opened the scope, innermost scope first; a
    /// <c>using</c> declaration does all three. Once the heap is disposed this does nothing.
    /// </summary>
    /// <exception cref="InvalidOperationException">
    /// Called twice, on another thread, or while a scope opened after this one is still open.
    /// Nothing is freed then, and the thread's scopes stay usable.
    /// </exception>
    public void Dispose()
    {
        if (_frame == null) ThrowHelper.DefaultScope();
        _stack!.Pop(_frame, _token);
    }

    /// <inheritdoc/>
    public override string ToString()
        => _frame == null ? "Scope(default)" : IsOpen ? $"Scope(depth {_frame->Depth})" : "Scope(disposed)";
}
