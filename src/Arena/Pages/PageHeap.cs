// The page heap. See Heap.cs for the overview of the allocator.
//
// Glossary
//   chunk      4 MiB of unmanaged memory, 4 MiB aligned, reserved with
//              NativeMemory.AlignedAlloc (Go: heapArena, 64 MiB there). An object
//              larger than a chunk gets a "huge" chunk of its own, rounded up to
//              whole chunks.
//   page       8 KiB, the unit of the page heap (Go: pageSize).
//   page run   consecutive free pages of one chunk handed out together, to a
//              slab or to a large object.
//   address map a two-level radix table, process-wide, from any address to
//              the chunk that holds it (Go: mheap.arenas). O(1): two loads.
//
// Allocating a run of n pages
//   1. Look in the chunk last allocated from, then in every chunk of this heap
//      with at least n free pages, for n consecutive clear bits in its page
//      bitmap (first fit, word at a time with trailing-zero counts).
//   2. None: reserve a new chunk, register it in the address map.
//   3. Mark the pages used and point their page-map entries at the slab.
//
// Freeing a run clears its bits. A chunk whose pages are all free is kept
// while the heap's free chunks hold fewer than HeapOptions.RetainedBytes;
// past that it is given back (NativeMemory.AlignedFree) and counted in
// HeapReleased. Huge chunks are given back as soon as their object is freed.
// While a collection marks (BeginMark..EndMark) no chunk is given back: mark
// workers keep chunk pointers as lookup hints. Chunks that became free meanwhile
// are flagged ReleasePending and given back when the mark ends.
//
// Invariants
//   chunk.FreePages == 512 - popcount(chunk.UsedBits)
//   InuseBytes == Σ used pages × 8 KiB (huge chunks count their whole size, unless
//                 their object was freed and their release is pending)
//   SysBytes == Σ chunk sizes
//
// Concurrency: every method takes _lock except Lookup, which reads the
// address map without a lock (entries are published with a volatile write
// before the chunk's memory is handed out, and cleared before it is freed).

using System.Diagnostics;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Arena.Diagnostics;
using Arena.Slabs;

namespace Arena.Pages;

/// <summary>Hands out runs of 8 KiB pages from 4 MiB chunks. Go: mheap, pageAlloc.</summary>
internal sealed unsafe class PageHeap
{
    public const int PageShift = 13;
    public const int PageSize = 1 << PageShift;
    public const int ChunkShift = 22;
    public const nuint ChunkSize = 1 << ChunkShift;
    public const int PagesPerChunk = (int)(ChunkSize >> PageShift);
    /// <summary>log2 of the bytes one card covers (512 B: a 4 MiB chunk has 8 KiB of cards).</summary>
    public const int CardShift = 9;
    public const int CardSize = 1 << CardShift;

    private readonly Lock _lock = new();
    private int _marking;                 // collections marking now; guarded by _lock (BeginMark)
    private readonly int _heapId;
    private readonly long _maxBytes;
    private readonly long _retainedBytes;
    private Chunk* _chunks;       // every chunk of this heap, doubly linked
    private Chunk* _current;      // the chunk last allocated from: tried first
    private long _inuseBytes;
    private long _sysBytes;
    private long _releasedBytes;
    private long _freeChunkBytes; // bytes in normal chunks with no used page
    private SlabPool _slabs;

    public PageHeap(int heapId, long maxBytes, long retainedBytes, bool hugePages = false)
    {
        _heapId = heapId;
        _maxBytes = maxBytes;
        _retainedBytes = retainedBytes;
        _hugePages = hugePages;
    }

    /// <summary>Whether fresh chunks get the huge-page hint (HeapOptions.HugePages).</summary>
    private readonly bool _hugePages;

    /// <summary>Chunks that took the huge-page hint (for tests and diagnostics).</summary>
    public int HugePageChunks { get; private set; }

    public long InuseBytes => Volatile.Read(ref _inuseBytes);
    public long SysBytes => Volatile.Read(ref _sysBytes);
    public long ReleasedBytes => Volatile.Read(ref _releasedBytes);

    /// <summary>Slab descriptors handed out and not yet given back.</summary>
    public int DescriptorsInUse
    {
        get { lock (_lock) return _slabs.InUse; }
    }

