using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Arena.Pages;
using Arena.Scopes;

namespace Arena.Tests.Scopes;

public unsafe class ScopeTests
{
    private struct S16 { public long A, B; }
    private struct S24 { public long A, B, C; }
    private struct Odd { public byte A, B, C; }
    private struct Wide { public byte Pad; public Vector128<byte> V; }
    private struct Big { public fixed byte Bytes[40000]; }

    [Fact]
    public void New_returns_zeroed_distinct_8_aligned_objects_that_keep_their_values()
    {
        using var heap = new Heap();
        using var scope = heap.Scope();
        var ptrs = new List<Ptr<S24>>();
        for (int i = 0; i < 5000; i++)
        {
            Ptr<S24> p = scope.New<S24>();
            Assert.Equal(default, p.Value);
            Assert.Equal(0, p.Address % 8);
            p.Value.A = i;
            p.Value.C = ~i;
            ptrs.Add(p);
        }
        Assert.Equal(5000, ptrs.Select(p => p.Address).Distinct().Count());
        for (int i = 0; i < ptrs.Count; i++)
        {
            Assert.Equal(i, ptrs[i].Value.A);
            Assert.Equal(~i, ptrs[i].Value.C);
            Assert.True(heap.IsInLiveScope(ptrs[i]));
        }
        Ptr<Odd> odd = scope.New<Odd>();
        Ptr<Odd> odd2 = scope.New<Odd>();
        Assert.Equal(8, odd2.Address - odd.Address);
    }

    [Fact]
    public void Over_aligned_types_are_aligned()
    {
        using var heap = new Heap();
        using var scope = heap.Scope();
        scope.New<Odd>();
        for (int i = 0; i < 100; i++)
        {
            Ptr<Wide> p = scope.New<Wide>();
            Assert.Equal(0, p.Address % 16);
            Assert.Equal(default, p.Value);
            Ptr<Wide> a = scope.NewArray<Wide>(3);
            Assert.Equal(0, a.Address % 16);
        }
    }

    [Fact]
    public void A_type_whose_explicit_size_leaves_it_unpadded_takes_the_slow_path_and_is_laid_out_right()
    {
        // 13 bytes at alignment 8: the fast path's static-free alignment bound says 11, so
        // every New goes through the slow path, which must still align and space the objects.
        Assert.True(TypeLayout<Arena.Tests.Types.SizedUnpadded>.AlignmentBound > 8);
        using var heap = new Heap();
        using var scope = heap.Scope();
        scope.New<Odd>();
        Ptr<Arena.Tests.Types.SizedUnpadded> previous = default;
        for (int i = 0; i < 1000; i++)
        {
            Ptr<Arena.Tests.Types.SizedUnpadded> p = scope.New<Arena.Tests.Types.SizedUnpadded>();
            Assert.Equal(0, p.Address % 8);
            Assert.Equal(0, p.Value.A);
            Assert.Equal(0, p.Value.B);
            p.Value.A = -1;
            p.Value.B = 0xFF;
            if (!previous.IsNull)
            {
                Assert.True(Math.Abs(p.Address - previous.Address) >= 16);   // no overlap (a new chunk may lie below)
                Assert.Equal(-1, previous.Value.A);
                Assert.Equal(0xFF, previous.Value.B);
            }
            previous = p;
        }
    }

    [Fact]
    public void NewArray_and_NewSpan_return_zeroed_contiguous_elements()
    {
        using var heap = new Heap();
        using var scope = heap.Scope();
        Ptr<int> a = scope.NewArray<int>(1001);
        for (int i = 0; i < 1001; i++) { Assert.Equal(0, a[i].Value); a[i].Value = i; }
        Span<long> s = scope.NewSpan<long>(500);
        Assert.Equal(500, s.Length);
        Assert.True(s.IndexOfAnyExcept(0L) < 0);
        s.Fill(-1);
        for (int i = 0; i < 1001; i++) Assert.Equal(i, a[i].Value);
        Ptr<int> empty = scope.NewArray<int>(0);
        Assert.False(empty.IsNull);
        Assert.Equal(0, scope.NewSpan<byte>(0).Length);
    }

