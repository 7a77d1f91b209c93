// See Collector.cs for the collector's overview.

using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Arena.Pages;

namespace Arena.Collector;

/// <summary>
/// The grey objects of one mark worker: a growable stack in NativeMemory, so that marking a
/// ten-million-node list uses no call stack and no managed memory. Go: gcWork. It also keeps
/// the worker's chunk hint: the chunk of the last pointer looked up, since consecutive
/// pointers mostly land in the same 4 MiB chunk.
/// </summary>
internal unsafe struct WorkList
{

    private nuint* _items;
    private int _count;
    private int _capacity;
    private Chunk* _hint;

    /// <summary>
    /// The chunk holding <paramref name="p"/> if it belongs to heap <paramref name="heapId"/>,
    /// else null. Two compares when the hint matches, the address map otherwise.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Chunk* ChunkOf(nuint p, int heapId)
    {
        Chunk* h = _hint;
        if (h != null && p - h->Base < PageHeap.ChunkSize) return h;
        return ChunkOfSlow(p, heapId);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private Chunk* ChunkOfSlow(nuint p, int heapId)
    {
        Chunk* c = AddressMap.Lookup(p);
        if (c == null || c->HeapId != heapId) return null;
        _hint = c;
        return c;
    }

    public readonly int Count => _count;

    public void Push(nuint obj)
    {
        if (_count == _capacity) Grow();
        _items[_count++] = obj;
    }

    public bool TryPop(out nuint obj)
    {
        if (_count == 0) { obj = 0; return false; }
        obj = _items[--_count];
        return true;
    }

    /// <summary>Moves the older half of the items to <paramref name="into"/>.</summary>
    public void GiveHalf(ref WorkList into)
    {
        int half = _count / 2;
        for (int i = 0; i < half; i++) into.Push(_items[i]);
        new Span<nuint>(_items + half, _count - half).CopyTo(new Span<nuint>(_items, _count - half));
        _count -= half;
    }

    public void Dispose()
    {
        NativeMemory.Free(_items);
        this = default;
    }

    private void Grow()
    {
        _capacity = Math.Max(1024, _capacity * 2);
        _items = (nuint*)NativeMemory.Realloc(_items, (nuint)_capacity * (nuint)sizeof(nuint));
    }
}
