// See Scope.cs for the overview of scopes.

using System.Diagnostics;
using System.Runtime.InteropServices;
using Arena.Diagnostics;
using Arena.Pages;
using Arena.Slabs;

namespace Arena.Scopes;

/// <summary>
/// One thread's stack of scopes on one heap: pushes and pops frames, refills them with
/// chunks, recycles chunks through a per-thread cache. The managed half of
/// <see cref="ScopeThreadState"/>; referenced from a thread-static and from every
/// <see cref="Scope"/> handle, so its finalizer runs only once the thread has ended and no
/// handle is left. Go: the stack half of a g, with mcache.stackcache.
/// </summary>
internal sealed unsafe class ScopeStack
{
    /// <summary>Requests over this many bytes get a page run of their own (a quarter of the largest chunk).</summary>
    public const int LargeThreshold = (PageHeap.PageSize << (ScopeThreadState.Tiers - 1)) / 4;
    /// <summary>Bytes of free chunks a thread keeps; chunks past this go back to the page heap.</summary>
    public const long CacheLimit = 4L << 20;
    /// <summary>The byte disposed scope memory is filled with in checked mode.</summary>
    public const byte Poison = 0xDB;

    public readonly Heap Heap;
    public readonly ScopeThreadState* State;
    public readonly int OwnerThreadId;
    private readonly bool _checked;
    private long _lastToken;

    public ScopeStack(Heap heap)
    {
        Heap = heap;
        _checked = heap.Checked;
        OwnerThreadId = Environment.CurrentManagedThreadId;
        State = (ScopeThreadState*)NativeMemory.AllocZeroed((nuint)sizeof(ScopeThreadState));
        State->OwnerThreadId = OwnerThreadId;
    }

    ~ScopeStack() => Heap.RetireScopeStack(this);

    // ---- open and close ---------------------------------------------------------------

    /// <summary>Opens a scope: the frame at the current depth, with a fresh token. Owner thread only.</summary>
    public ScopeFrame* Push()
    {
        ScopeThreadState* st = State;
        int d = st->Depth;
        ScopeFrame* f = d < st->FrameCount ? st->Frames[d] : NewFrame();
        f->Token = ++_lastToken;
        Slab* first = f->First;
        if (first != null)
        {
            long bytes = (long)first->Pages << PageHeap.PageShift;
            f->Current = first;
            f->Bump = first->Base;
            f->End = first->Base + (nuint)bytes;
            f->Limit = _checked ? 0 : f->End;
            f->Chunks = 1;
            f->AttachedBytes = bytes;
            st->InuseBytes += bytes;
        }
        if (d == 0)
        {
            // Join the mutators before the frame becomes visible (Depth): a collection that
            // runs meanwhile must not walk a frame being set up. Entering waits while one runs.
            Heap.OnMutatorEnter();
        }
        Volatile.Write(ref st->Depth, d + 1);
        st->Opened++;
        return f;
    }

    /// <summary>
    /// Closes the scope of <paramref name="token"/> on <paramref name="f"/>: checks that it is
    /// this thread's innermost open scope, then rewinds it. Throws, changing nothing, otherwise.
    /// </summary>
    public void Pop(ScopeFrame* f, long token)
    {
        if (Heap.IsDisposed) return;    // its memory went with the heap
        if (Environment.CurrentManagedThreadId != OwnerThreadId) ThrowHelper.ScopeWrongThread(OwnerThreadId, "dispose");
        ScopeThreadState* st = State;
        if (f->Token != token) ThrowHelper.ScopeDisposedTwice();
        if (f->Depth != st->Depth - 1) ThrowHelper.ScopeOutOfOrder(f->Depth, st->Depth - 1);
        Rewind(f);
        f->Token = 0;
        f->Limit = 0;
        st->Depth--;
        if (st->Depth == 0)
        {
            st->Safepoints++;
            Heap.OnOutermostScopeClosed();
        }
        AssertValid();
    }

    /// <summary>Gives back every chunk but the first, frees large runs, resets the bump pointer.</summary>
    private void Rewind(ScopeFrame* f)
    {
        ScopeThreadState* st = State;
        Slab* first = f->First;
        if (_checked)
        {
            for (Slab* c = first; c != null; c = c->Next) NativeMemory.Fill((void*)c->Base, f->UsedEnd(c) - c->Base, Poison);
            for (Slab* c = f->Large; c != null; c = c->Next) NativeMemory.Fill((void*)c->Base, c->LargeSize, Poison);
        }
        if (first != null)
        {
            Slab* c = first->Next;
            first->Next = null;
            while (c != null)
            {
                Slab* next = c->Next;
                ReleaseChunk(c);
                c = next;
            }
            f->Current = first;
            f->Bump = first->Base;
            f->End = first->Base + ((nuint)first->Pages << PageHeap.PageShift);
            f->Chunks = 1;
        }
        for (Slab* c = f->Large; c != null;)
        {
            Slab* next = c->Next;
            st->SysBytes -= (long)c->Pages << PageHeap.PageShift;
            Heap.Pages.FreeSlab(c);
            c = next;
        }
        f->Large = null;
        st->InuseBytes -= f->AttachedBytes;
        f->AttachedBytes = 0;
    }

