namespace Arena.Benchmarks;

/// <summary>A 32-byte unmanaged payload (the 32-byte size class) for the typed allocation rows.</summary>
internal struct Payload32 { public long A, B, C, D; }

/// <summary>A 256-byte unmanaged payload (the 256-byte size class) for the typed allocation rows.</summary>
[System.Runtime.CompilerServices.InlineArray(32)]
internal struct Payload256 { private long _element; }
