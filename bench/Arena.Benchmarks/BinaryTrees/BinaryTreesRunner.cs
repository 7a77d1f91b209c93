using System.Diagnostics;

namespace Arena.Benchmarks.BinaryTrees;

/// <summary>
/// Runs one binary-trees variant once in this process and reports its time and the process's
/// peak working set, checked against the expected output:
/// <c>dotnet run -c Release -- binarytrees arena|arena-single|managed|managed-parallel DEPTH</c>.
/// One variant per process, so the peak belongs to it alone.
/// </summary>
public static class BinaryTreesRunner
{
    public static readonly string[] Variants = ["arena", "arena-single", "managed", "managed-parallel"];

    public static string RunVariant(string variant, int depth) => variant switch
    {
        "arena" => ArenaBinaryTrees.Run(depth),
        "arena-single" => ArenaBinaryTrees.RunSingleThreaded(depth),
        "managed" => ManagedBinaryTrees.RunSingleThreaded(depth),
        "managed-parallel" => ManagedBinaryTrees.RunParallel(depth),
        _ => throw new ArgumentException($"Unknown variant '{variant}'; use one of {string.Join(", ", Variants)}.", nameof(variant)),
    };

    public static int Run(string[] args)
    {
        if (args.Length != 2 || !int.TryParse(args[1], out int depth))
        {
            Console.Error.WriteLine($"usage: binarytrees {string.Join("|", Variants)} DEPTH");
            return 2;
        }
        var sw = Stopwatch.StartNew();
        string output = RunVariant(args[0], depth);
        sw.Stop();
        Console.Write(output);
        string expectedPath = Path.Combine(AppContext.BaseDirectory, "Data", $"binarytrees-{depth}.txt");
        string verdict = File.Exists(expectedPath)
            ? (File.ReadAllText(expectedPath) == output ? "output matches" : "OUTPUT DIFFERS")
            : "no expected output for this depth";
        using var self = Process.GetCurrentProcess();
        self.Refresh();
        Console.Error.WriteLine(
            $"{args[0]} depth {depth}: {sw.Elapsed.TotalSeconds:F3} s, peak working set {self.PeakWorkingSet64 / (1 << 20)} MiB, " +
            $"server GC {System.Runtime.GCSettings.IsServerGC}, {Environment.ProcessorCount} cores, {verdict}");
        return verdict == "OUTPUT DIFFERS" ? 1 : 0;
    }
}
