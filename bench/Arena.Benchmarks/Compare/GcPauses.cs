using System.Diagnostics.Tracing;

namespace Arena.Benchmarks.Compare;

/// <summary>
/// The .NET GC's stop-the-world pauses, from the runtime's own events (GCSuspendEEBegin to
/// GCRestartEEEnd), collected in process by an EventListener.
/// </summary>
internal sealed class DotNetGcPauses : EventListener
{
    private const int SuspendEEBegin = 9, RestartEEEnd = 3;
    private readonly List<long> _pausesNs = [];
    private DateTime _suspendedAt;

    protected override void OnEventSourceCreated(EventSource source)
    {
        if (source.Name == "Microsoft-Windows-DotNETRuntime")
            EnableEvents(source, EventLevel.Informational, (EventKeywords)0x1);   // GC keyword
    }

    protected override void OnEventWritten(EventWrittenEventArgs e)
    {
        lock (_pausesNs)
        {
            if (e.EventId == SuspendEEBegin) _suspendedAt = e.TimeStamp;
            else if (e.EventId == RestartEEEnd && _suspendedAt != default)
            {
                _pausesNs.Add((e.TimeStamp - _suspendedAt).Ticks * 100);
                _suspendedAt = default;
            }
        }
    }

    public long[] Pauses()
    {
        Thread.Sleep(500);          // events arrive on a dispatch thread, slightly late
        lock (_pausesNs) return [.. _pausesNs];
    }
}

/// <summary>Summary of a pause distribution.</summary>
public readonly record struct PauseSummary(int Count, double MaxMs, double P99Ms, double TotalMs)
{
    public static PauseSummary Of(long[] pausesNs)
    {
        if (pausesNs.Length == 0) return default;
        long[] sorted = [.. pausesNs.Order()];
        int p99 = Math.Min(sorted.Length - 1, (int)Math.Ceiling(sorted.Length * 0.99) - 1);
        return new PauseSummary(sorted.Length, sorted[^1] / 1e6, sorted[p99] / 1e6, sorted.Sum() / 1e6);
    }
}