    [Fact]
    public void Memory_is_reused_after_dispose_and_zeroed_again()
    {
        using var heap = new Heap();
        nint first;
        using (var scope = heap.Scope())
        {
            Ptr<S16> p = scope.New<S16>();
            p.Value.A = 42;
            first = p.Address;
            Span<byte> s = scope.NewSpan<byte>(4000);
            s.Fill(0xEE);
        }
        using (var scope = heap.Scope())
        {
            Ptr<S16> p = scope.New<S16>();
            Assert.Equal(first, p.Address);
            Assert.Equal(default, p.Value);
            Span<byte> s = scope.NewSpan<byte>(4000);
            Assert.True(s.IndexOfAnyExcept((byte)0) < 0);
        }
    }

    [Fact]
    public void Nested_scopes_form_a_stack_and_inner_disposal_keeps_outer_objects()
    {
        using var heap = new Heap();
        using var outer = heap.Scope();
        Ptr<S16> a = outer.New<S16>();
        a.Value.A = 1;
        Assert.Equal(0, outer.Depth);
        Ptr<S16> fromOuter;
        using (var inner = heap.Scope())
        {
            Assert.Equal(1, inner.Depth);
            Assert.Equal(2, heap.GetStats().OpenScopes);
            for (int i = 0; i < 3000; i++) inner.New<S16>().Value.A = -1;
            // allocating from an enclosing scope is allowed: its memory outlives the inner one
            fromOuter = outer.New<S16>();
            fromOuter.Value.B = 7;
            using (var third = heap.Scope()) Assert.Equal(2, third.Depth);
            Assert.True(inner.IsOpen);
        }
        Assert.Equal(1, heap.GetStats().OpenScopes);
        Assert.Equal(1, a.Value.A);
        Assert.Equal(7, fromOuter.Value.B);
        Assert.True(heap.IsInLiveScope(fromOuter));
        Ptr<S16> b = outer.New<S16>();
        Assert.NotEqual(a, b);
        Assert.Equal(default, b.Value);
    }

    [Fact]
    public void Chunks_grow_and_are_recycled_with_no_new_page_heap_memory()
    {
        using var heap = new Heap();
        using (var scope = heap.Scope())
            for (int i = 0; i < 100_000; i++) scope.New<S16>().Value.A = i;   // 1.6 MB: many chunks
        HeapStats warm = heap.GetStats();
        Assert.Equal(0, warm.StackInuse);
        Assert.True(warm.StackSys >= 1_600_000, $"StackSys {warm.StackSys}");
        for (int round = 0; round < 5; round++)
        {
            using var scope = heap.Scope();
            for (int i = 0; i < 100_000; i++) scope.New<S16>().Value.A = i;
            HeapStats during = heap.GetStats();
            Assert.True(during.StackInuse >= 1_600_000);
            Assert.Equal(warm.StackSys, during.StackSys);
            Assert.Equal(warm.HeapInuse, during.HeapInuse);
        }
        Assert.Equal(warm.StackSys, heap.GetStats().StackSys);
    }

    [Fact]
    public void Chunk_sizes_double_from_8_KiB_up_to_1_MiB()
    {
        using var heap = new Heap();
        using var scope = heap.Scope();
        for (int i = 0; i < 400_000; i++) scope.New<S16>();
        var v = new RangeCollector();
        heap.ForEachScopeRange(ref v);
        var sizes = v.Ranges.Select(r => SlabPages(heap, r.Start)).ToList();
        Assert.Equal(new[] { 1, 2, 4, 8, 16, 32, 64, 128 }, sizes.Take(8));
        Assert.All(sizes.Skip(8), p => Assert.Equal(128, p));
    }

    private static int SlabPages(Heap heap, nuint a)
    {
        Chunk* c = heap.Pages.Owning(a);
        return c->SlabOf(a)->Pages;
    }

