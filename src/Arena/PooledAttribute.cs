namespace Arena;

/// <summary>
/// Asks for a typed pool for the annotated type: for an <see cref="ArenaTypeAttribute"/>
/// struct, objects on the runtime's slabs; for a class, an object pool with a generated
/// reset (Microsoft.Extensions.ObjectPool). The generator emits a static <c>Pool</c> on the
/// type and registers it for <c>services.AddArenaPools()</c>; the analyzers (ARENA020–ARENA026)
/// reject shapes it cannot pool.
/// </summary>
[AttributeUsage(AttributeTargets.Struct | AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class PooledAttribute : Attribute
{
}
