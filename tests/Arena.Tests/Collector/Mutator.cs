namespace Arena.Tests.Collector;

/// <summary>A mutator region on the calling thread, as an open scope makes one.</summary>
internal readonly struct Mutator : IDisposable
{
    private readonly Heap _heap;
    public Mutator(Heap heap) { _heap = heap; heap.EnterMutator(); }
    public void Dispose() => _heap.ExitMutator();
}
