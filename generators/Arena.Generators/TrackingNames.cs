namespace Arena.Generators;

/// <summary>The names of the generator's tracked steps. Tests read them back.</summary>
public static class TrackingNames
{
    /// <summary>Each <c>[ArenaType]</c> declaration parsed into a model (null when it cannot be generated).</summary>
    public const string Parse = "ArenaTypes.Parse";

    /// <summary>The models that are emitted.</summary>
    public const string Models = "ArenaTypes.Models";

    /// <summary>The fully qualified names of the arena types with pointers that the module initializer registers.</summary>
    public const string Registrations = "ArenaTypes.Registrations";

    /// <summary>Each <c>[Pooled]</c> declaration parsed into a model (null when its shape is wrong).</summary>
    public const string PooledParse = "Pooled.Parse";

    /// <summary>The pooled-type models that are emitted.</summary>
    public const string PooledModels = "Pooled.Models";

    /// <summary>The pooled types the module initializer registers for AddArenaPools.</summary>
    public const string PoolRegistrations = "Pooled.Registrations";
}
