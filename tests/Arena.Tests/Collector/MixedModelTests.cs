namespace Arena.Tests.Collector;

/// <summary>
/// The model test of <see cref="ModelTests"/> over every kind of object and holder at once:
/// collected objects of several types and size classes, small and large arrays, a large object
/// with its pointer in its last word and pointer-free objects; pointers to an object's start and
/// into its middle; and as holders roots (retargeted at times), manual objects, and pointer
/// words in the memory of nested scopes that open and close. After every collection each object the model reaches
/// still holds its canaries and the pointers the model stored in it, and the heap holds exactly
/// the objects the model reaches plus the manual ones.
/// </summary>
public unsafe class MixedModelTests
{
    private enum Kind
    {
        /// <summary><see cref="GcNode"/>: pointers in words 0 and 1, canary and id in words 2 and 3.</summary>
        Node,
        /// <summary><see cref="GcTailNode"/>: canary and id in words 0 and 1, its pointer in word 3.</summary>
        Tail,
        /// <summary><see cref="GcLeaf"/>: no pointer; canary and id in words 0 and 1.</summary>
        Leaf,
        /// <summary>A collected array of <see cref="GcLink"/>: every word a pointer.</summary>
        Links,
        /// <summary>A collected array of <see cref="GcNode"/>: each element as <see cref="Node"/>.</summary>
        Nodes,
        /// <summary><see cref="GcBig"/> (40 KiB): canary and id in words 0 and 1, its pointer in its last word.</summary>
        Big,
        /// <summary>A manual <see cref="GcNode"/> (<see cref="Heap.Alloc{T}()"/>): a root, never collected.</summary>
        Manual,
        /// <summary>Words of scope memory (<see cref="Scope.NewArray{T}(nint)"/>), some of which hold pointers.</summary>
        ScopeWords,
    }

    private sealed class Obj
    {
        public Kind Kind;
        public byte* Base;
        /// <summary>Size in 8-byte words.</summary>
        public int Words;
        public long Id;
        /// <summary>The word index of each pointer slot the model uses.</summary>
        public int[] Slots = [];
        /// <summary>What the model stored in each slot: the target and the address (its start or a word inside it).</summary>
        public Obj?[] Targets = [];
        public nint[] Stored = [];

        public bool Collected => Kind is not (Kind.Manual or Kind.ScopeWords);
    }

    /// <summary><paramref name="markWorkers"/>: 0 for one per core, 1 for the single-worker mark.</summary>
    [Theory]
    [InlineData(21, 120_000, 0)]
    [InlineData(22, 120_000, 0)]
    [InlineData(23, 120_000, 1)]
    public void Random_operations_on_every_kind_of_object_and_holder_agree_with_the_model(int seed, int operations, int markWorkers)
    {
        using var heap = new Heap(new HeapOptions { MarkWorkers = markWorkers });
        using var outer = heap.Scope();
        Run(heap, outer, seed, operations, checkCounts: true, generational: false);
        Assert.True(heap.GetStats().NumGC > 20, $"only {heap.GetStats().NumGC} cycles ran");
    }

