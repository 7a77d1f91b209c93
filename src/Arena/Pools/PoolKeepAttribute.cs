namespace Arena;

/// <summary>
/// On a field of a <c>[Pooled]</c> class: the generated reset leaves this field as it is
/// (for example a buffer or a collection the object clears itself and reuses). Every other
/// field goes back to its default value when the object returns to its pool, unless the
/// class supplies <c>partial void OnReset()</c>, which then is the whole reset.
/// </summary>
[AttributeUsage(AttributeTargets.Field, AllowMultiple = false, Inherited = false)]
public sealed class PoolKeepAttribute : Attribute
{
}
