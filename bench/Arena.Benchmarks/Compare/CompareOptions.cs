using System.Globalization;

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
    /// <summary>
    /// The JIT's call-counting delay, in milliseconds, set in every binary-trees variant's process
    /// (<c>DOTNET_TC_CallCountingDelayMs</c>); null keeps the runtime's default of 100 ms. Zero by
    /// default: the runtime restarts the delay whenever a method runs for the first time, so a
    /// process that runs for a few seconds spends its first half second or more in unoptimized
    /// code, and the comparison would measure the JIT's warm-up more than the allocator. The same
    /// value goes to every variant, managed or not.
    /// </summary>
    public int? JitDelayMs { get; init; } = 0;
    /// <summary>Folder for results.md, results.csv and results.svg.</summary>
    public string OutputDirectory { get; init; } = Path.Combine("bench", "results");

    public const string Usage = """
        Quick comparison (no arguments):
          dotnet run -c Release --project bench/Arena.Benchmarks [-- --depth N] [--rounds N] [--jit-delay MS|default] [--out DIR] [--smoke]
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
                case "--jit-delay" when i + 1 < args.Length && args[i + 1] == "default":
                    o = o with { JitDelayMs = null }; i++; break;
                case "--jit-delay" when i + 1 < args.Length && int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out int ms) && ms <= 60_000:
                    o = o with { JitDelayMs = ms }; i++; break;
                case "--jit-delay":
                    throw new ArgumentException("--jit-delay takes a whole number of milliseconds from 0 to 60000, or 'default' for the runtime's own delay.");
                case "--out" when i + 1 < args.Length:
                    o = o with { OutputDirectory = args[++i] }; break;
                default:
                    return null;
            }
        }
        return o;
    }

    /// <summary>The environment variable that sets the JIT's call-counting delay.</summary>
    public const string JitDelayVariable = "DOTNET_TC_CallCountingDelayMs";

    /// <summary>
    /// Sets <see cref="JitDelayVariable"/> in a variant's environment to <see cref="JitDelayMs"/>,
    /// or removes it when that is null, so that one inherited from the shell cannot make the
    /// variants differ from what the results say.
    /// </summary>
    public void ApplyJitDelay(IDictionary<string, string?> environment)
    {
        if (JitDelayMs is int ms) environment[JitDelayVariable] = ms.ToString(CultureInfo.InvariantCulture);
        else environment.Remove(JitDelayVariable);
    }
}
