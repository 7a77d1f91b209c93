using Arena;

namespace Arena.Tests.Pools;

// What a user writes: the generator emits T.Pool (and the classes' reset) and registers the
// pools for AddArenaPools, so these tests exercise exactly the code users get.

/// <summary>A pooled arena struct.</summary>
[ArenaType, Pooled]
public partial struct PooledNode
{
    public long Value;
    private Ptr<PooledNode> _next;
}

/// <summary>A pooled class reset field by field, one field kept.</summary>
[Pooled]
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
[Pooled]
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
