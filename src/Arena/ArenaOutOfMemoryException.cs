namespace Arena;

/// <summary>
/// Thrown when an allocation would take the heap past <see cref="HeapOptions.MaxBytes"/>, or
/// when the operating system refuses the heap more memory (the message says which). The heap
/// stays usable: free memory, or raise the limit, and allocate again.
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

    /// <summary>For memory the operating system refused, under MaxBytes (or with none).</summary>
    internal ArenaOutOfMemoryException(long requestedBytes, long inUseBytes, long maxBytes, OutOfMemoryException refused)
        : base($"The operating system refused the heap {requestedBytes} more bytes ({inUseBytes} bytes are in use" +
               (maxBytes > 0 ? $", MaxBytes is {maxBytes}" : ", no MaxBytes is set") +
               "). Free objects, dispose scopes, or set HeapOptions.MaxBytes below what the machine can give.", refused)
    {
        RequestedBytes = requestedBytes;
        InUseBytes = inUseBytes;
        MaxBytes = maxBytes;
    }

    /// <summary>The page bytes the failed request needed.</summary>
    public long RequestedBytes { get; }
    /// <summary>Bytes in use (HeapInuse) when the request failed.</summary>
    public long InUseBytes { get; }
    /// <summary>The MaxBytes limit in force: the one that was hit, or 0 for none when the operating system refused.</summary>
    public long MaxBytes { get; }
}
