using System.Collections.Concurrent;

namespace Arena.Tests.Collector;

/// <summary>
/// Objects handed between threads while collections run: mutators build structures, hand them
/// to one another through roots, manual objects and pooled objects, grow structures that others
/// built (young nodes under old ones, old lists under young ones), and free or return what other
/// threads allocated (remote frees). Each structure holds a count the receiving thread checks
/// node by node, canaries included; at the end, with everything dropped, nothing is left.
/// </summary>
public unsafe class HandoffStressTests
{
    /// <summary>A structure in flight: its holder (a root, a manual object or a pooled object) and how many nodes hang from it.</summary>
    private sealed class Parcel
    {
        public Root<GcNode> Root;
        public Ptr<GcNode> Holder;     // a manual or pooled GcNode whose Right is the structure; null for a root
        public bool Pooled;
        public int Count;
        /// <summary>The sum of its nodes' ids: a node freed and handed out again as another holds another id.</summary>
        public long IdSum;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Structures_handed_between_threads_survive_every_collection_and_nothing_is_left(bool generational)
    {
        using var heap = new Heap(new HeapOptions { Generational = generational });
        using var pool = new ArenaPool<GcNode>(heap);
        const int Mutators = 3, Iterations = 40_000;
        var queue = new ConcurrentQueue<Parcel>();
        var errors = new ConcurrentQueue<string>();
        int done = 0;
        long collections = 0;

        var threads = Enumerable.Range(0, Mutators).Select(t => new Thread(() =>
        {
            try
            {
                var rng = new Random(500 + t);
                long nextId = (long)(t + 1) << 40;
                using var outer = heap.Scope();
                for (int i = 0; i < Iterations; i++)
                {
                    queue.TryDequeue(out Parcel? got);
                    if (got != null && !Check(got, $"thread {t}, iteration {i}")) got = null;

                    if (got != null && got.Count < 1_500 && rng.Next(3) == 0)
                    {
                        // Grow it where it is: a young list under its (maybe old) first node's Left.
                        Ptr<GcNode> head = Head(got);
                        int n = rng.Next(1, 20);
                        Ptr<GcNode> list = List(heap, ref nextId, n, head.Value.Left, ref got.IdSum);
                        head.Value.Left = list;
                        got.Count += n;
                        queue.Enqueue(got);
                        got = null;
                    }

                    // A new structure, with what was received as its tail (an old list under a young one) or dropped.
                    int k = rng.Next(1, 40);
                    Ptr<GcNode> tail = Ptr<GcNode>.Null;
                    var parcel = new Parcel { Count = k };
                    if (got != null && got.Count < 1_500 && rng.Next(2) == 0)
                    {
                        tail = Head(got);
                        parcel.Count += got.Count;
                        parcel.IdSum += got.IdSum;
                    }
                    Ptr<GcNode> made = List(heap, ref nextId, k, tail, ref parcel.IdSum);
                    if (got != null) Drop(got);

                    switch (rng.Next(3))
                    {
                        case 0:
                            parcel.Root = heap.Root(made);
                            break;
                        case 1:
                            parcel.Holder = heap.Alloc<GcNode>();
                            parcel.Holder.Value.Right = made;
                            break;
                        default:
                            parcel.Holder = pool.Rent();
                            parcel.Holder.Value.Right = made;
                            parcel.Pooled = true;
                            break;
                    }
                    queue.Enqueue(parcel);
                    if (rng.Next(4) == 0) heap.Safepoint();
                }
            }
            catch (Exception e) { errors.Enqueue($"thread {t}: {e}"); }
            finally { Interlocked.Increment(ref done); }
        })).ToList();
        // A thread outside every scope allocates and frees manual and pooled objects all along,
        // collections included: its slabs change hands while the collector walks the manual
        // roots. It stores no pointer to a collected object (liveness contract 5).
        threads.Add(new Thread(() =>
        {
            try
            {
                var rng = new Random(7);
                var held = new List<(Ptr<GcNode> P, bool Pooled, long Id)>();
                long id = 1L << 50;
                while (Volatile.Read(ref done) < Mutators)
                {
                    for (int i = rng.Next(1, 400); i > 0; i--)
                    {
                        bool pooled = rng.Next(2) == 0;
                        Ptr<GcNode> p = pooled ? pool.Rent() : heap.Alloc<GcNode>();
                        p.Value.Id = ++id;
                        p.Value.Canary = GcNodes.Canary(id);
                        held.Add((p, pooled, id));
                    }
                    for (int i = held.Count - 1; i >= 0; i -= rng.Next(1, 3))
                    {
                        (Ptr<GcNode> p, bool pooled, long pid) = held[i];
                        if (p.Value.Id != pid || p.Value.Canary != GcNodes.Canary(pid)) errors.Enqueue($"outside every scope: object {pid} was overwritten");
                        if (pooled) pool.Return(p); else heap.Free(p);
                        held.RemoveAt(i);
                    }
                }
                foreach ((Ptr<GcNode> p, bool pooled, _) in held)
                {
                    if (pooled) pool.Return(p); else heap.Free(p);
                }
            }
            catch (Exception e) { errors.Enqueue($"outside every scope: {e}"); }
        }));
        threads.ForEach(th => th.Start());
        while (Volatile.Read(ref done) < Mutators)
        {
            // From a thread that is no mutator; on a generational heap every other one minor.
            long n = Interlocked.Increment(ref collections);
            if (generational && (n & 1) == 0) heap.CollectMinor();
            else heap.Collect();
            Thread.Sleep(1);
        }
        threads.ForEach(th => th.Join());
        Assert.True(errors.IsEmpty, string.Join("\n", errors.Take(10)));
        Assert.True(collections > 10, $"only {collections} collections ran");
        if (generational) Assert.True(heap.GetStats().NumMinorGC > 5, $"only {heap.GetStats().NumMinorGC} minor cycles ran");

        // Whatever is still in flight is checked and dropped by this thread: the frees of
        // manual objects and returns of pooled ones other threads allocated are remote.
        using (heap.Scope())
        {
            heap.Collect();
            while (queue.TryDequeue(out Parcel? p))
            {
                Assert.True(Check(p, "the end"), string.Join("\n", errors.Take(10)));
                Drop(p);
            }
        }
        pool.Dispose();
        heap.Collect();
        Assert.Equal(0, heap.GetStats().HeapObjects);

        bool Check(Parcel p, string when)
        {
            int seen = 0;
            long idSum = 0;
            var stack = new Stack<nint>();
            stack.Push(Head(p).Address);
            while (stack.Count > 0)
            {
                var n = new Ptr<GcNode>((GcNode*)stack.Pop());
                if (n.IsNull) continue;
                if (n.Value.Canary != GcNodes.Canary(n.Value.Id))
                {
                    errors.Enqueue($"{when}: node {n.Value.Id} lost its canary after {Volatile.Read(ref collections)} collections");
                    return false;
                }
                seen++;
                idSum += n.Value.Id;
                stack.Push(n.Value.Left.Address);
                stack.Push(n.Value.Right.Address);
            }
            if (seen != p.Count || idSum != p.IdSum)
            {
                errors.Enqueue($"{when} ({(p.Pooled ? "pooled" : p.Holder.IsNull ? "rooted" : "manual")}, generational {generational}): a structure of {p.Count} nodes (ids summing to {p.IdSum}) has {seen} (summing to {idSum})");
                return false;
            }
            return true;
        }

        void Drop(Parcel p)
        {
            if (!p.Holder.IsNull)
            {
                if (p.Pooled) pool.Return(p.Holder);
                else heap.Free(p.Holder);
            }
            else p.Root.Dispose();
        }
    }

    private static Ptr<GcNode> Head(Parcel p) => p.Holder.IsNull ? p.Root.Target : p.Holder.Value.Right;

    /// <summary>A list of <paramref name="n"/> fresh nodes through Right, ending in <paramref name="tail"/>; adds their ids to <paramref name="idSum"/>.</summary>
    private static Ptr<GcNode> List(Heap heap, ref long nextId, int n, Ptr<GcNode> tail, ref long idSum)
    {
        Ptr<GcNode> head = tail;
        for (int i = 0; i < n; i++)
        {
            idSum += nextId;
            Ptr<GcNode> node = GcNodes.New(heap, nextId++);
            node.Value.Right = head;
            head = node;
        }
        return head;
    }
}
