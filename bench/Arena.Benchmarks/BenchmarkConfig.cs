using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;

namespace Arena.Benchmarks;

/// <summary>
/// The one config every suite uses: the memory diagnoser on, a fixed job. Command-line
/// options (--job short, --filter …) still apply on top.
/// </summary>
public sealed class BenchmarkConfig : ManualConfig
{
    public const string Scopes = "Scopes";
    public const string BinaryTrees = "BinaryTrees";

    public BenchmarkConfig()
    {
        AddDiagnoser(MemoryDiagnoser.Default);
        AddJob(Job.Default.WithId("default"));
        WithOption(ConfigOptions.JoinSummary, false);
    }
}
