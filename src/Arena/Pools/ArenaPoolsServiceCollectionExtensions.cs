using Arena;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Dependency-injection registration of Arena's typed pools.</summary>
public static class ArenaPoolsServiceCollectionExtensions
{
    /// <summary>
    /// Registers every pool in <see cref="ArenaPools"/> (every <c>[Pooled]</c> type's, and those
    /// registered by hand) as a singleton: class pools as <c>ObjectPool&lt;T&gt;</c>, struct pools
    /// as <c>ArenaPool&lt;T&gt;</c>. A service type already registered in
    /// <paramref name="services"/> is left as it is. The container does not dispose the pools.
    /// </summary>
    /// <returns><paramref name="services"/>, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> is null.</exception>
    public static IServiceCollection AddArenaPools(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArenaPools.AddTo(services);
        return services;
    }
}