    [Fact]
    public void Large_requests_get_their_own_pages_and_go_back_with_the_scope()
    {
        using var heap = new Heap();
        long before = heap.GetStats().HeapInuse;
        using (var scope = heap.Scope())
        {
            scope.New<S16>();
            const int Size = (3 << 20) + 104;
            Ptr<byte> big = scope.NewArray<byte>(Size);
            new Span<byte>(big.Pointer, Size).Fill(1);
            Ptr<Big> b = scope.New<Big>();
            Assert.Equal(0, b.Value.Bytes[39999]);
            HeapStats s = heap.GetStats();
            Assert.True(s.HeapInuse - before >= 3 << 20);
            Assert.True(s.StackInuse >= 3 << 20);
            Assert.True(heap.IsInLiveScope(big));
            Assert.True(heap.IsInLiveScope(big.Pointer + Size - 1));
            Assert.False(heap.IsInLiveScope(big.Pointer + Size));   // same run, past the request
        }
        HeapStats after = heap.GetStats();
        Assert.Equal(0, after.StackInuse);
        Assert.True(after.HeapInuse - before < 1 << 20, $"{after.HeapInuse - before} bytes still in use");
    }

    [Fact]
    public void Outermost_disposal_is_the_only_safepoint_and_marks_the_thread_idle()
    {
        using var heap = new Heap();
        var outer = heap.Scope();
        Assert.True(heap.CallingThreadIsMutator);
        for (int i = 0; i < 10; i++)
        {
            using var inner = heap.Scope();
            inner.New<S16>();
        }
        Assert.Equal(0, heap.GetStats().ScopeSafepoints);
        Assert.True(heap.CallingThreadIsMutator);
        outer.Dispose();
        Assert.False(heap.CallingThreadIsMutator);
        HeapStats s = heap.GetStats();
        Assert.Equal(1, s.ScopeSafepoints);
        Assert.Equal(11, s.ScopesOpened);
        Assert.Equal(0, s.OpenScopes);
    }

    private struct RangeCollector : IScopeRangeVisitor
    {
        public List<(nuint Start, nuint End, int Thread, int Depth)> Ranges;
        public void Visit(nuint start, nuint end, int threadId, int depth)
            => (Ranges ??= new()).Add((start, end, threadId, depth));
    }

    [Fact]
    public void Open_scopes_of_every_thread_are_enumerable_as_roots()
    {
        using var heap = new Heap();
        using var mine = heap.Scope();
        var myPtrs = Enumerable.Range(0, 2000).Select(_ => mine.New<S16>().Address).ToList();
        Ptr<byte> myLarge = mine.NewArray<byte>(1 << 20);
        using var opened = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var theirs = new List<nint>();
        int theirId = 0;
        var t = new Thread(() =>
        {
            theirId = Environment.CurrentManagedThreadId;
            using var a = heap.Scope();
            using var b = heap.Scope();
            theirs.Add(a.New<S16>().Address);
            for (int i = 0; i < 100; i++) theirs.Add(b.New<S24>().Address);
            opened.Set();
            release.Wait();
        });
        t.Start();
        opened.Wait();
        var v = new RangeCollector();
        heap.ForEachScopeRange(ref v);
        release.Set();
        t.Join();

        bool Covered(nint p, int thread, int depth, int size) =>
            v.Ranges.Any(r => r.Thread == thread && r.Depth == depth && (nuint)p >= r.Start && (nuint)p + (nuint)size <= r.End);
        int me = Environment.CurrentManagedThreadId;
        Assert.All(myPtrs, p => Assert.True(Covered(p, me, 0, 16)));
        Assert.True(Covered(myLarge.Address, me, 0, 1 << 20));
        Assert.True(Covered(theirs[0], theirId, 0, 16));
        Assert.All(theirs.Skip(1), p => Assert.True(Covered(p, theirId, 1, 24)));
        long total = v.Ranges.Sum(r => (long)(r.End - r.Start));
        Assert.True(total < 2000 * 16 + (1 << 20) + 16 + 2400 + 64, $"roots span {total} bytes: more than was allocated");
    }

