// See PageHeap.cs for the page heap's overview.

using System.Numerics;
using System.Runtime.CompilerServices;
using Arena.Slabs;

namespace Arena.Pages;

/// <summary>
/// The descriptor of one chunk of unmanaged memory: which pages are used and which
/// slab owns each page. Lives outside the chunk, in NativeMemory. Go: heapArena.
/// </summary>
internal unsafe struct Chunk
{
    public const int BitmapWords = PageHeap.PagesPerChunk / 64;

    public nuint Base;
    public nuint Size;
    public int HeapId;
    public int FreePages;
    /// <summary>Lowest page that may be free; searches start here.</summary>
    public int SearchHint;
    /// <summary>The one large object of a huge chunk, else null (then PageMap is used).</summary>
    public Slab* Single;
    /// <summary>
    /// Set when the chunk became free while a collection was marking: its release waits for
    /// the mark to end, since mark workers keep chunk pointers as lookup hints (PageHeap.EndMark).
    /// </summary>
    public bool ReleasePending;
    /// <summary>
    /// A generational heap's chunk holding a slab with old objects (Slab.HasOld), set by the
    /// sweep: the write barrier looks no further for a store into any other chunk.
    /// </summary>
    public bool HasOld;
    /// <summary>
    /// One bit per 8-byte word of the chunk: 1 where a traced object holds a pointer
    /// (Go: heap bits). Written when a traced object is allocated, read when it is scanned.
    /// </summary>
    public ulong* PtrBits;
    /// <summary>
    /// One byte per <see cref="PageHeap.CardSize"/> bytes of the chunk, set by the write barrier
    /// when a pointer is stored there (a card table, as .NET's GC keeps). A generational heap's
    /// minor collection scans the old objects under dirty cards, then clears them.
    /// </summary>
    public byte* Cards;
    /// <summary>
    /// How many small slabs of traced manual objects (SlabKind.ManualScan) the chunk holds,
    /// kept by the central lists as they take such slabs from the page heap and give them back:
    /// the collector's walk over the manual roots (PageHeap.ForEachManualScanSlab) passes over
    /// chunks without one.
    /// </summary>
    public int ManualScanSlabs;
    public Chunk* Next;
    public Chunk* Prev;
    /// <summary>One bit per page, 1 = used.</summary>
    public fixed ulong UsedBits[BitmapWords];
    /// <summary>The slab owning each page (a Slab*), 0 when the page is free. Go: heapArena.spans.</summary>
    public fixed long PageMap[PageHeap.PagesPerChunk];

    /// <summary>The slab owning the page of <paramref name="address"/>, or null.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Slab* SlabOf(nuint address)
        => Single != null ? Single : (Slab*)PageMap[(int)((address - Base) >> PageHeap.PageShift)];

    /// <summary>First page of a run of <paramref name="pages"/> free pages, or -1.</summary>
    public int FindFree(int pages)
    {
        int i = SearchHint;
        while (i + pages <= PageHeap.PagesPerChunk)
        {
            int start = NextBit(i, set: false);
            if (start < 0 || start + pages > PageHeap.PagesPerChunk) return -1;
            int end = NextBit(start, set: true);
            if (end < 0) end = PageHeap.PagesPerChunk;
            if (end - start >= pages) return start;
            i = end;
        }
        return -1;
    }

    /// <summary>Index of the first bit at or after <paramref name="from"/> equal to <paramref name="set"/>, or -1.</summary>
    private int NextBit(int from, bool set)
    {
        int w = from >> 6;
        ulong word = set ? UsedBits[w] : ~UsedBits[w];
        word &= ~0UL << (from & 63);
        while (true)
        {
            if (word != 0) return (w << 6) + BitOperations.TrailingZeroCount(word);
            if (++w == BitmapWords) return -1;
            word = set ? UsedBits[w] : ~UsedBits[w];
        }
    }
}