    /// <summary>
    /// Tests: the next new chunk's native allocation number <c>FailReserveStep</c> fails as if
    /// the operating system refused it (1: its memory, 2: its header, 3: its pointer bits,
    /// 4: its cards, 5: a table of the address map, refused once the chunk is entered there);
    /// then it is reset to 0, none.
    /// </summary>
    internal int FailReserveStep;

    /// <summary>Tests: the base of the last chunk entered in the address map, so that a test refusing step 5 can check that the map forgot it.</summary>
    internal nuint LastChunkBase;

    /// <summary>The chunk holding <paramref name="address"/> if it belongs to this heap, else null.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Chunk* Owning(nuint address)
    {
        Chunk* c = AddressMap.Lookup(address);
        return c != null && c->HeapId == _heapId ? c : null;
    }

    /// <summary>
    /// A slab descriptor over a fresh run of <paramref name="pages"/> pages, its page-map
    /// entries set. Throws <see cref="ArenaOutOfMemoryException"/> past MaxBytes.
    /// </summary>
    public Slab* AllocSlab(int pages, long bytesForLimit)
    {
        lock (_lock)
        {
            long bytes = (long)pages * PageSize;
            bool huge = pages > PagesPerChunk;
            if (huge) bytes = (long)RoundUpToChunk((nuint)bytes);
            if (_maxBytes > 0 && _inuseBytes + bytes > _maxBytes)
                ThrowHelper.OutOfMemory(Math.Max(bytes, bytesForLimit), _inuseBytes, _maxBytes);

            Slab* s = _slabs.Rent();
            Chunk* chunk;
            int first;
            try
            {
                if (huge)
                {
                    chunk = ReserveChunk(RoundUpToChunk((nuint)pages * PageSize));
                    first = 0;
                }
                else first = FindRun(pages, out chunk);
            }
            catch (ArenaOutOfMemoryException)
            {
                _slabs.Return(s);                          // a refused chunk changes nothing
                throw;
            }
            if (huge) chunk->Single = s;
            else for (int i = 0; i < pages; i++) chunk->PageMap[first + i] = (nint)s;
            s->Base = chunk->Base + ((nuint)first << PageShift);
            s->Pages = pages;
            s->Chunk = chunk;
            s->FirstPage = first;
            _inuseBytes += bytes;
            AssertValid();
            return s;
        }
    }

    /// <summary>Gives a slab's pages back and recycles its descriptor. The slab must be unlinked.</summary>
    public void FreeSlab(Slab* s)
    {
        lock (_lock)
        {
            Chunk* chunk = s->Chunk;
            if (chunk->Single != null)
            {
                _inuseBytes -= (long)chunk->Size;
                if (_marking > 0) chunk->ReleasePending = true;
                else ReleaseChunk(chunk);
            }
            else
            {
                int first = s->FirstPage, pages = s->Pages;
                for (int i = 0; i < pages; i++)
                {
                    chunk->PageMap[first + i] = 0;
                    chunk->UsedBits[(first + i) >> 6] &= ~(1UL << (first + i));
                }
                chunk->FreePages += pages;
                _inuseBytes -= (long)pages * PageSize;
                if (first < chunk->SearchHint) chunk->SearchHint = first;
                if (chunk->FreePages == PagesPerChunk)
                {
                    _freeChunkBytes += (long)ChunkSize;
                    if (_freeChunkBytes > _retainedBytes)
                    {
                        if (_marking > 0) chunk->ReleasePending = true;
                        else ReleaseChunk(chunk);
                    }
                }
            }
            _slabs.Return(s);
            AssertValid();
        }
    }

    /// <summary>
    /// A collection starts marking: until <see cref="EndMark"/> no chunk is released, because
    /// mark workers keep chunk pointers as lookup hints and a concurrent manual Free could
    /// otherwise free a descriptor a worker is about to read.
    /// </summary>
    public void BeginMark()
    {
        lock (_lock) _marking++;
    }

