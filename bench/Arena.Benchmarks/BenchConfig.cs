using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Reports;

namespace Arena.Benchmarks;

/// <summary>The one config every suite shares: memory diagnoser on, ratios against the baseline.</summary>
public sealed class BenchConfig : ManualConfig
{
    public BenchConfig()
    {
        AddDiagnoser(MemoryDiagnoser.Default);
        AddColumn(RankColumn.Arabic);
        SummaryStyle = SummaryStyle.Default.WithRatioStyle(RatioStyle.Trend);
        HideColumns(Column.Error, Column.StdDev);
    }
}

/// <summary>Benchmark categories, as constants so filters and the README agree.</summary>
public static class Categories
{
    public const string AllocFree = "AllocFree";
    public const string AllocFreeTwoThreads = "AllocFreeTwoThreads";
    public const string Collector = "Collector";
    public const string WriteBarrier = "WriteBarrier";
    public const string Scopes = "Scopes";
    public const string BinaryTrees = "BinaryTrees";
    public const string ColdStart = "ColdStart";
}
