using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using Arena.Caches;

namespace Arena;

/// <summary>
/// The calling thread's handle on a <see cref="Arena.Heap"/>, from <see cref="Heap.Local"/>.
/// <see cref="Alloc{T}"/>, <see cref="New{T}"/> and <see cref="Free{T}(Ptr{T})"/> do what the heap's do, without the
/// thread-static lookup of the thread's cache that each call on the heap makes (on Linux .NET
/// reads a thread-static through the TLS resolver, about 2 ns, longer than the allocation
/// itself). Go's allocator finds its cache through the running P; a handle is .NET's way to
/// carry it.
/// </summary>
/// <remarks>
/// <para>
/// A <c>ref struct</c>: it lives on the stack of the thread that took it and cannot reach
/// another thread (it cannot be a field of a class, captured by a lambda, or held across an
/// <c>await</c>). Take it where a loop starts and pass it down by value.
/// </para>
/// <para>
/// Objects from a handle are ordinary heap objects: free them through any handle or through
/// the heap, on any thread. After the heap is disposed, allocation throws
/// <see cref="ObjectDisposedException"/> as the heap's does. A <c>default</c> handle throws
/// <see cref="InvalidOperationException"/>.
/// </para>
/// </remarks>
/// <example>
/// <code>
/// LocalHeap local = heap.Local();
/// for (int i = 0; i &lt; n; i++)
/// {
///     Ptr&lt;Node&gt; node = local.Alloc&lt;Node&gt;();
///     // ...
///     local.Free(node);
/// }
/// </code>
/// </example>
public readonly unsafe ref struct LocalHeap
{
    private readonly Heap _heap;
    private readonly ThreadCache _cache;
    /// <summary>The cache's unmanaged block, held here so that a loop reads it from a register, not from the cache object.</summary>
    private readonly CacheBlock* _block;

    internal LocalHeap(Heap heap, ThreadCache cache)
    {
        _heap = heap;
        _cache = cache;
        _block = cache.Block;
    }

    /// <summary>The heap this handle allocates from.</summary>
    /// <exception cref="InvalidOperationException">A <c>default</c> handle.</exception>
    public Heap Heap
    {
        get
        {
            if (_heap is null) ThrowDefault();
            return _heap;
        }
    }

    /// <summary>As <see cref="Heap.Alloc{T}"/>: a zeroed <typeparamref name="T"/> that lives until freed.</summary>
    /// <exception cref="ArenaOutOfMemoryException">Past <see cref="HeapOptions.MaxBytes"/>.</exception>
    /// <exception cref="ObjectDisposedException">The heap was disposed.</exception>
    /// <exception cref="InvalidOperationException">A <c>default</c> handle.</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Ptr<T> Alloc<T>() where T : unmanaged
    {
        if (_cache is null) ThrowDefault();
        return _heap.AllocWith<T>(_block);
    }

    /// <summary>
    /// As <see cref="Heap.New{T}"/>: a zeroed, collected <typeparamref name="T"/>, alive while
    /// reachable from a root. Only inside a scope on this thread (a mutator region).
    /// </summary>
    /// <exception cref="InvalidOperationException">The thread has no open scope on the heap, or a <c>default</c> handle.</exception>
    /// <exception cref="ArenaOutOfMemoryException">Past <see cref="HeapOptions.MaxBytes"/>.</exception>
    /// <exception cref="ObjectDisposedException">The heap was disposed.</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Ptr<T> New<T>() where T : unmanaged, IArenaType<T>
    {
        if (_cache is null) ThrowDefault();
        return _heap.NewWith<T>(_cache);
    }

    /// <summary>As <see cref="Heap.Alloc(nint, int)"/>: <paramref name="size"/> bytes, not zeroed.</summary>
    /// <param name="size">Bytes, 0 or more.</param>
    /// <param name="alignment">A power of two from 1 to 8192.</param>
    /// <exception cref="ArgumentOutOfRangeException">Size or alignment out of range.</exception>
    /// <exception cref="ArenaOutOfMemoryException">Past <see cref="HeapOptions.MaxBytes"/>.</exception>
    /// <exception cref="ObjectDisposedException">The heap was disposed.</exception>
    /// <exception cref="InvalidOperationException">A <c>default</c> handle.</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void* Alloc(nint size, int alignment = 8)
    {
        if (_cache is null) ThrowDefault();
        return _heap.AllocWith(_block, size, alignment);
    }

    /// <summary>As <see cref="Heap.Free{T}(Ptr{T})"/>.</summary>
    /// <exception cref="ArgumentException">Null, not from this heap, not the start of an object, or already freed.</exception>
    /// <exception cref="ObjectDisposedException">The heap was disposed.</exception>
    /// <exception cref="InvalidOperationException">A <c>default</c> handle.</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Free<T>(Ptr<T> pointer) where T : unmanaged
    {
        if (_cache is null) ThrowDefault();
        _heap.FreeTypedWith(pointer.Pointer, _block);
    }

    /// <summary>As <see cref="Heap.Free(void*)"/>.</summary>
    /// <exception cref="ArgumentException">Null, not from this heap, not the start of an object, or already freed.</exception>
    /// <exception cref="ObjectDisposedException">The heap was disposed.</exception>
    /// <exception cref="InvalidOperationException">A <c>default</c> handle.</exception>
    public void Free(void* pointer)
    {
        if (_cache is null) ThrowDefault();
        _heap.FreeRawWith(pointer, _block);
    }

    [DoesNotReturn, MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowDefault() =>
        throw new InvalidOperationException("This LocalHeap is default: take one with heap.Local() on the thread that uses it.");
}
