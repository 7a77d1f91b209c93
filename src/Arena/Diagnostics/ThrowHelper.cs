using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;

namespace Arena.Diagnostics;

/// <summary>Throw sites kept out of hot generic methods (as dotnet/runtime's ThrowHelper).</summary>
[StackTraceHidden]
internal static class ThrowHelper
{
    [DoesNotReturn]
    public static void ObjectDisposed(string what) =>
        throw new ObjectDisposedException(what, $"This {what} has been disposed; create a new one or stop using the old one.");

    [DoesNotReturn]
    public static void NotOwned(nint address) =>
        throw new ArgumentException(
            $"0x{address:x} was not allocated by this heap (or its memory was already given back). Free a pointer on the heap that allocated it.",
            "pointer");

    [DoesNotReturn]
    public static void Interior(nint address, nint start) =>
        throw new ArgumentException(
            $"0x{address:x} points inside the object at 0x{start:x}, not at its start. Free the pointer that Alloc returned.",
            "pointer");

    [DoesNotReturn]
    public static void DoubleFree(nint address) =>
        throw new ArgumentException(
            $"0x{address:x} is not allocated: it was freed already (double free) or never handed out.",
            "pointer");

    [DoesNotReturn]
    public static void NullPointer() =>
        throw new ArgumentNullException("pointer", "Cannot free a null pointer.");

    [DoesNotReturn]
    public static void SizeOutOfRange(nint size, long max) =>
        throw new ArgumentOutOfRangeException("size", size, $"Size must be between 0 and {max} bytes.");

    [DoesNotReturn]
    public static void BadAlignment(int alignment) =>
        throw new ArgumentOutOfRangeException("alignment", alignment,
            $"Alignment must be a power of two between 1 and {Pages.PageHeap.PageSize}.");

    [DoesNotReturn]
    public static void OutOfMemory(long requested, long inUse, long max) =>
        throw new ArenaOutOfMemoryException(requested, inUse, max);

    [DoesNotReturn]
    public static void InvalidOperation(string message) => throw new InvalidOperationException(message);
}
