// See Collector.cs for the collector's overview.

using System.Runtime.CompilerServices;

namespace Arena.Collector;

/// <summary>
/// The pointer maps of arena types, registered by generated code when the declaring module
/// loads (a module initializer), and read by <see cref="TypeLayout{T}"/> once per type.
/// </summary>
internal static class PointerMaps
{
    private static class Registered<T> where T : unmanaged
    {
        public static ulong[]? Map;
    }

    /// <summary>Registers T's pointer map: bit i set when the 8-byte word i of T is a pointer.</summary>
    public static void Register<T>(ReadOnlySpan<ulong> map) where T : unmanaged
    {
        int last = map.Length - 1;
        while (last >= 0 && map[last] == 0) last--;
        Registered<T>.Map = map[..(last + 1)].ToArray();
    }

    /// <summary>T's pointer map; empty when T has no pointers or is not an arena type.</summary>
    public static ulong[] Of<T>() where T : unmanaged
    {
        // The module that declares T registers its arena types in its initializer; make sure
        // it has run even when T is first touched from another module.
        RuntimeHelpers.RunModuleConstructor(typeof(T).Module.ModuleHandle);
        return Registered<T>.Map ?? [];
    }
}
