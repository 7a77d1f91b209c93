// See Slab.cs and PageHeap.cs.

using System.Runtime.InteropServices;

namespace Arena.Slabs;

/// <summary>
/// Recycles slab descriptors, allocated in 64-byte aligned blocks of NativeMemory (Go:
/// mheap.spanalloc, a fixalloc), so that every descriptor's bitmaps start cache lines.
/// Not thread-safe: used under the page heap's lock.
/// </summary>
internal unsafe struct SlabPool
{
    private const int BlockSlabs = 64;

    private Slab* _free;       // free descriptors, linked through Next
    private nint* _blocks;     // every block, for DisposeAll
    private int _blockCount;
    private int _blockCapacity;

    /// <summary>Descriptors rented and not returned.</summary>
    public int InUse { get; private set; }

    public Slab* Rent()
    {
        if (_free == null) Grow();
        Slab* s = _free;
        _free = s->Next;
        InUse++;
        *s = default;
        s->InitBitmaps();
        return s;
    }

    public void Return(Slab* s)
    {
        s->State = SlabState.Free;
        s->Owner = 0;
        s->Next = _free;
        _free = s;
        InUse--;
    }

    public void DisposeAll()
    {
        for (int i = 0; i < _blockCount; i++) Slab.FreeDescriptors((Slab*)_blocks[i]);
        NativeMemory.Free(_blocks);
        this = default;
    }

    private void Grow()
    {
        // Room in the list of blocks first: a refusal of either allocation then loses nothing.
        if (_blockCount == _blockCapacity)
        {
            int capacity = Math.Max(8, _blockCapacity * 2);
            _blocks = (nint*)NativeMemory.Realloc(_blocks, (nuint)(capacity * sizeof(nint)));
            _blockCapacity = capacity;
        }
        Slab* block = Slab.AllocDescriptors(BlockSlabs);
        _blocks[_blockCount++] = (nint)block;
        for (int i = BlockSlabs - 1; i >= 0; i--)
        {
            block[i].Next = _free;
            _free = &block[i];
        }
    }
}