    /// <summary>Marking has ended: releases the chunks that became free meanwhile.</summary>
    public void EndMark()
    {
        lock (_lock)
        {
            if (--_marking > 0) return;
            for (Chunk* c = _chunks; c != null;)
            {
                Chunk* next = c->Next;
                if (c->ReleasePending)
                {
                    c->ReleasePending = false;
                    bool stillFree = c->Single != null || (c->FreePages == PagesPerChunk && _freeChunkBytes > _retainedBytes);
                    if (stillFree) ReleaseChunk(c);
                }
                c = next;
            }
        }
    }

    /// <summary>
    /// Calls <paramref name="visit"/> on every small slab of traced manual objects in this heap,
    /// wherever it is listed: in a thread's cache, on a central list, or in the hands of a
    /// thread that is moving it from one to the other. Under this heap's lock, so no slab is
    /// made or freed meanwhile; chunks without such a slab (Chunk.ManualScanSlabs) are passed
    /// over. A slab is visited once its central list has set it up (kind, then state).
    /// </summary>
    public void ForEachManualScanSlab<TState>(delegate*<Slab*, ref TState, void> visit, ref TState state)
    {
        lock (_lock)
        {
            for (Chunk* c = _chunks; c != null; c = c->Next)
            {
                if (Volatile.Read(ref c->ManualScanSlabs) == 0 || c->Single != null) continue;
                for (int page = 0; page < PagesPerChunk;)
                {
                    Slab* s = (Slab*)c->PageMap[page];
                    if (s == null)
                    {
                        page++;
                        continue;
                    }
                    if (s->Kind == SlabKind.ManualScan && s->State is SlabState.Cached or SlabState.Partial or SlabState.Full)
                        visit(s, ref state);
                    page = Math.Max(page + 1, s->FirstPage + s->Pages);
                }
            }
        }
    }

    /// <summary>
    /// Copies this heap's chunks into <paramref name="buffer"/> (grown as needed) and returns
    /// how many. Called while marking (BeginMark..EndMark), when no chunk is released, so the
    /// copies stay valid until EndMark.
    /// </summary>
    public int CopyChunks(ref nint[] buffer)
    {
        lock (_lock)
        {
            int n = 0;
            for (Chunk* c = _chunks; c != null; c = c->Next)
            {
                if (n == buffer.Length) Array.Resize(ref buffer, Math.Max(16, n * 2));
                buffer[n++] = (nint)c;
            }
            return n;
        }
    }

    /// <summary>Gives back every chunk with no used page. Returns the bytes released.</summary>
    public long ReleaseFreeChunks()
    {
        lock (_lock)
        {
            if (_marking > 0) return 0;      // a collection is marking; the next Trim releases them
            long released = 0;
            for (Chunk* c = _chunks; c != null;)
            {
                Chunk* next = c->Next;
                if (c->Single == null && c->FreePages == PagesPerChunk)
                {
                    released += (long)c->Size;
                    ReleaseChunk(c);
                }
                c = next;
            }
            return released;
        }
    }

    /// <summary>Frees every chunk and descriptor. Called once, by Heap.Dispose.</summary>
    public void DisposeAll()
    {
        lock (_lock)
        {
            while (_chunks != null) ReleaseChunk(_chunks);
            _slabs.DisposeAll();
            _inuseBytes = 0;
        }
    }

    private int FindRun(int pages, out Chunk* chunk)
    {
        if (_current != null && _current->FreePages >= pages)
        {
            int at = _current->FindFree(pages);
            if (at >= 0) { chunk = _current; return Take(chunk, at, pages); }
        }
        for (Chunk* c = _chunks; c != null; c = c->Next)
        {
            if (c == _current || c->Single != null || c->FreePages < pages) continue;
            int at = c->FindFree(pages);
            if (at >= 0) { _current = chunk = c; return Take(c, at, pages); }
        }
        _current = chunk = ReserveChunk(ChunkSize);
        return Take(chunk, 0, pages);
    }

    private int Take(Chunk* c, int first, int pages)
    {
        if (c->FreePages == PagesPerChunk) _freeChunkBytes -= (long)ChunkSize;
        for (int i = first; i < first + pages; i++) c->UsedBits[i >> 6] |= 1UL << i;
        c->FreePages -= pages;
        if (c->SearchHint == first) c->SearchHint = first + pages;
        return first;
    }