    [Theory]
    [InlineData(31, 120_000)]
    [InlineData(32, 120_000)]
    public void Random_operations_on_every_kind_of_object_and_holder_agree_with_the_model_on_a_generational_heap(int seed, int operations)
    {
        using var heap = new Heap(new HeapOptions { Generational = true });
        using var outer = heap.Scope();
        Run(heap, outer, seed, operations, checkCounts: true, generational: true);
        Assert.True(heap.GetStats().NumMinorGC > 20, $"only {heap.GetStats().NumMinorGC} minor cycles ran");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Several_mutator_threads_with_mixed_graphs_and_one_collecting(bool generational)
    {
        using var heap = new Heap(new HeapOptions { Generational = generational });
        OtherThread.RunAll(3, t =>
        {
            using var outer = heap.Scope();
            Run(heap, outer, 200 + t, 30_000, checkCounts: false, generational);
        });
        heap.Collect();
        Assert.Equal(0, heap.GetStats().HeapObjects);
    }

    /// <summary>
    /// Runs the operations on the calling mutator, whose outermost scope is <paramref name="outer"/>.
    /// With checkCounts, the heap's object count is compared with the model after each full
    /// collection (only right when no other thread allocates). Ends with every root dropped,
    /// every manual object freed and every inner scope closed.
    /// </summary>
    private static void Run(Heap heap, Scope outer, int seed, int operations, bool checkCounts, bool generational)
    {
        var rng = new Random(seed);
        var known = new List<Obj>();          // collected objects reachable at the last collection or safepoint, or allocated since
        var roots = new List<(Obj Obj, Root<GcNode> Root)>();
        var manual = new List<Obj>();
        var scopes = new List<(Scope Scope, List<Obj> Cells)> { (outer, []) };
        long nextId = 1;
        var cycles = new ModelCycles<Obj>(heap, generational, seed, Reach);

        IEnumerable<Obj> Holders() => manual.Concat(scopes.SelectMany(s => s.Cells));

        List<Obj> ReachFromHolders() => Reach(roots.Select(r => r.Obj).Concat(Holders().SelectMany(h => h.Targets.OfType<Obj>())));

        void CheckIntact(Obj o, string when)
        {
            for (int e = 0; e < Elements(o); e++)
            {
                (int canaryWord, int idWord) = CanaryWords(o, e);
                if (canaryWord < 0) continue;
                long id = o.Id + e;
                if (((long*)o.Base)[idWord] != id || ((long*)o.Base)[canaryWord] != Canary(id))
                    Assert.Fail($"seed {seed}, {when}: {o.Kind} {o.Id} lost its canary (element {e})");
            }
            for (int s = 0; s < o.Slots.Length; s++)
            {
                if (((nint*)o.Base)[o.Slots[s]] != o.Stored[s])
                    Assert.Fail($"seed {seed}, {when}: {o.Kind} {o.Id} lost the pointer in word {o.Slots[s]}");
            }
        }

        void Verify(string when)
        {
            List<Obj> live = ReachFromHolders();
            foreach (Obj o in live) CheckIntact(o, when);
            foreach (Obj h in Holders()) CheckIntact(h, when);
            cycles.Check(live, checkCounts, notCollected: manual.Count, when);
            known = live;
        }

        void AfterSafepoint(string when)
        {
            if (cycles.RanOne()) Verify(when);
            else known = ReachFromHolders();   // no collection ran: unreachable fresh objects are garbage from now on
        }

        Obj NewCollected()
        {
            int r = rng.Next(100);
            Obj o = r switch
            {
                < 40 => Make(Kind.Node, (byte*)heap.New<GcNode>().Pointer, 4, 1),
                < 55 => Make(Kind.Tail, (byte*)heap.New<GcTailNode>().Pointer, 4, 1),
                < 65 => Make(Kind.Leaf, (byte*)heap.New<GcLeaf>().Pointer, 2, 1),
                < 77 => Links(rng.Next(1, 9)),
                < 82 => Links(rng.Next(9, 600)),
                < 93 => Nodes(rng.Next(1, 21)),
                < 96 => Links(rng.Next(4_200, 5_000)),           // 33–40 KB: a large object
                < 98 => Nodes(rng.Next(1_100, 1_300)),           // 35–42 KB
                _ => Make(Kind.Big, (byte*)heap.New<GcBig>().Pointer, sizeof(GcBig) / 8, 1),
            };
            known.Add(o);
            return o;

            Obj Links(int n) => Make(Kind.Links, (byte*)heap.NewArray<GcLink>(n).Pointer, n, n);
            Obj Nodes(int n) => Make(Kind.Nodes, (byte*)heap.NewArray<GcNode>(n).Pointer, 4 * n, n);
        }

        Obj Make(Kind kind, byte* p, int words, int elements)
        {
            var o = new Obj { Kind = kind, Base = p, Words = words, Id = nextId };
            nextId += elements;
            o.Slots = kind switch
            {
                Kind.Node or Kind.Manual => [0, 1],
                Kind.Tail => [3],
                Kind.Leaf => [],
                Kind.Links => PickWords(words, Math.Min(words, 4), _ => true),
                Kind.Nodes => PickWords(words, Math.Min(2 * elements, 4), w => w % 4 < 2),
                Kind.Big => [words - 1],
                _ => PickWords(words, Math.Min(words, 4), _ => true),
            };
            o.Targets = new Obj?[o.Slots.Length];
            o.Stored = new nint[o.Slots.Length];
            for (int e = 0; e < elements; e++)
            {
                (int canaryWord, int idWord) = CanaryWords(o, e);
                if (canaryWord < 0) continue;
                ((long*)p)[idWord] = o.Id + e;
                ((long*)p)[canaryWord] = Canary(o.Id + e);
            }
            return o;
        }

        int[] PickWords(int words, int count, Func<int, bool> isPointerWord)
        {
            var picked = new SortedSet<int>();
            while (picked.Count < count)
            {
                int w = rng.Next(words);
                if (isPointerWord(w)) picked.Add(w);
            }
            return [.. picked];
        }

        void Store(Obj holder, int slot, Obj? target)
        {
            nint address = target == null ? 0 : (nint)(target.Base + 8 * (rng.Next(3) == 0 ? rng.Next(target.Words) : 0));
            ref Ptr<GcNode> word = ref *(Ptr<GcNode>*)(holder.Base + 8 * holder.Slots[slot]);
            if (holder.Kind == Kind.ScopeWords) word = new Ptr<GcNode>((GcNode*)address);   // scope memory needs no barrier
            else WriteBarrier.Write(ref word, new Ptr<GcNode>((GcNode*)address));
            holder.Targets[slot] = target;
            holder.Stored[slot] = address;
        }

        try
        {
            Operate();
        }
        finally
        {
            foreach (var (_, root) in roots) root.Dispose();
            foreach (Obj m in manual) heap.Free(new Ptr<GcNode>((GcNode*)m.Base));
            while (scopes.Count > 1) { scopes[^1].Scope.Dispose(); scopes.RemoveAt(scopes.Count - 1); }
        }

        void Operate()
        {
        for (int op = 0; op < operations; op++)
        {
            int r = rng.Next(100);
            if (r < 30 || known.Count == 0)
            {
                NewCollected();
            }
            else if (r < 60)
            {
                // Link: a slot of a known object, a manual object or a scope cell gets a known object, a point inside it, or null.
                int holders = manual.Count + scopes[^1].Cells.Count, h = rng.Next(Math.Max(holders, 1));
                Obj holder = rng.Next(4) != 0 || holders == 0 ? known[rng.Next(known.Count)]
                    : h < manual.Count ? manual[h] : scopes[^1].Cells[h - manual.Count];
                if (holder.Slots.Length == 0) continue;
                Obj? target = rng.Next(6) == 0 ? null : known[rng.Next(known.Count)];
                Store(holder, rng.Next(holder.Slots.Length), target);
            }
            else if (r < 68)
            {
                Obj x = known[rng.Next(known.Count)];
                nint address = (nint)(x.Base + 8 * (rng.Next(3) == 0 ? rng.Next(x.Words) : 0));
                roots.Add((x, heap.Root(new Ptr<GcNode>((GcNode*)address))));
            }
            else if (r < 75 && roots.Count > 0)
            {
                int i = rng.Next(roots.Count);
                if (rng.Next(3) == 0)
                {
                    // Retarget: the root holds another object (or a point inside it) from now on.
                    Obj x = known[rng.Next(known.Count)];
                    Root<GcNode> root = roots[i].Root;
                    root.Target = new Ptr<GcNode>((GcNode*)(x.Base + 8 * (rng.Next(3) == 0 ? rng.Next(x.Words) : 0)));
                    roots[i] = (x, root);
                }
                else
                {
                    roots[i].Root.Dispose();
                    roots.RemoveAt(i);
                }
            }
            else if (r < 78)
            {
                Obj m = Make(Kind.Manual, (byte*)heap.Alloc<GcNode>().Pointer, 4, 1);
                Store(m, rng.Next(2), known[rng.Next(known.Count)]);
                manual.Add(m);
            }
            else if (r < 80 && manual.Count > 0)
            {
                // What only this manual object held dies at the next cycle.
                int i = rng.Next(manual.Count);
                heap.Free(new Ptr<GcNode>((GcNode*)manual[i].Base));
                manual.RemoveAt(i);
            }
            else if (r < 83 && scopes.Count < 6)
            {
                scopes.Add((heap.Scope(), []));
            }
            else if (r < 86 && scopes.Count > 1)
            {
                // Nested scopes close without a safepoint; what only their memory held dies at the next cycle.
                scopes[^1].Scope.Dispose();
                scopes.RemoveAt(scopes.Count - 1);
            }
            else if (r < 89)
            {
                Scope s = scopes[^1].Scope;
                // Over 256 KiB: pages of its own. Only in inner scopes, which close, so the outer one stays small.
                int words = scopes.Count > 1 && rng.Next(50) == 0 ? rng.Next(33_000, 40_000) : rng.Next(1, 64);
                Obj cell = Make(Kind.ScopeWords, (byte*)s.NewArray<nint>(words).Pointer, words, 0);
                cell.Id = -1;
                scopes[^1].Cells.Add(cell);
                Store(cell, rng.Next(cell.Slots.Length), known[rng.Next(known.Count)]);
            }
            else if (r < 99)
            {
                heap.Safepoint();
                AfterSafepoint($"op {op} (safepoint)");
            }
            else
            {
                cycles.Collect(rng);
                Verify($"op {op} (collect)");
            }
            if (known.Count > 3000)
            {
                // Keep the graph small: drop half the roots and manual objects and every inner scope.
                for (int i = roots.Count - 1; i >= 0; i -= 2) { roots[i].Root.Dispose(); roots.RemoveAt(i); }
                for (int i = manual.Count - 1; i >= 0; i -= 2) { heap.Free(new Ptr<GcNode>((GcNode*)manual[i].Base)); manual.RemoveAt(i); }
                while (scopes.Count > 1) { scopes[^1].Scope.Dispose(); scopes.RemoveAt(scopes.Count - 1); }
                // The outer scope stays open: its cells are emptied, then the model can forget them.
                foreach (Obj cell in scopes[0].Cells)
                    for (int s = 0; s < cell.Slots.Length; s++) Store(cell, s, null);
                scopes[0].Cells.Clear();
                heap.Safepoint();
                AfterSafepoint($"op {op} (trim)");
            }
        }
        }
    }

    /// <summary>How many elements carry a canary and an id.</summary>
    private static int Elements(Obj o) => o.Kind == Kind.Nodes ? o.Words / 4 : 1;

    /// <summary>The canary's and the id's word of element <paramref name="e"/>, or (-1, -1) for a kind without them.</summary>
    private static (int Canary, int Id) CanaryWords(Obj o, int e) => o.Kind switch
    {
        Kind.Node or Kind.Manual => (2, 3),
        Kind.Nodes => (4 * e + 2, 4 * e + 3),
        Kind.Tail or Kind.Leaf or Kind.Big => (0, 1),
        _ => (-1, -1),
    };

    private static List<Obj> Reach(IEnumerable<Obj> from)
    {
        var live = new HashSet<Obj>(ReferenceEqualityComparer.Instance);
        var stack = new Stack<Obj>(from);
        while (stack.Count > 0)
        {
            Obj o = stack.Pop();
            if (!live.Add(o)) continue;
            foreach (Obj? t in o.Targets)
                if (t != null) stack.Push(t);
        }
        return [.. live];
    }

    private static long Canary(long id) => id * 0x2545F4914F6CDD1DL ^ 0x3C6EF372FE94F82BL;
}