    [Fact]
    public void Checked_mode_poisons_disposed_scope_memory()
    {
        using var heap = new Heap(new HeapOptions { Checked = true });
        Assert.True(heap.Checked);
        byte* p, q, large;
        const int LargeBytes = 300_000;                          // past 256 KiB: pages of its own
        using (var outer = heap.Scope())
        {
            using (var scope = heap.Scope())
            {
                p = (byte*)scope.NewArray<byte>(100).Pointer;
                for (int i = 0; i < 100; i++) p[i] = 0x11;
                for (int i = 0; i < 2000; i++) scope.New<S16>().Value.A = 0x1111;  // into a second chunk
                q = (byte*)scope.New<S16>().Pointer;
                q[0] = 0x22;
                large = (byte*)scope.NewArray<byte>(LargeBytes).Pointer;
                new Span<byte>(large, LargeBytes).Fill(0x33);
            }
            // the frame's first chunk stays with its frame, later ones sit in the cache: both still mapped
            for (int i = 0; i < 100; i++) Assert.Equal(ScopeStack.Poison, p[i]);
            for (int i = 0; i < 16; i++) Assert.Equal(ScopeStack.Poison, q[i]);
            // the large run went back to the page heap, poisoned first; its chunk stays mapped
            // (the heap keeps free chunks up to RetainedBytes)
            Assert.Equal(-1, new Span<byte>(large, LargeBytes).IndexOfAnyExcept(ScopeStack.Poison));
        }
    }

    [Trait("Mode", "Unchecked")]
    [Fact]
    public void Unchecked_mode_does_not_poison()
    {
        using Heap heap = Pools.PoolTestHeaps.Unchecked("unchecked scopes, which ARENA_CHECKED=1 turns off");
        byte* p;
        using (var scope = heap.Scope())
        {
            p = (byte*)scope.NewArray<byte>(64).Pointer;
            for (int i = 0; i < 64; i++) p[i] = 0x11;
        }
        Assert.Equal(0x11, p[0]);
    }

    [Fact]
    public void IsInLiveScope_tells_live_scope_memory_from_everything_else()
    {
        using var heap = new Heap();
        using var other = new Heap();
        Ptr<S16> heapObject = heap.Alloc<S16>();
        Ptr<S16> inner, outerPtr;
        using var outer = heap.Scope();
        outerPtr = outer.New<S16>();
        using (var scope = heap.Scope())
        {
            inner = scope.New<S16>();
            Assert.True(heap.IsInLiveScope(inner));
            Assert.False(other.IsInLiveScope(inner));
            Assert.False(heap.IsInLiveScope(inner.Pointer + 1));   // past the bump: not allocated
        }
        Assert.False(heap.IsInLiveScope(inner));
        Assert.True(heap.IsInLiveScope(outerPtr));
        Assert.False(heap.IsInLiveScope(heapObject));
        Assert.False(heap.IsInLiveScope((void*)0));
        S16 local;
        Assert.False(heap.IsInLiveScope(&local));
        heap.Free(heapObject);
    }

    [Fact]
    public void IsInLiveScope_knows_the_used_part_of_chunks_left_behind()
    {
        using var heap = new Heap();
        using var scope = heap.Scope();
        Ptr<S24> first = scope.New<S24>();
        Ptr<S24> last = first;
        // 24-byte objects leave a tail in the 8 KiB first chunk when the next one starts
        while (SlabPages(heap, (nuint)scope.New<S24>().Address) == 1) last = new Ptr<S24>(last.Pointer + 1);
        Assert.True(heap.IsInLiveScope(first));
        Assert.True(heap.IsInLiveScope(last));
        Assert.True(heap.IsInLiveScope((byte*)last.Pointer + 23));
        Assert.False(heap.IsInLiveScope(last.Pointer + 1));   // the unused tail of the first chunk
    }

