using Arena.Collector;

namespace Arena.Tests.Collector;

/// <summary>
/// The mark workers' list: taken first in, first out by the mark loop (Take), last in, first out
/// by TryPop, with the taken slots at its front reused when it would grow.
/// </summary>
public unsafe class WorkListTests
{
    [Fact]
    public void Take_returns_the_oldest_item_and_TryPop_the_newest()
    {
        var work = new WorkList();
        try
        {
            for (nuint i = 1; i <= 5; i++) work.Push(i * 8);
            Assert.Equal((nuint)8, work.Take());
            Assert.Equal((nuint)16, work.Take());
            Assert.True(work.TryPop(out nuint newest));
            Assert.Equal((nuint)40, newest);
            Assert.Equal(2, work.Count);
            Assert.Equal((nuint)24, work.Take());
            Assert.Equal((nuint)32, work.Take());
            Assert.Equal(0, work.Count);
            Assert.False(work.TryPop(out _));
        }
        finally { work.Dispose(); }
    }

    [Fact]
    public void Growing_after_takes_moves_what_is_left_to_the_front_in_order()
    {
        var work = new WorkList();
        try
        {
            nuint next = 0, expected = 0;
            // Push and take in waves, so that the list fills up with taken slots at its front
            // many times over and must reuse them, or grow, keeping the order.
            for (int wave = 0; wave < 50; wave++)
            {
                for (int i = 0; i < 700; i++) work.Push(++next);
                for (int i = 0; i < 600; i++) Assert.Equal(++expected, work.Take());
                Assert.Equal((int)(next - expected), work.Count);
            }
            // 35,000 pushes, at most 5,000 waiting at once: without reuse the tail would need 64 Ki slots.
            Assert.True(work.Capacity <= 16_384, $"the taken slots are reused: capacity {work.Capacity}");
            while (work.Count > 0) Assert.Equal(++expected, work.Take());
            Assert.Equal(next, expected);
        }
        finally { work.Dispose(); }
    }

    [Fact]
    public void EnsureRoom_after_takes_leaves_room_at_the_tail()
    {
        var work = new WorkList();
        try
        {
            for (nuint i = 1; i <= 1024; i++) work.Push(i);
            for (int i = 0; i < 1000; i++) work.Take();
            work.EnsureRoom(2000);
            Assert.True(work.Capacity - (work._head + work.Count) >= 2000);
            // The room is written through the raw tail, as the scan loops do.
            for (nuint i = 0; i < 2000; i++) work.Items[work._count++] = 5000 + i;
            for (nuint i = 1001; i <= 1024; i++) Assert.Equal(i, work.Take());
            for (nuint i = 0; i < 2000; i++) Assert.Equal(5000 + i, work.Take());
        }
        finally { work.Dispose(); }
    }

    [Fact]
    public void GiveHalf_gives_the_oldest_half_and_keeps_the_rest_in_order()
    {
        var work = new WorkList();
        var into = new WorkList();
        try
        {
            for (nuint i = 1; i <= 10; i++) work.Push(i);
            work.Take();                                          // 2..10 left
            work.GiveHalf(ref into);
            Assert.Equal(4, into.Count);
            for (nuint i = 2; i <= 5; i++) Assert.Equal(i, into.Take());
            Assert.Equal(5, work.Count);
            for (nuint i = 6; i <= 10; i++) Assert.Equal(i, work.Take());
        }
        finally
        {
            work.Dispose();
            into.Dispose();
        }
    }

    [Fact]
    public void The_scan_order_turns_after_enough_slab_scans_in_a_row_need_a_pass_behind()
    {
        const int n = WorkList.ScansBehindToTurn;
        Assert.True(n >= 2);
        var work = new WorkList();
        Assert.False(work.ScanDown);                              // a cycle starts upward
        for (int i = 0; i < n - 1; i++) work.NoteScanPasses(3);
        Assert.False(work.ScanDown);                              // one fewer is not enough
        work.NoteScanPasses(1);
        for (int i = 0; i < n - 1; i++) work.NoteScanPasses(2);
        Assert.False(work.ScanDown);                              // a one-pass scan between reset the count
        work.NoteScanPasses(2);
        Assert.True(work.ScanDown);                               // n in a row: the data points the other way
        for (int i = 0; i < n - 1; i++) work.NoteScanPasses(2);
        work.NoteScanPasses(1);
        Assert.True(work.ScanDown);
        for (int i = 0; i < n; i++) work.NoteScanPasses(2);
        Assert.False(work.ScanDown);                              // and back, likewise
    }
}
