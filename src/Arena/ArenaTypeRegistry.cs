using System.ComponentModel;
using Arena.Collector;

namespace Arena;

/// <summary>
/// Called by generated code: registers an arena type's pointer map with the runtime when its
/// assembly loads, so that manual objects of the type (<see cref="Heap.Alloc{T}"/>) are traced
/// as roots by the collector. Not meant to be called by hand.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class ArenaTypeRegistry
{
    /// <summary>Registers <typeparamref name="T"/>'s pointer map.</summary>
    public static void Register<T>() where T : unmanaged, IArenaType<T> => PointerMaps.Register<T>(T.PointerMap);
}
