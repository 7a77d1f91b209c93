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
}
