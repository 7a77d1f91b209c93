// See Collector.cs for the collector's overview.

namespace Arena.Collector;

/// <summary>
/// The explicit roots of one heap: slots holding an address, recycled through a free list,
/// each with a generation so that a stale handle's Dispose does nothing. Guarded by its lock.
/// </summary>
internal sealed class RootTable
{
    private readonly Lock _lock = new();
    private nint[] _targets = new nint[64];
    private int[] _generations = new int[64];
    private int[] _nextFree = new int[64];
    private int _freeHead = -1;
    private int _used;
    private int _count;

    public int Count => Volatile.Read(ref _count);

    public (int Slot, int Generation) Add(nint target)
    {
        lock (_lock)
        {
            int slot;
            if (_freeHead >= 0)
            {
                slot = _freeHead;
                _freeHead = _nextFree[slot];
            }
            else
            {
                if (_used == _targets.Length)
                {
                    Array.Resize(ref _targets, _used * 2);
                    Array.Resize(ref _generations, _used * 2);
                    Array.Resize(ref _nextFree, _used * 2);
                }
                slot = _used++;
            }
            _targets[slot] = target;
            _count++;
            return (slot, _generations[slot]);
        }
    }

    /// <summary>Frees the slot if the handle is current; false for a stale or disposed handle.</summary>
    public bool Remove(int slot, int generation)
    {
        lock (_lock)
        {
            if ((uint)slot >= (uint)_used || _generations[slot] != generation || _targets[slot] == -1) return false;
            _targets[slot] = -1;
            _generations[slot]++;
            _nextFree[slot] = _freeHead;
            _freeHead = slot;
            _count--;
            return true;
        }
    }

    public bool TryGet(int slot, int generation, out nint target)
    {
        lock (_lock)
        {
            if ((uint)slot < (uint)_used && _generations[slot] == generation && _targets[slot] != -1)
            {
                target = _targets[slot];
                return true;
            }
            target = 0;
            return false;
        }
    }

    public bool TrySet(int slot, int generation, nint target)
    {
        lock (_lock)
        {
            if ((uint)slot >= (uint)_used || _generations[slot] != generation || _targets[slot] == -1) return false;
            _targets[slot] = target;
            return true;
        }
    }

    /// <summary>Calls <paramref name="visit"/> with every rooted address. Runs during a collection.</summary>
    public void ForEach(Action<nint> visit)
    {
        lock (_lock)
        {
            for (int i = 0; i < _used; i++)
                if (_targets[i] != -1 && _targets[i] != 0) visit(_targets[i]);
        }
    }
}
