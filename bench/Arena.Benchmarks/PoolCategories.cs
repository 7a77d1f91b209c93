namespace Arena.Benchmarks;

/// <summary>Benchmark categories of the typed pools, as constants so filters and docs agree.</summary>
public static class PoolCategories
{
    public const string StructPool = "StructPool";
    public const string StructPoolTwoThreads = "StructPoolTwoThreads";
    public const string ClassPool = "ClassPool";
    public const string ClassPoolTwoThreads = "ClassPoolTwoThreads";
}