    [Fact]
    public void Checked_store_of_a_pointer_into_a_disposed_scope_is_reported()
    {
        using var heap = new Heap(new HeapOptions { Checked = true });
        Ptr<S16> dead;
        using (var scope = heap.Scope()) dead = scope.New<S16>();
        var e = Assert.Throws<InvalidOperationException>(() => heap.CheckStore(dead.Pointer));
        Assert.Contains("scope was disposed", e.Message);
        using var live = heap.Scope();
        Ptr<S16> ok = live.New<S16>();
        heap.CheckStore(ok.Pointer);
        Ptr<S16> h = heap.Alloc<S16>();
        heap.CheckStore(h.Pointer);
        heap.CheckStore(null);
        heap.Free(h);

        using var unchecked_ = new Heap(new HeapOptions { Checked = false });
        if (!unchecked_.Checked)
        {
            Ptr<S16> d2;
            using (var s = unchecked_.Scope()) d2 = s.New<S16>();
            unchecked_.CheckStore(d2.Pointer);   // off: no cost, no report
        }
    }

    [Fact]
    public void A_dead_threads_scope_memory_goes_back_to_the_heap()
    {
        using var heap = new Heap();
        long before = heap.GetStats().HeapInuse;
        long during = RunThreadWithScopes(heap);
        Assert.True(during > 0);   // read on the thread: a collection elsewhere may finalize its stack any time after
        for (int i = 0; i < 10 && heap.GetStats().StackSys > 0; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }
        HeapStats after = heap.GetStats();
        Assert.Equal(0, after.StackSys);
        Assert.Equal(before, after.HeapInuse);
        Assert.Equal(3, after.ScopesOpened);
        Assert.Equal(1, after.ScopeSafepoints);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static long RunThreadWithScopes(Heap heap)
    {
        long stackSys = 0;
        var t = new Thread(() =>
        {
            using (var s = heap.Scope())
                for (int i = 0; i < 10_000; i++) s.New<S16>();
            // left open when the thread ends: freed by the finalizer
            var open = heap.Scope();
            var nested = heap.Scope();
            nested.NewArray<byte>(1 << 20);
            open.New<S16>();
            stackSys = heap.GetStats().StackSys;
        });
        t.Start();
        t.Join();
        return stackSys;
    }

    [Fact]
    public void A_thread_that_ends_inside_a_scope_stops_holding_collections_up()
    {
        using var heap = new Heap();
        RunThreadWithScopes(heap);              // ends as a mutator: its scopes were never disposed
        for (int i = 0; i < 10 && heap.GetStats().StackSys > 0; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }
        var collect = new Thread(heap.Collect) { IsBackground = true };   // a failure must not hang the run
        collect.Start();
        Assert.True(collect.Join(TimeSpan.FromSeconds(20)), "a collection waited for a thread that had ended");
        Assert.Equal(1, heap.GetStats().NumGC);
        Assert.Equal(0, heap.GetStats().MutatorsNotParked);
    }

    [Fact]
    public void Scopes_of_two_heaps_interleave_on_one_thread()
    {
        using var a = new Heap();
        using var b = new Heap();
        using var sa = a.Scope();
        using var sb = b.Scope();
        Ptr<S16> pa = sa.New<S16>();
        Ptr<S16> pb = sb.New<S16>();
        using (var sa2 = a.Scope())
        {
            Assert.Equal(1, sa2.Depth);
            Assert.True(a.IsInLiveScope(sa2.New<S16>()));
        }
        Assert.True(a.IsInLiveScope(pa));
        Assert.True(b.IsInLiveScope(pb));
        Assert.False(a.IsInLiveScope(pb));
        Assert.Equal(1, a.GetStats().OpenScopes);
        Assert.Equal(1, b.GetStats().OpenScopes);
    }

    [Fact]
    public void Disposing_the_heap_closes_its_scopes()
    {
        var heap = new Heap();
        var scope = heap.Scope();
        scope.New<S16>();
        heap.Dispose();
        Assert.False(scope.IsOpen);
        Assert.Throws<ObjectDisposedException>(() => scope.New<S16>());
        Assert.Throws<ObjectDisposedException>(() => heap.Scope());
        scope.Dispose();   // the memory went with the heap: nothing to do, no exception
    }
}