    // ---- refill -----------------------------------------------------------------------

    /// <summary>
    /// Serves <paramref name="size"/> bytes at <paramref name="alignment"/> from open frame
    /// <paramref name="f"/>: from its current chunk if they fit, else from a new chunk or a
    /// page run of their own. Not zeroed. On <see cref="ArenaOutOfMemoryException"/> the frame
    /// is unchanged.
    /// </summary>
    public nuint Allocate(ScopeFrame* f, nuint size, int alignment)
    {
        nuint mask = (nuint)alignment - 1;
        nuint p = (f->Bump + mask) & ~mask;
        if (f->Current != null && p + size <= f->End && p + size >= p)
        {
            f->Bump = p + size;
            return p;
        }
        if (size > LargeThreshold) return AllocateLarge(f, size, alignment);
        nuint need = size + (alignment > 8 ? (nuint)alignment : 0);
        int tier = Math.Min(f->Chunks, ScopeThreadState.Tiers - 1);
        while (((nuint)PageHeap.PageSize << tier) < need) tier++;
        Slab* c = TakeChunk(tier);
        long bytes = (long)c->Pages << PageHeap.PageShift;
        c->Owner = (nint)f;
        c->Next = null;
        if (f->Current != null)
        {
            f->Current->LargeSize = f->Bump - f->Current->Base;
            f->Current->Next = c;
        }
        else
        {
            f->First = c;
        }
        f->Current = c;
        f->Chunks++;
        f->End = c->Base + (nuint)bytes;
        f->Limit = _checked ? 0 : f->End;
        f->AttachedBytes += bytes;
        State->InuseBytes += bytes;
        p = (c->Base + mask) & ~mask;
        f->Bump = p + size;
        return p;
    }

    private nuint AllocateLarge(ScopeFrame* f, nuint size, int alignment)
    {
        if ((ulong)size > (ulong)Heap.MaxRequest) ThrowHelper.SizeOutOfRange((nint)size, Heap.MaxRequest);
        nuint need = size + (alignment > PageHeap.PageSize ? (nuint)alignment : 0);
        int pages = checked((int)((need + PageHeap.PageSize - 1) >> PageHeap.PageShift));
        Slab* s;
        try
        {
            s = Heap.Pages.AllocSlab(pages, (long)size);
        }
        catch (ArenaOutOfMemoryException) when (State->CachedBytes > 0)
        {
            ReleaseCache();
            s = Heap.Pages.AllocSlab(pages, (long)size);
        }
        long bytes = (long)pages << PageHeap.PageShift;
        s->State = SlabState.Scope;
        s->Owner = (nint)f;
        s->LargeSize = size;
        s->Next = f->Large;
        f->Large = s;
        f->AttachedBytes += bytes;
        State->InuseBytes += bytes;
        State->SysBytes += bytes;
        return s->Base;
    }

    /// <summary>A free chunk of <paramref name="tier"/> from this thread's cache, else from the page heap.</summary>
    private Slab* TakeChunk(int tier)
    {
        ScopeThreadState* st = State;
        Slab* c = (Slab*)st->FreeChunks[tier];
        long bytes = (long)PageHeap.PageSize << tier;
        if (c != null)
        {
            st->FreeChunks[tier] = (long)c->Next;
            st->CachedBytes -= bytes;
            return c;
        }
        try
        {
            c = Heap.Pages.AllocSlab(1 << tier, bytes);
        }
        catch (ArenaOutOfMemoryException) when (st->CachedBytes > 0)
        {
            // Chunks of other tiers sit in the cache and count against MaxBytes: give them back, try once more.
            ReleaseCache();
            c = Heap.Pages.AllocSlab(1 << tier, bytes);
        }
        c->State = SlabState.Scope;
        st->SysBytes += bytes;
        return c;
    }

    /// <summary>Puts a chunk on this thread's cache, or back to the page heap past <see cref="CacheLimit"/>.</summary>
    private void ReleaseChunk(Slab* c)
    {
        ScopeThreadState* st = State;
        long bytes = (long)c->Pages << PageHeap.PageShift;
        c->Owner = 0;
        c->LargeSize = 0;
        if (st->CachedBytes + bytes <= CacheLimit)
        {
            int tier = System.Numerics.BitOperations.Log2((uint)c->Pages);
            c->Next = (Slab*)st->FreeChunks[tier];
            st->FreeChunks[tier] = (long)c;
            st->CachedBytes += bytes;
        }
        else
        {
            st->SysBytes -= bytes;
            Heap.Pages.FreeSlab(c);
        }
    }

