using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;

namespace Arena.Diagnostics;

/// <summary>Throw sites of the pools, kept out of their hot generic methods (see <see cref="ThrowHelper"/>).</summary>
[StackTraceHidden]
internal static class PoolThrowHelper
{
    [DoesNotReturn]
    public static void NullReturned(string typeName) =>
        throw new ArgumentNullException("item",
            $"Cannot return a null Ptr<{typeName}> to the pool. Return the pointer that Rent gave you, once.");

    [DoesNotReturn]
    public static void ReturnedTwice(nint address, string typeName) =>
        throw new ArgumentException(
            $"Ptr<{typeName}> 0x{address:x} is already in the pool: it was returned twice. Return each rented object once, and stop using it after Return.",
            "item");

    [DoesNotReturn]
    public static void NotFromPool(nint address, string typeName, string where) =>
        throw new ArgumentException(
            $"Ptr<{typeName}> 0x{address:x} was not rented from this pool ({where}). Return objects to the pool that rented them; free Heap.Alloc objects with Heap.Free.",
            "item");

    [DoesNotReturn]
    public static void CapacityOutOfRange(int capacity, int max) =>
        throw new ArgumentOutOfRangeException("capacity", capacity, $"Capacity must be between 1 and {max}.");
}
