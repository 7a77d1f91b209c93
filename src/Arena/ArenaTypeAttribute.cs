namespace Arena;

/// <summary>
/// Marks a <c>partial struct</c> as an arena type. Arena's source generator then implements
/// <see cref="IArenaType{TSelf}"/> for it (size, alignment, size class, pointer map, type id
/// and name, computed at build time where the layout allows) and emits a public property
/// per private <see cref="Ptr{T}"/> field whose setter runs the <see cref="WriteBarrier"/>.
/// </summary>
/// <remarks>
/// The struct must be partial, not generic, not a <c>ref struct</c> or record, nested only
/// in partial types, and hold no managed references. Analyzers report each violation
/// (ids ARENA001 and up).
/// </remarks>
[AttributeUsage(AttributeTargets.Struct, AllowMultiple = false, Inherited = false)]
public sealed class ArenaTypeAttribute : Attribute
{
}