    /// <summary>Gives every chunk of this thread's cache back to the page heap. Returns the bytes. Owner thread only.</summary>
    public long ReleaseCache()
    {
        ScopeThreadState* st = State;
        long released = st->CachedBytes;
        for (int t = 0; t < ScopeThreadState.Tiers; t++)
        {
            for (Slab* c = (Slab*)st->FreeChunks[t]; c != null;) { Slab* n = c->Next; Heap.Pages.FreeSlab(c); c = n; }
            st->FreeChunks[t] = 0;
        }
        st->SysBytes -= released;
        st->CachedBytes = 0;
        AssertValid();
        return released;
    }

    private ScopeFrame* NewFrame()
    {
        ScopeThreadState* st = State;
        if (st->FrameCount == st->FrameCapacity)
        {
            int capacity = Math.Max(8, st->FrameCapacity * 2);
            st->Frames = (ScopeFrame**)NativeMemory.Realloc(st->Frames, (nuint)(capacity * sizeof(ScopeFrame*)));
            st->FrameCapacity = capacity;
        }
        var f = (ScopeFrame*)NativeMemory.AllocZeroed((nuint)sizeof(ScopeFrame));
        f->Depth = st->FrameCount;
        f->Thread = st;
        st->Frames[st->FrameCount++] = f;
        return f;
    }

    // ---- end of life ------------------------------------------------------------------

    /// <summary>
    /// Gives every chunk back to the page heap (unless <paramref name="pagesGone"/>: the heap
    /// was disposed and took them) and frees the frames and state. Under the heap's scope lock.
    /// </summary>
    public void Release(bool pagesGone)
    {
        ScopeThreadState* st = State;
        for (int i = 0; i < st->FrameCount; i++)
        {
            ScopeFrame* f = st->Frames[i];
            if (!pagesGone)
            {
                for (Slab* c = f->First; c != null;) { Slab* n = c->Next; Heap.Pages.FreeSlab(c); c = n; }
                for (Slab* c = f->Large; c != null;) { Slab* n = c->Next; Heap.Pages.FreeSlab(c); c = n; }
            }
            NativeMemory.Free(f);
        }
        if (!pagesGone)
        {
            for (int t = 0; t < ScopeThreadState.Tiers; t++)
                for (Slab* c = (Slab*)st->FreeChunks[t]; c != null;) { Slab* n = c->Next; Heap.Pages.FreeSlab(c); c = n; }
        }
        NativeMemory.Free(st->Frames);
        NativeMemory.Free(st);
    }

    /// <summary>
    /// Checks the scope invariants (Scope.cs) for this thread. Compiled in with ARENA_DEBUG.
    /// </summary>
    [Conditional("ARENA_DEBUG")]
    public void AssertValid()
    {
        ScopeThreadState* st = State;
        long inuse = 0, sys = 0, cached = 0;
        for (int i = 0; i < st->FrameCount; i++)
        {
            ScopeFrame* f = st->Frames[i];
            bool open = i < st->Depth;
            Debug.Assert(open == (f->Token != 0), "frame open ⇔ Token != 0");
            Debug.Assert(f->Depth == i, "frame.Depth == index");
            long attached = 0;
            for (Slab* c = f->First; c != null; c = c->Next)
            {
                long bytes = (long)c->Pages << PageHeap.PageShift;
                sys += bytes;
                attached += bytes;
                Debug.Assert(c->State == SlabState.Scope, "chain chunk state == Scope");
                Debug.Assert(c->Next != null || c == f->Current, "last chunk == Current");
            }
            for (Slab* c = f->Large; c != null; c = c->Next)
            {
                long bytes = (long)c->Pages << PageHeap.PageShift;
                sys += bytes;
                attached += bytes;
            }
            if (open)
            {
                Debug.Assert(attached == f->AttachedBytes, "AttachedBytes == Σ chain + large");
                Debug.Assert(f->Current == null || (f->Bump >= f->Current->Base && f->Bump <= f->End), "Current.Base <= Bump <= End");
                Debug.Assert(f->Limit == 0 || (f->Limit == f->End && !_checked), "Limit ∈ {End, 0}, and 0 in checked mode");
                inuse += attached;
            }
            else
            {
                Debug.Assert(f->Large == null && (f->First == null || f->First->Next == null), "closed frame holds only its first chunk");
            }
        }
        for (int t = 0; t < ScopeThreadState.Tiers; t++)
            for (Slab* c = (Slab*)st->FreeChunks[t]; c != null; c = c->Next)
            {
                Debug.Assert(c->Pages == 1 << t && c->Owner == 0, "cached chunk: tier pages, no owner");
                cached += (long)c->Pages << PageHeap.PageShift;
            }
        sys += cached;
        Debug.Assert(inuse == st->InuseBytes, "InuseBytes == Σ open frames' chunks");
        Debug.Assert(cached == st->CachedBytes, "CachedBytes == Σ free chunks");
        Debug.Assert(sys == st->SysBytes, "SysBytes == Σ chunks and runs held");
    }
}
