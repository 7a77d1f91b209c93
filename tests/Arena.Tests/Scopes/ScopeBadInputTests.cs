namespace Arena.Tests.Scopes;

/// <summary>Every misuse of a scope gets a clear exception, and the thread's scope stack stays usable.</summary>
public unsafe class ScopeBadInputTests
{
    private struct S16 { public long A, B; }

    /// <summary>Opens, fills, checks and disposes nested scopes; the stack must be back where it was.</summary>
    private static void AssertStackUsable(Heap heap, int expectedOpen)
    {
        Assert.Equal(expectedOpen, heap.GetStats().OpenScopes);
        using (var a = heap.Scope())
        {
            Assert.Equal(expectedOpen, a.Depth);
            var ptrs = new List<Ptr<S16>>();
            for (int i = 0; i < 2000; i++) { var p = a.New<S16>(); p.Value.A = i; ptrs.Add(p); }
            using (var b = heap.Scope())
                for (int i = 0; i < 2000; i++) b.New<S16>().Value.A = -1;
            for (int i = 0; i < ptrs.Count; i++) Assert.Equal(i, ptrs[i].Value.A);
        }
        Assert.Equal(expectedOpen, heap.GetStats().OpenScopes);
    }

    [Fact]
    public void Disposing_out_of_order_throws_and_frees_nothing()
    {
        using var heap = new Heap();
        var outer = heap.Scope();
        Ptr<S16> p = outer.New<S16>();
        p.Value.A = 5;
        var inner = heap.Scope();
        Ptr<S16> q = inner.New<S16>();
        q.Value.A = 6;
        var e = Assert.Throws<InvalidOperationException>(() => outer.Dispose());
        Assert.Contains("dispose the innermost first", e.Message);
        Assert.True(outer.IsOpen);
        Assert.True(inner.IsOpen);
        Assert.Equal(5, p.Value.A);
        Assert.Equal(6, q.Value.A);
        Assert.True(heap.IsInLiveScope(p) && heap.IsInLiveScope(q));
        inner.Dispose();
        AssertStackUsable(heap, 1);
        outer.Dispose();
        AssertStackUsable(heap, 0);
    }

    [Fact]
    public void Disposing_twice_throws_even_through_a_copy_and_after_the_frame_is_reused()
    {
        using var heap = new Heap();
        var scope = heap.Scope();
        Scope copy = scope;
        scope.Dispose();
        var e = Assert.Throws<InvalidOperationException>(() => copy.Dispose());
        Assert.Contains("already disposed", e.Message);
        using (var reused = heap.Scope())            // same frame, new token
        {
            Assert.Throws<InvalidOperationException>(() => scope.Dispose());
            Assert.True(reused.IsOpen);
            reused.New<S16>();
        }
        AssertStackUsable(heap, 0);
    }

    [Fact]
    public void Disposing_on_another_thread_throws_and_the_owner_can_still_dispose()
    {
        using var heap = new Heap();
        var scope = heap.Scope();
        Ptr<S16> p = scope.New<S16>();
        Exception? error = null;
        var t = new Thread(() =>
        {
            try { scope.Dispose(); } catch (Exception ex) { error = ex; }
        });
        t.Start();
        t.Join();
        var e = Assert.IsType<InvalidOperationException>(error);
        Assert.Contains("belongs to the thread that opened it", e.Message);
        Assert.True(scope.IsOpen);
        Assert.True(heap.IsInLiveScope(p));
        scope.Dispose();
        AssertStackUsable(heap, 0);
    }

    [Fact]
    public void Allocating_on_another_thread_throws_on_the_slow_path_and_in_checked_mode()
    {
        using var heap = new Heap();
        using var checkedHeap = new Heap(new HeapOptions { Checked = true });
        using var scope = heap.Scope();
        using var checkedScope = checkedHeap.Scope();
        checkedScope.New<S16>();
        Exception? slow = null, small = null;
        var t = new Thread(() =>
        {
            try { scope.NewArray<byte>(1 << 20); } catch (Exception ex) { slow = ex; }
            try { checkedScope.New<S16>(); } catch (Exception ex) { small = ex; }
        });
        t.Start();
        t.Join();
        Assert.Contains("belongs to the thread that opened it", Assert.IsType<InvalidOperationException>(slow).Message);
        Assert.Contains("belongs to the thread that opened it", Assert.IsType<InvalidOperationException>(small).Message);
        scope.New<S16>();
        checkedScope.New<S16>();
    }

    [Fact]
    public void Allocating_from_a_disposed_scope_throws()
    {
        using var heap = new Heap();
        var scope = heap.Scope();
        scope.New<S16>();
        scope.Dispose();
        var e = Assert.Throws<ObjectDisposedException>(() => scope.New<S16>());
        Assert.Contains("heap.Scope()", e.Message);
        Assert.Throws<ObjectDisposedException>(() => scope.NewArray<S16>(10));
        Assert.Throws<ObjectDisposedException>(() => scope.NewSpan<byte>(1 << 20));
        Assert.Throws<ObjectDisposedException>(() => scope.Depth);
        Assert.False(scope.IsOpen);
        using (var again = heap.Scope())             // the frame is live again under a new token
        {
            Ptr<S16> mine = again.New<S16>();
            mine.Value.A = 9;
            Assert.Throws<ObjectDisposedException>(() => scope.New<S16>());
            Assert.Equal(9, mine.Value.A);
        }
        AssertStackUsable(heap, 0);
    }

    [Fact]
    public void A_default_scope_is_rejected_with_the_fix()
    {
        Scope none = default;
        var e = Assert.Throws<InvalidOperationException>(() => none.New<S16>());
        Assert.Contains("using var scope = heap.Scope();", e.Message);
        Assert.Throws<InvalidOperationException>(() => none.NewArray<int>(4));
        Assert.Throws<InvalidOperationException>(() => none.Dispose());
        Assert.False(none.IsOpen);
        Assert.Null(none.Heap);
        Assert.Equal("Scope(default)", none.ToString());
    }

