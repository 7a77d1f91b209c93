namespace Arena.Benchmarks.BinaryTrees;

/// <summary>A binary-trees program the comparison runs, each in a process of its own.</summary>
/// <param name="Name">Short id, used on the command line (--variant) and in the tables.</param>
/// <param name="Description">What it measures.</param>
/// <param name="IsManaged">True for the .NET GC variants the ratios are taken against.</param>
/// <param name="Run">Runs the program for a depth and returns its output.</param>
/// <param name="Environment">Environment of its process (e.g. server GC).</param>
public sealed record BinaryTreesVariant(
    string Name,
    string Description,
    bool IsManaged,
    Func<int, string> Run,
    IReadOnlyDictionary<string, string> Environment)
{
    /// <summary>For collected variants: the pauses of the last run.</summary>
    public Func<Compare.Pause[]>? Pauses { get; init; }
}

/// <summary>Every binary-trees variant of the comparison.</summary>
public static class BinaryTreesVariants
{
    private static readonly Dictionary<string, string> s_none = [];
    private static readonly Dictionary<string, string> s_serverGc = new() { ["DOTNET_gcServer"] = "1" };

    public static IReadOnlyList<BinaryTreesVariant> All { get; } =
    [
        new("dotnet-1t", ".NET GC, one thread", true, ManagedBinaryTrees.RunSingleThreaded, s_none),
        new("dotnet-par", ".NET GC, parallel, server GC", true, ManagedBinaryTrees.RunParallel, s_serverGc),
        new("arena-scope", "Arena scopes, one per tree, parallel", false, ArenaBinaryTrees.Run, s_none),
        new("arena-scope-1t", "Arena scopes, one per tree, one thread", false, ArenaBinaryTrees.RunSingleThreaded, s_none),
        new("arena-heap", "Arena heap, Alloc/Free per node, parallel", false, ArenaHeapBinaryTrees.Run, s_none),
        new("arena-gc", "Arena collector, New per node, parallel", false, ArenaGcBinaryTrees.Run, s_none) { Pauses = () => ArenaGcBinaryTrees.LastPauses },
        new("arena-gen", "Arena generational collector, New per node, parallel", false, ArenaGcBinaryTrees.RunGenerational, s_none) { Pauses = () => ArenaGcBinaryTrees.LastPauses },
        new("arena-pool", "Arena typed pool, Rent/Return per node, parallel", false, ArenaPoolBinaryTrees.Run, s_none),
    ];

    public static BinaryTreesVariant? Find(string name) => All.FirstOrDefault(v => v.Name == name);
}
