namespace Arena;

/// <summary>
/// Asks for a typed pool for the annotated type: for an <see cref="ArenaTypeAttribute"/>
/// struct, objects on the runtime's slabs; for a class, an object pool with a generated
/// reset. This release defines the attribute only; no pool is generated yet.
/// </summary>
[AttributeUsage(AttributeTargets.Struct | AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class PooledAttribute : Attribute
{
}
