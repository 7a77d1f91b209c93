using System.Runtime.CompilerServices;

namespace Arena;

public sealed unsafe partial class Heap
{
    /// <summary>
    /// Allocates a zeroed arena type through the size class its generated type information
    /// names, a constant the JIT folds into the slab fast path. Until the collector lands this
    /// is manual memory like <see cref="Alloc{T}"/>: the object lives until
    /// <see cref="Free{T}(Ptr{T})"/>.
    /// </summary>
    /// <typeparam name="T">An <see cref="ArenaTypeAttribute"/> struct.</typeparam>
    /// <exception cref="ArenaOutOfMemoryException">Past <see cref="HeapOptions.MaxBytes"/>.</exception>
    /// <exception cref="ObjectDisposedException">The heap was disposed.</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Ptr<T> New<T>() where T : unmanaged, IArenaType<T>
    {
        T* p = (T*)AllocClass(T.SizeClass, T.Size, T.Alignment);
        *p = default;
        return new Ptr<T>(p);
    }
}
