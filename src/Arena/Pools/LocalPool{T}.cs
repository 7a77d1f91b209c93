using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using Arena.Pools;

namespace Arena;

/// <summary>
/// The calling thread's handle on an <see cref="ArenaPool{T}"/>, from
/// <see cref="ArenaPool{T}.Local"/>. <see cref="Rent"/> and <see cref="Return"/> do what the
/// pool's do, without the thread-static lookup of the thread's cache that each call on the pool
/// makes (about 2 ns on Linux, as long as the rest of the operation). Go's sync.Pool finds its
/// per-P cache by pinning to the running P; a handle is .NET's way to carry it.
/// </summary>
/// <typeparam name="T">The pooled type.</typeparam>
/// <remarks>
/// <para>
/// A <c>ref struct</c>: it lives on the stack of the thread that took it and cannot reach
/// another thread (it cannot be a field of a class, captured by a lambda, or held across an
/// <c>await</c>). Take it where a loop starts and pass it down by value.
/// </para>
/// <para>
/// Objects are the pool's: return through any handle or through the pool, on any thread.
/// Trims and collections age the handle's cache as they age the pool's. After the pool or its
/// heap is disposed, <see cref="Rent"/> throws <see cref="ObjectDisposedException"/> and
/// <see cref="Return"/> frees to the heap, as the pool's do. A <c>default</c> handle throws
/// <see cref="InvalidOperationException"/>.
/// </para>
/// </remarks>
/// <example>
/// <code>
/// LocalPool&lt;Node&gt; nodes = Node.Pool.Local();
/// Ptr&lt;Node&gt; n = nodes.Rent();
/// // ...
/// nodes.Return(n);
/// </code>
/// </example>
public readonly ref struct LocalPool<T> where T : unmanaged
{
    private readonly ArenaPool<T> _pool;
    /// <summary>The thread's cache of the pool; null in checked mode, where every operation takes the pool's tracked path.</summary>
    private readonly PoolLocal? _local;

    internal LocalPool(ArenaPool<T> pool, PoolLocal? local)
    {
        _pool = pool;
        _local = local;
    }

    /// <summary>The pool this handle rents from.</summary>
    /// <exception cref="InvalidOperationException">A <c>default</c> handle.</exception>
    public ArenaPool<T> Pool
    {
        get
        {
            if (_pool is null) ThrowDefault();
            return _pool;
        }
    }

    /// <summary>As <see cref="ArenaPool{T}.Rent"/>: a zeroed <typeparamref name="T"/>.</summary>
    /// <exception cref="ObjectDisposedException">The pool or its heap was disposed.</exception>
    /// <exception cref="ArenaOutOfMemoryException">The heap is past its <see cref="HeapOptions.MaxBytes"/>.</exception>
    /// <exception cref="InvalidOperationException">A <c>default</c> handle.</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Ptr<T> Rent()
    {
        if (_pool is null) ThrowDefault();
        return _pool.RentWith(_local);
    }

    /// <summary>As <see cref="ArenaPool{T}.Return"/>: gives back an object the pool rented.</summary>
    /// <param name="item">A pointer from this pool's Rent, not yet returned.</param>
    /// <exception cref="ArgumentNullException"><paramref name="item"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="item"/> was returned already, or was not rented from this pool.</exception>
    /// <exception cref="InvalidOperationException">A <c>default</c> handle.</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Return(Ptr<T> item)
    {
        if (_pool is null) ThrowDefault();
        _pool.ReturnWith(item, _local);
    }

    [DoesNotReturn, MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowDefault() =>
        throw new InvalidOperationException($"This LocalPool<{typeof(T).Name}> is default: take one with pool.Local() on the thread that uses it.");
}
