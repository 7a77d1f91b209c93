// See Collector.cs for the collector's overview.

using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Arena.Pages;

namespace Arena.Collector;

/// <summary>
/// The grey work of one mark worker (queued slabs, large objects): a growable queue in
/// NativeMemory, so that marking a ten-million-node list uses no call stack and no managed
/// memory. Go: gcWork and its span queue. It also keeps
/// the worker's chunk hint (Collector.Shade): the chunk of the last pointer looked up, since
/// consecutive pointers mostly land in the same 4 MiB chunk.
/// </summary>
internal unsafe struct WorkList
{

    // Internal fields, not properties: the mark loop (Collector.ScanInto) copies the tail into a
    // local, which the JIT keeps in a register, and passes it by reference to inlined code.
    // Items live in [_head, _count): pushed at the tail, taken from the head by the mark loop
    // (first in, first out: a queued slab waits while more of its objects turn grey) or from
    // the tail by TryPop.
    internal nuint* Items;
    internal int _head;
    internal int _count;
    private int _capacity;
    internal Chunk* Hint;
    // The order this worker scans slabs in (Collector.ScanSmallObjects): downward once
    // ScansBehindToTurn slab scans in a row needed a further pass for pointers behind, and
    // back upward likewise.
    internal bool ScanDown;
    private int _scansBehind;

    /// <summary>
    /// Slab scans in a row that need a pass behind before the order turns. Data pointing the
    /// other way makes nearly every scan need one; data in no order (a shuffled tree) makes
    /// about one in seventy need one, and at four in a row it keeps the order it has.
    /// </summary>
    internal const int ScansBehindToTurn = 4;

    /// <summary>
    /// Notes how many passes a slab scan in the order <see cref="ScanDown"/> gave took, and turns
    /// the order round after <see cref="ScansBehindToTurn"/> scans in a row took more than one:
    /// their data points the other way.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void NoteScanPasses(int passes)
    {
        if (passes == 1) { _scansBehind = 0; return; }
        if (++_scansBehind < ScansBehindToTurn) return;
        ScanDown = !ScanDown;
        _scansBehind = 0;
    }

    /// <summary>Room for at least <paramref name="more"/> pushes without growing.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void EnsureRoom(nuint more)
    {
        if ((nuint)(_capacity - _count) < more) Grow(more);
    }

    /// <summary>Slots allocated; the list grows past them.</summary>
    public readonly int Capacity => _capacity;

    public readonly int Count => _count - _head;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Push(nuint obj)
    {
        if (_count == _capacity) Grow();
        Items[_count++] = obj;
    }

    /// <summary>Takes the newest item.</summary>
    public bool TryPop(out nuint obj)
    {
        if (_count == _head) { obj = 0; return false; }
        obj = Items[--_count];
        if (_count == _head) _head = _count = 0;
        return true;
    }

    /// <summary>Takes the oldest item; the list must not be empty.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public nuint Take()
    {
        nuint obj = Items[_head++];
        if (_head == _count) _head = _count = 0;
        return obj;
    }

    /// <summary>Moves the older half of the items to <paramref name="into"/>.</summary>
    public void GiveHalf(ref WorkList into)
    {
        int half = Count / 2;
        for (int i = 0; i < half; i++) into.Push(Items[_head + i]);
        _head += half;
    }

    public void Dispose()
    {
        NativeMemory.Free(Items);
        this = default;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]   // keeps the native call out of the mark loop, whose locals then stay in registers
    private void Grow(nuint more = 1)
    {
        if (_head > 0)
        {
            // Taken items leave room at the front: move the rest down first.
            int live = _count - _head;
            new Span<nuint>(Items + _head, live).CopyTo(new Span<nuint>(Items, live));
            _head = 0;
            _count = live;
            if ((nuint)(_capacity - _count) >= more && _count < _capacity / 2) return;
        }
        _capacity = (int)Math.Max((nuint)Math.Max(1024, _capacity * 2), (nuint)_count + more);
        Items = (nuint*)NativeMemory.Realloc(Items, (nuint)_capacity * (nuint)sizeof(nuint));
    }
}
