using System.Diagnostics.Tracing;

namespace Arena.Benchmarks.Compare;

/// <summary>
/// One collection's pause as the thread that stopped first sees it: from the start of
/// stopping to the restart (<paramref name="TotalNs"/>), and of that the time it took every
/// thread to stop (<paramref name="StoppingNs"/>).
/// </summary>
public readonly record struct Pause(long TotalNs, long StoppingNs);

/// <summary>
/// The .NET GC's stop-the-world pauses, from the runtime's own events (GCSuspendEEBegin to
/// GCRestartEEEnd, with GCSuspendEEEnd ending the stopping), collected in process by an
/// EventListener.
/// </summary>
internal sealed class DotNetGcPauses : EventListener
{
    private const int SuspendEEBegin = 9, SuspendEEEnd = 8, RestartEEEnd = 3;
    private readonly List<Pause> _pauses = [];
    private DateTime _suspendedAt, _stoppedAt;

    protected override void OnEventSourceCreated(EventSource source)
    {
        if (source.Name == "Microsoft-Windows-DotNETRuntime")
            EnableEvents(source, EventLevel.Informational, (EventKeywords)0x1);   // GC keyword
    }

    protected override void OnEventWritten(EventWrittenEventArgs e)
    {
        lock (_pauses)
        {
            if (e.EventId == SuspendEEBegin) (_suspendedAt, _stoppedAt) = (e.TimeStamp, default);
            else if (e.EventId == SuspendEEEnd && _suspendedAt != default) _stoppedAt = e.TimeStamp;
            else if (e.EventId == RestartEEEnd && _suspendedAt != default)
            {
                long stopping = _stoppedAt == default ? 0 : (_stoppedAt - _suspendedAt).Ticks * 100;
                _pauses.Add(new Pause((e.TimeStamp - _suspendedAt).Ticks * 100, stopping));
                _suspendedAt = default;
            }
        }
    }

    public Pause[] Pauses()
    {
        Thread.Sleep(500);          // events arrive on a dispatch thread, slightly late
        lock (_pauses) return [.. _pauses];
    }
}

/// <summary>Summary of a pause distribution: whole pauses (stopping included), and the stopping alone.</summary>
public readonly record struct PauseSummary(int Count, double MaxMs, double P99Ms, double TotalMs, double StoppingMaxMs, double StoppingTotalMs)
{
    public static PauseSummary Of(IReadOnlyList<Pause> pauses)
    {
        if (pauses.Count == 0) return default;
        long[] sorted = [.. pauses.Select(p => p.TotalNs).Order()];
        int p99 = Math.Min(sorted.Length - 1, (int)Math.Ceiling(sorted.Length * 0.99) - 1);
        return new PauseSummary(sorted.Length, sorted[^1] / 1e6, sorted[p99] / 1e6, sorted.Sum() / 1e6,
            pauses.Max(p => p.StoppingNs) / 1e6, pauses.Sum(p => p.StoppingNs) / 1e6);
    }
}