    [Fact]
    public void Negative_or_huge_lengths_are_rejected()
    {
        using var heap = new Heap();
        using var scope = heap.Scope();
        Assert.Throws<ArgumentOutOfRangeException>(() => scope.NewArray<int>(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => scope.NewSpan<int>(-5));
        Assert.Throws<ArgumentOutOfRangeException>(() => scope.NewArray<long>(nint.MaxValue / 4));
        AssertStackUsable(heap, 1);
    }

    [Fact]
    public void Near_MaxBytes_a_new_chunk_gives_the_threads_cached_chunks_back_and_succeeds()
    {
        // All sizes are whole pages, so the page heap's count against MaxBytes is exact.
        using var heap = new Heap(new HeapOptions { MaxBytes = 1 << 20 });
        using (var scope = heap.Scope())
        {
            scope.New<S16>();                               // the frame's first chunk, 8 KiB: it stays with the frame
            scope.NewArray<byte>(200 << 10);                // a chunk of 256 KiB: cached by the thread at Dispose
        }
        Assert.Equal(264 << 10, heap.GetStats().StackSys);
        void* manual = heap.Alloc(704 << 10);               // 968 KiB of 1 MiB in use
        try
        {
            using var scope = heap.Scope();
            var ptrs = new List<Ptr<S16>>();
            // After the first chunk, chunks of 16, 32, then 64 KiB: the 64 KiB one is over
            // MaxBytes until the cached 256 KiB chunk goes back.
            for (int i = 0; i < 8000; i++) { var p = scope.New<S16>(); p.Value.A = i; p.Value.B = ~i; ptrs.Add(p); }
            for (int i = 0; i < ptrs.Count; i++) { Assert.Equal(i, ptrs[i].Value.A); Assert.Equal(~i, ptrs[i].Value.B); }
            Assert.Equal((8 + 16 + 32 + 64 + 128) << 10, heap.GetStats().StackInuse);
        }
        finally { heap.Free(manual); }
        HeapStats s = heap.GetStats();
        Assert.Equal(0, s.StackInuse);
        heap.Trim();
        Assert.Equal(8 << 10, heap.GetStats().StackSys);   // the closed frame's first chunk
    }

    [Fact]
    public void Near_MaxBytes_a_large_request_gives_the_threads_cached_chunks_back_and_succeeds()
    {
        using var heap = new Heap(new HeapOptions { MaxBytes = 2 << 20 });
        using (var scope = heap.Scope())
            for (int i = 0; i < 60_000; i++) scope.New<S16>();   // 937 KiB: chunks of 8 KiB to 512 KiB
        Assert.Equal(1016 << 10, heap.GetStats().StackSys);
        using (var scope = heap.Scope())
        {
            // 1.5 MiB gets pages of its own; with the cache it would need 2.5 MiB.
            Span<byte> big = scope.NewSpan<byte>(1536 << 10);
            big.Fill(0xA5);
            Assert.Equal(-1, big.IndexOfAnyExcept((byte)0xA5));
            Assert.Equal((8 << 10) + (1536 << 10), heap.GetStats().StackInuse);
        }
        Assert.Equal(0, heap.GetStats().StackInuse);
    }

    [Fact]
    public void Allocating_past_MaxBytes_throws_and_leaves_the_scope_intact()
    {
        using var heap = new Heap(new HeapOptions { MaxBytes = 2 << 20 });
        using (var scope = heap.Scope())
        {
            var ptrs = new List<Ptr<S16>>();
            var e = Assert.Throws<ArenaOutOfMemoryException>((Action)(() =>
            {
                for (int i = 0; ; i++)
                {
                    Ptr<S16> p = scope.New<S16>();
                    p.Value.A = i;
                    p.Value.B = ~i;
                    ptrs.Add(p);
                }
            }));
            Assert.Equal(2 << 20, e.MaxBytes);
            Assert.True(ptrs.Count > 50_000, $"only {ptrs.Count} objects before the limit");
            for (int i = 0; i < ptrs.Count; i++) { Assert.Equal(i, ptrs[i].Value.A); Assert.Equal(~i, ptrs[i].Value.B); }
            Assert.Throws<ArenaOutOfMemoryException>(() => scope.NewArray<byte>(4 << 20));   // large run
            Assert.True(scope.IsOpen);
            Assert.Throws<ArenaOutOfMemoryException>(() => scope.New<S16>());   // still full, still consistent
        }
        HeapStats s = heap.GetStats();
        Assert.Equal(0, s.StackInuse);
        Assert.Equal(0, s.OpenScopes);
        // no Trim: the chunks cached by this thread go back to the page heap when it refuses a new one
        AssertStackUsable(heap, 0);
        using (var scope = heap.Scope())
        {
            Ptr<byte> big = scope.NewArray<byte>(1 << 20);   // after the limit, memory is available again
            big.Value = 1;
        }
        long sys = heap.GetStats().StackSys;
        heap.Trim();
        Assert.True(heap.GetStats().StackSys < sys, "Trim gives the thread's cached chunks back");
    }

    [Fact]
    public void Freeing_scope_memory_with_Free_is_rejected()
    {
        using var heap = new Heap();
        using var scope = heap.Scope();
        Ptr<S16> p = scope.New<S16>();
        var e = Assert.Throws<InvalidOperationException>(() => heap.Free(p));
        Assert.Contains("belongs to a scope", e.Message);
        Assert.True(heap.IsInLiveScope(p));
        AssertStackUsable(heap, 1);
    }
}
