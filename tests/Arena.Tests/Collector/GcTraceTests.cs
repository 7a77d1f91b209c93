using System.Text.RegularExpressions;

namespace Arena.Tests.Collector;

/// <summary>ARENA_GCTRACE=1: one line per cycle, in the shape of Go's gctrace.</summary>
public class GcTraceTests
{
    private static readonly Regex Line = new(
        @"^gc (\d+) @\d+\.\d{3}s \d+%: \d+\.\d{3}\+\d+\.\d{3} ms clock, (\d+)->(\d+) MB, (\d+) MB goal, (\d+) P( \(minor\))?$");

    /// <summary>A heap made while ARENA_GCTRACE is <paramref name="value"/> (read once, when the heap is made).</summary>
    private static Heap NewHeap(string? value, HeapOptions options)
    {
        string? before = Environment.GetEnvironmentVariable("ARENA_GCTRACE");
        Environment.SetEnvironmentVariable("ARENA_GCTRACE", value);
        try { return new Heap(options); }
        finally { Environment.SetEnvironmentVariable("ARENA_GCTRACE", before); }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Each_cycle_prints_one_line_with_its_number_sizes_goal_and_workers(bool generational)
    {
        using Heap heap = NewHeap("1", new HeapOptions { MarkWorkers = 2, Generational = generational });
        var output = new StringWriter();
        heap.Collector.TraceOutput = output;
        using (heap.Scope())
        {
            heap.GCPercent = -1;                                   // only the cycles below run
            using Root<GcNode> root = heap.Root(GcNodes.New(heap, 1));
            for (int i = 0; i < 200_000; i++) GcNodes.New(heap, i);   // 6 MiB of garbage
            heap.Collect();
            heap.Collect();
        }
        string[] lines = output.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        for (int i = 0; i < lines.Length; i++)
        {
            Match m = Line.Match(lines[i]);
            Assert.True(m.Success, $"not in gctrace's shape: '{lines[i]}'");
            Assert.Equal(i + 1, int.Parse(m.Groups[1].Value));
            Assert.Equal("2", m.Groups[5].Value);
            Assert.False(m.Groups[6].Success, "Collect() runs a full cycle");
        }
        Match first = Line.Match(lines[0]);
        Assert.True(int.Parse(first.Groups[2].Value) >= 6, lines[0]);   // 6 MiB before
        Assert.Equal("0", first.Groups[3].Value);                        // one node live after
    }

    [Fact]
    public void A_minor_cycle_says_so()
    {
        using Heap heap = NewHeap("1", new HeapOptions { Generational = true });
        var output = new StringWriter();
        heap.Collector.TraceOutput = output;
        using (heap.Scope())
        {
            using Root<GcNode> root = heap.Root(GcNodes.New(heap, 1));
            // Paced cycles: the first ones are full, then minor until the old objects grow.
            for (int i = 0; i < 3_000_000 && heap.GetStats().NumMinorGC == 0; i++)
            {
                GcNodes.New(heap, i);
                if ((i & 1023) == 0) heap.Safepoint();
            }
        }
        Assert.True(heap.GetStats().NumMinorGC > 0, "no minor cycle ran");
        Assert.Contains(output.ToString().Split(Environment.NewLine), l => l.EndsWith(" P (minor)", StringComparison.Ordinal) && Line.IsMatch(l));
    }

    [Fact]
    public void Without_the_variable_nothing_is_printed()
    {
        using Heap heap = NewHeap(null, new HeapOptions());
        var output = new StringWriter();
        heap.Collector.TraceOutput = output;
        using (heap.Scope()) heap.Collect();
        Assert.Equal(1, heap.GetStats().NumGC);
        Assert.Equal("", output.ToString());
    }
}
