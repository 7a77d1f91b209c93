using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;

namespace Arena.Benchmarks;

/// <summary>
/// The one config every suite uses: the memory diagnoser on. The job is BenchmarkDotNet's
/// default unless the command line picks one (--job short while developing).
/// </summary>
public sealed class BenchmarkConfig : ManualConfig
{
    public const string Scopes = "Scopes";
    public const string BinaryTrees = "BinaryTrees";

    public BenchmarkConfig()
    {
        AddDiagnoser(MemoryDiagnoser.Default);
        WithOption(ConfigOptions.JoinSummary, false);
    }
}
