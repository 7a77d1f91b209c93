using System.Runtime.CompilerServices;

namespace Arena;

/// <summary>
/// A typed address of a <typeparamref name="T"/> in unmanaged memory: 8 bytes, storable
/// inside other arena structs. It does not own what it points at: the heap, scope or pool
/// that handed it out does, and using it after that memory is freed is undefined.
/// </summary>
/// <typeparam name="T">An unmanaged type.</typeparam>
public readonly unsafe struct Ptr<T> : IEquatable<Ptr<T>> where T : unmanaged
{
    private readonly T* _value;

    /// <summary>Wraps a raw pointer.</summary>
    public Ptr(T* value) => _value = value;

    /// <summary>The null pointer.</summary>
    public static Ptr<T> Null => default;

    /// <summary>True for the null pointer.</summary>
    public bool IsNull => _value == null;

    /// <summary>
    /// A reference to the target. Dereferencing <see cref="Null"/> throws
    /// <see cref="NullReferenceException"/>; a freed target is undefined behaviour.
    /// </summary>
    public ref T Value
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => ref *_value;
    }

    /// <summary>The raw pointer.</summary>
    public T* Pointer => _value;

    /// <summary>The address as an integer.</summary>
    public nint Address => (nint)_value;

    /// <summary>The element <paramref name="index"/> elements past this one (no bounds check).</summary>
    public Ptr<T> this[nint index] => new(_value + index);

    /// <inheritdoc/>
    public bool Equals(Ptr<T> other) => _value == other._value;
    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is Ptr<T> p && Equals(p);
    /// <inheritdoc/>
    public override int GetHashCode() => ((nint)_value).GetHashCode();
    /// <summary>Address equality.</summary>
    public static bool operator ==(Ptr<T> a, Ptr<T> b) => a._value == b._value;
    /// <summary>Address inequality.</summary>
    public static bool operator !=(Ptr<T> a, Ptr<T> b) => a._value != b._value;
    /// <inheritdoc/>
    public override string ToString() => $"Ptr<{typeof(T).Name}>(0x{(nint)_value:x})";
}
