using Arena;

namespace Arena.Tests.Pools;

// What a user writes, less the attributes ([ArenaType, Pooled] on the struct, [Pooled] on the
// classes): the generator's output for these types is checked in under Generated/ instead
// (PoolEmitter's text, compared byte for byte by EmittedPoolTests), so the runtime contract is
// tested through exactly the code the generator emits.

/// <summary>A pooled arena struct.</summary>
public partial struct PooledNode
{
    public long Value;
    public Ptr<PooledNode> Next;
}

/// <summary>A pooled class reset field by field, one field kept.</summary>
public partial class PooledMessage
{
    private string? _text;
    public int Count;
    public DateTime Stamp;
    [PoolKeep] public List<int> Buffer = new();

    public string? Text
    {
        get => _text;
        set => _text = value;
    }
}

/// <summary>A pooled disposable class that resets itself through OnReset.</summary>
public partial class PooledSession : IDisposable
{
    public int Id;
    public int Resets;
    public bool IsDisposed { get; private set; }
    public List<string> Log { get; } = new();

    partial void OnReset()
    {
        Log.Clear();
        Resets++;
    }

    public void Dispose() => IsDisposed = true;
}
