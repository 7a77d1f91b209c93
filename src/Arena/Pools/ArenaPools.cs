// The registry of typed pools. See ArenaPool{T}.cs for the overview of pools.
//
// Generated code registers each [Pooled] type's pool once, from a module
// initializer, so that AddArenaPools can hand every pool of the process to a
// dependency-injection container without the container knowing the types.

using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.ObjectPool;

namespace Arena;

/// <summary>
/// The process-wide list of typed pools that
/// <see cref="ArenaPoolsServiceCollectionExtensions.AddArenaPools"/> registers. Code generated
/// for <c>[Pooled]</c> types calls <c>Register</c> from a module initializer; pools built by
/// hand can be registered the same way. Thread-safe.
/// </summary>
public static class ArenaPools
{
    private static readonly Lock s_lock = new();
    private static readonly Dictionary<Type, Action<IServiceCollection>> s_registrations = [];
    private static readonly List<Type> s_order = [];

    /// <summary>
    /// Registers <paramref name="pool"/> as the <see cref="ObjectPool{T}"/> of <typeparamref name="T"/>.
    /// A later registration for the same type replaces this one.
    /// </summary>
    /// <returns><paramref name="pool"/>, so a static initializer can register and store it at once.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="pool"/> is null.</exception>
    public static ObjectPool<T> Register<T>(ObjectPool<T> pool) where T : class
    {
        ArgumentNullException.ThrowIfNull(pool);
        Add(typeof(ObjectPool<T>), services => services.TryAddSingleton(pool));
        return pool;
    }

    /// <summary>
    /// Registers <paramref name="pool"/> as the <see cref="ArenaPool{T}"/> of <typeparamref name="T"/>.
    /// A later registration for the same type replaces this one.
    /// </summary>
    /// <returns><paramref name="pool"/>, so a static initializer can register and store it at once.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="pool"/> is null.</exception>
    public static ArenaPool<T> Register<T>(ArenaPool<T> pool) where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(pool);
        Add(typeof(ArenaPool<T>), services => services.TryAddSingleton(pool));
        return pool;
    }

    /// <summary>The service types registered so far (<c>ObjectPool&lt;T&gt;</c> or <c>ArenaPool&lt;T&gt;</c>), in registration order.</summary>
    public static IReadOnlyList<Type> RegisteredServiceTypes
    {
        get
        {
            lock (s_lock) return [.. s_order];
        }
    }

    private static void Add(Type serviceType, Action<IServiceCollection> register)
    {
        lock (s_lock)
        {
            if (!s_registrations.ContainsKey(serviceType)) s_order.Add(serviceType);
            s_registrations[serviceType] = register;
        }
    }

    internal static void AddTo(IServiceCollection services)
    {
        Action<IServiceCollection>[] registrations;
        lock (s_lock) registrations = [.. s_order.Select(t => s_registrations[t])];
        foreach (Action<IServiceCollection> register in registrations) register(services);
    }
}
