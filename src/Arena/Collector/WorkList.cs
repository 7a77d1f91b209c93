// See Collector.cs for the collector's overview.

using System.Runtime.InteropServices;

namespace Arena.Collector;

/// <summary>
/// The grey objects of one mark worker: a growable stack in NativeMemory, so that marking a
/// ten-million-node list uses no call stack and no managed memory. Go: gcWork.
/// </summary>
internal unsafe struct WorkList
{
    private nuint* _items;
    private int _count;
    private int _capacity;

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
