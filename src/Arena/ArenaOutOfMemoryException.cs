namespace Arena;

/// <summary>
/// Thrown when an allocation would take the heap past <see cref="HeapOptions.MaxBytes"/>.
/// The heap stays usable: free memory, or raise the limit, and allocate again.
/// </summary>
public sealed class ArenaOutOfMemoryException : OutOfMemoryException
{
    /// <summary>Creates the exception for a request that did not fit.</summary>
    public ArenaOutOfMemoryException(long requestedBytes, long inUseBytes, long maxBytes)
        : base($"Allocating {requestedBytes} bytes would take the heap past its MaxBytes limit of {maxBytes} bytes " +
               $"({inUseBytes} bytes are in use). Free objects, dispose scopes, or raise HeapOptions.MaxBytes.")
    {
        RequestedBytes = requestedBytes;
        InUseBytes = inUseBytes;
        MaxBytes = maxBytes;
    }

    /// <summary>The page bytes the failed request needed.</summary>
    public long RequestedBytes { get; }
    /// <summary>Bytes in use (HeapInuse) when the request failed.</summary>
    public long InUseBytes { get; }
    /// <summary>The limit that was hit.</summary>
    public long MaxBytes { get; }
}
