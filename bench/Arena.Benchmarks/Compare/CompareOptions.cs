namespace Arena.Benchmarks.Compare;

/// <summary>Options of the quick comparison (the benchmark program run with no BenchmarkDotNet arguments).</summary>
public sealed record CompareOptions
{
    /// <summary>binary-trees depth; 21 is the Benchmarks Game's, 18 keeps the run under two minutes here.</summary>
    public int Depth { get; init; } = 18;
    /// <summary>
    /// How many times each binary-trees variant runs, the variants taking turns (all once,
    /// then all again), each keeping its best time. One by default. More rounds let a variant's
    /// best time come from a moment when the machine was not slowed by something else, which a
    /// single run on a shared machine cannot promise.
    /// </summary>
    public int Rounds { get; init; } = 1;
    /// <summary>Smoke mode: tiny sizes, checks that everything runs and is correct, times nothing worth reading.</summary>
    public bool Smoke { get; init; }
    /// <summary>Folder for results.md, results.csv and results.svg.</summary>
    public string OutputDirectory { get; init; } = Path.Combine("bench", "results");

    public const string Usage = """
        Quick comparison (no arguments):
          dotnet run -c Release --project bench/Arena.Benchmarks [-- --depth N] [--rounds N] [--out DIR] [--smoke]
        BenchmarkDotNet suites (any other arguments go to BenchmarkDotNet's switcher):
          dotnet run -c Release --project bench/Arena.Benchmarks -- --filter '*AllocFree*' --job short
        """;

    /// <summary>Parses the comparison's own arguments; null when they are BenchmarkDotNet's.</summary>
    public static CompareOptions? TryParse(string[] args)
    {
        var o = new CompareOptions();
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--smoke": o = o with { Smoke = true, Depth = Math.Min(o.Depth, 10) }; break;
                case "--depth" when i + 1 < args.Length && int.TryParse(args[i + 1], out int d) && d is >= 4 and <= 24:
                    o = o with { Depth = d }; i++; break;
                case "--depth":
                    throw new ArgumentException("--depth takes a whole number from 4 to 24.");
                case "--rounds" when i + 1 < args.Length && int.TryParse(args[i + 1], out int r) && r is >= 1 and <= 20:
                    o = o with { Rounds = r }; i++; break;
                case "--rounds":
                    throw new ArgumentException("--rounds takes a whole number from 1 to 20.");
                case "--out" when i + 1 < args.Length:
                    o = o with { OutputDirectory = args[++i] }; break;
                default:
                    return null;
            }
        }
        return o;
    }
}