    /// <summary>
    /// A new chunk of <paramref name="size"/> bytes, entered in the address map and this heap's
    /// list. When the operating system refuses any of its allocations (the chunk's memory, its
    /// header, pointer bits and cards, a table of the address map), what was taken is given
    /// back, the map's entries are cleared, and nothing else has changed.
    /// </summary>
    private Chunk* ReserveChunk(nuint size)
    {
        void* mem = null;
        Chunk* c = null;
        ulong* bits = null;
        try
        {
            mem = Native(1, size, aligned: true);
            c = (Chunk*)Native(2, (nuint)sizeof(Chunk));
            bits = (ulong*)Native(3, size / 8 / 8);
            c->Cards = (byte*)Native(4, size >> CardShift);
            c->Base = (nuint)mem;
            c->Size = size;
            c->PtrBits = bits;
            c->HeapId = _heapId;
            AddressMap.Register(c);                        // may take a table of the map
            LastChunkBase = c->Base;
            Refuse(5);
        }
        catch (OutOfMemoryException e)
        {
            if (c != null && c->Size != 0) AddressMap.Unregister(c);
            if (c != null) NativeMemory.Free(c->Cards);
            NativeMemory.Free(bits);
            NativeMemory.Free(c);
            if (mem != null) NativeMemory.AlignedFree(mem);
            throw new ArenaOutOfMemoryException((long)size, _inuseBytes, _maxBytes, e);
        }
        if (_hugePages && HugePages.Advise(mem, size)) HugePageChunks++;
        c->FreePages = size == ChunkSize ? PagesPerChunk : 0;
        if (size == ChunkSize) _freeChunkBytes += (long)ChunkSize;
        c->Next = _chunks;
        if (_chunks != null) _chunks->Prev = c;
        _chunks = c;
        _sysBytes += (long)size;
        return c;
    }

    /// <summary>A new chunk's native allocation number <paramref name="step"/>: zeroed unless aligned (the chunk's memory).</summary>
    private void* Native(int step, nuint bytes, bool aligned = false)
    {
        Refuse(step);
        return aligned ? NativeMemory.AlignedAlloc(bytes, ChunkSize) : NativeMemory.AllocZeroed(bytes);
    }

    /// <summary>Throws as a refusal by the operating system when <see cref="FailReserveStep"/> names <paramref name="step"/> (tests), once.</summary>
    private void Refuse(int step)
    {
        if (FailReserveStep != step) return;
        FailReserveStep = 0;
        throw new OutOfMemoryException();
    }

    private void ReleaseChunk(Chunk* c)
    {
        AddressMap.Unregister(c);
        if (c->Prev != null) c->Prev->Next = c->Next; else _chunks = c->Next;
        if (c->Next != null) c->Next->Prev = c->Prev;
        if (_current == c) _current = null;
        if (c->Single == null && c->FreePages == PagesPerChunk) _freeChunkBytes -= (long)ChunkSize;
        _sysBytes -= (long)c->Size;
        _releasedBytes += (long)c->Size;
        NativeMemory.AlignedFree((void*)c->Base);
        NativeMemory.Free(c->PtrBits);
        NativeMemory.Free(c->Cards);
        NativeMemory.Free(c);
    }

    private static nuint RoundUpToChunk(nuint bytes) => (bytes + ChunkSize - 1) & ~(ChunkSize - 1);

    /// <summary>Checks the invariants at the top of this file. Compiled in with ARENA_DEBUG.</summary>
    [Conditional("ARENA_DEBUG")]
    public void AssertValid()
    {
        long inuse = 0, sys = 0;
        for (Chunk* c = _chunks; c != null; c = c->Next)
        {
            sys += (long)c->Size;
            if (c->Single != null)
            {
                if (!c->ReleasePending) inuse += (long)c->Size;   // a pending one was freed during a mark
                continue;
            }
            int used = 0;
            for (int w = 0; w < Chunk.BitmapWords; w++) used += BitOperations.PopCount(c->UsedBits[w]);
            Debug.Assert(c->FreePages == PagesPerChunk - used, "chunk.FreePages == 512 - popcount(UsedBits)");
            inuse += (long)used * PageSize;
        }
        Debug.Assert(inuse == _inuseBytes, "InuseBytes == Σ used pages");
        Debug.Assert(sys == _sysBytes, "SysBytes == Σ chunk sizes");
    }
}
