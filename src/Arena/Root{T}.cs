namespace Arena;

/// <summary>
/// A root of the collector: keeps its target, and all it reaches, alive until disposed.
/// A copy shares the same root; disposing any copy ends it, and later copies do nothing.
/// </summary>
public readonly struct Root<T> : IDisposable, IEquatable<Root<T>> where T : unmanaged
{
    private readonly Heap? _heap;
    private readonly int _slot;
    private readonly int _generation;

    internal Root(Heap heap, int slot, int generation)
    {
        _heap = heap;
        _slot = slot;
        _generation = generation;
    }

    /// <summary>True while the root is in force.</summary>
    public bool IsActive => _heap != null && !_heap.IsDisposed && _heap.Collector.Roots.TryGet(_slot, _generation, out _);

    /// <summary>The rooted pointer; setting it roots another object instead.</summary>
    /// <exception cref="ObjectDisposedException">The root was disposed.</exception>
    public unsafe Ptr<T> Target
    {
        get
        {
            if (_heap == null || !_heap.Collector.Roots.TryGet(_slot, _generation, out nint t))
                throw new ObjectDisposedException(nameof(Root<T>), "This root has been disposed; create a new one with heap.Root(ptr).");
            return new Ptr<T>((T*)t);
        }
        set
        {
            if (_heap == null || !_heap.Collector.Roots.TrySet(_slot, _generation, value.Address))
                throw new ObjectDisposedException(nameof(Root<T>), "This root has been disposed; create a new one with heap.Root(ptr).");
        }
    }

    /// <summary>Ends the root. Idempotent.</summary>
    public void Dispose() => _heap?.Collector.Roots.Remove(_slot, _generation);

    /// <inheritdoc/>
    public bool Equals(Root<T> other) => ReferenceEquals(_heap, other._heap) && _slot == other._slot && _generation == other._generation;
    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is Root<T> r && Equals(r);
    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(_heap, _slot, _generation);
}
