// See Collector.cs for the collector's overview.

using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Arena.Pages;

namespace Arena.Collector;

/// <summary>
/// The grey objects of one mark worker: a growable stack in NativeMemory, so that marking a
/// ten-million-node list uses no call stack and no managed memory. Go: gcWork. It also keeps
/// the worker's chunk hint (Collector.Shade): the chunk of the last pointer looked up, since
/// consecutive pointers mostly land in the same 4 MiB chunk.
/// </summary>
internal unsafe struct WorkList
{

    // Internal fields, not properties: the mark loop (Collector.DrainLocal) copies them into
    // locals, which the JIT keeps in registers, and passes them by reference to inlined code.
    internal nuint* Items;
    internal int _count;
    private int _capacity;
    internal Chunk* Hint;

    /// <summary>Room for at least <paramref name="more"/> pushes without growing.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void EnsureRoom(nuint more)
    {
        if ((nuint)(_capacity - _count) < more) Grow(more);
    }

    /// <summary>Slots allocated; the list grows past them.</summary>
    public readonly int Capacity => _capacity;

    public readonly int Count => _count;

    public void Push(nuint obj)
    {
        if (_count == _capacity) Grow();
        Items[_count++] = obj;
    }

    public bool TryPop(out nuint obj)
    {
        if (_count == 0) { obj = 0; return false; }
        obj = Items[--_count];
        return true;
    }

    /// <summary>Moves the older half of the items to <paramref name="into"/>.</summary>
    public void GiveHalf(ref WorkList into)
    {
        int half = _count / 2;
        for (int i = 0; i < half; i++) into.Push(Items[i]);
        new Span<nuint>(Items + half, _count - half).CopyTo(new Span<nuint>(Items, _count - half));
        _count -= half;
    }

    public void Dispose()
    {
        NativeMemory.Free(Items);
        this = default;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]   // keeps the native call out of the mark loop, whose locals then stay in registers
    private void Grow(nuint more = 1)
    {
        _capacity = (int)Math.Max((nuint)Math.Max(1024, _capacity * 2), (nuint)_count + more);
        Items = (nuint*)NativeMemory.Realloc(Items, (nuint)_capacity * (nuint)sizeof(nuint));
    }
}
