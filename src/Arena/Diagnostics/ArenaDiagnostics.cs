using System.Diagnostics;

namespace Arena;

/// <summary>What triggered a <see cref="PoolLeakReport"/>.</summary>
public enum PoolLeakTrigger
{
    /// <summary>A trim found objects rented before the previous trim and still not returned.</summary>
    Trim,
    /// <summary>The pool was disposed while objects were still rented.</summary>
    Dispose,
}

/// <summary>
/// Objects rented from a pool and not returned, found in checked mode
/// (<see cref="HeapOptions.Checked"/> or <c>ARENA_CHECKED=1</c>).
/// </summary>
/// <param name="ItemType">The pooled type.</param>
/// <param name="Count">How many objects are outstanding.</param>
/// <param name="Trigger">Whether a trim or the disposal found them.</param>
/// <param name="Pool">The pool that rented them.</param>
public sealed record PoolLeakReport(Type ItemType, long Count, PoolLeakTrigger Trigger, object Pool)
{
    /// <summary>A one-line description, as written to <see cref="Trace"/>.</summary>
    public override string ToString() => Trigger == PoolLeakTrigger.Trim
        ? $"Arena pool of {ItemType.Name}: {Count} object(s) rented before the previous Trim were never returned (leak?)."
        : $"Arena pool of {ItemType.Name}: {Count} object(s) rented and never returned when the pool was disposed.";
}

/// <summary>Process-wide diagnostics hooks of the runtime.</summary>
public static class ArenaDiagnostics
{
    /// <summary>
    /// Raised in checked mode when a pool's trim or disposal finds objects rented and never
    /// returned. Handlers run on the thread that trims or disposes; an exception thrown by a
    /// handler is written to <see cref="Trace"/> and does not reach the pool. Every report is
    /// also written to <see cref="Trace"/> as a warning.
    /// </summary>
    public static event Action<PoolLeakReport>? PoolLeak;

    internal static void ReportLeak(PoolLeakReport report)
    {
        Trace.TraceWarning(report.ToString());
        Action<PoolLeakReport>? handlers = PoolLeak;
        if (handlers is null) return;
        foreach (Action<PoolLeakReport> handler in handlers.GetInvocationList().Cast<Action<PoolLeakReport>>())
        {
            try { handler(report); }
            catch (Exception e) { Trace.TraceError($"An ArenaDiagnostics.PoolLeak handler threw: {e}"); }
        }
    }
}
