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

    [DoesNotReturn]
    public static void LengthOutOfRange(nint length, long max) =>
        throw new ArgumentOutOfRangeException("length", length, $"Length must be between 0 and {max} elements (1 TiB).");

    [DoesNotReturn]
    public static void DefaultScope() =>
        throw new InvalidOperationException("This Scope is default(Scope), not an open scope. Open one with `using var scope = heap.Scope();`.");

    [DoesNotReturn]
    public static void ScopeDisposed() =>
        throw new ObjectDisposedException(nameof(Scope),
            "This scope has been disposed, so its memory is gone. Allocate from a scope that is still open, or open a new one with heap.Scope().");

    [DoesNotReturn]
    public static void ScopeDisposedTwice() =>
        throw new InvalidOperationException(
            "This scope was already disposed (a copy of the Scope value was disposed before, or Dispose ran twice). Dispose each scope once; a `using` declaration does.");

    [DoesNotReturn]
    public static void ScopeOutOfOrder(int depth, int innermost) =>
        throw new InvalidOperationException(
            $"The scope at depth {depth} was disposed while the scope at depth {innermost}, opened after it, is still open. " +
            "Scopes are a stack: dispose the innermost first (nested `using` declarations do). Nothing was freed.");

    [DoesNotReturn]
    public static void ScopeWrongThread(int owner, string what) =>
        throw new InvalidOperationException(
            $"Cannot {what} a scope opened by thread {owner} on thread {Environment.CurrentManagedThreadId}. " +
            "A scope belongs to the thread that opened it: open a scope on this thread with heap.Scope().");

    [DoesNotReturn]
    public static void DisposedScopePointer(nint address) =>
        throw new InvalidOperationException(
            $"0x{address:x} points into scope memory that is no longer allocated (its scope was disposed). " +
            "Storing it would leave a dangling pointer: allocate the object from the heap (heap.Alloc/New) or from a scope that outlives the store.");
}
