using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Arena.Benchmarks.BinaryTrees;

namespace Arena.Benchmarks.Compare;

/// <summary>
/// The quick side-by-side comparison: binary-trees for every variant (each in its own process,
/// output checked, time and peak memory), then one allocation and release by every peer. Prints
/// a table with ratios, and writes Markdown, CSV and an SVG chart.
/// </summary>
public static class CompareRunner
{
    public sealed record Row(string Section, string Name, string Description, double Value, string Unit, double Ratio, string RatioTo, long PeakBytes, bool Ok)
    {
        /// <summary>Stop-the-world pauses of a collected variant, when measured.</summary>
        public PauseSummary? Pauses { get; init; }
    }

    public static int Run(CompareOptions o)
    {
        var rows = new List<Row>();
        var variants = BinaryTreesVariants.All;
        int[] sizes = o.Smoke ? [32] : [32, 256];
        int steps = variants.Count * o.Rounds + sizes.Length + 1;
        int step = 0;
        bool allOk = true;

        string expected = BinaryTreesOutput.Expected(o.Depth);
        string? shipped = BinaryTreesOutput.Shipped(o.Depth);
        if (shipped is not null && shipped != expected)
        {
            Console.Error.WriteLine($"binary-trees: the shipped output for depth {o.Depth} differs from the formula.");
            return 2;
        }
        foreach (int n in new[] { 10, 21 })
        {
            if (BinaryTreesOutput.Shipped(n) is string s && s != BinaryTreesOutput.Expected(n))
            {
                Console.Error.WriteLine($"binary-trees: Data/binarytrees-{n}.txt differs from the formula.");
                return 2;
            }
        }

        // Rounds take turns: every variant once, then every variant again. Each keeps its best
        // time and that run's pauses, the highest peak of its runs, and is correct only if
        // every run printed the expected output.
        var trees = variants.Select(v => (V: v, Seconds: double.PositiveInfinity, Peak: 0L, Ok: true, Pauses: (PauseSummary?)null)).ToList();
        for (int round = 1; round <= o.Rounds; round++)
        {
            for (int i = 0; i < trees.Count; i++)
            {
                var v = trees[i].V;
                Progress(++step, steps, o.Rounds == 1 ? $"binary-trees {v.Name} depth {o.Depth}" : $"binary-trees {v.Name} depth {o.Depth}, round {round}/{o.Rounds}");
                var (output, seconds, peak, pauses) = RunChild(v, o);
                bool ok = output == expected;
                if (!ok)
                {
                    allOk = false;
                    Console.Error.WriteLine($"\nbinary-trees {v.Name}: wrong output:\n{output}");
                }
                var t = trees[i];
                bool best = seconds < t.Seconds;
                trees[i] = (v, best ? seconds : t.Seconds, Math.Max(t.Peak, peak), t.Ok && ok, best ? pauses : t.Pauses);
            }
        }
        double bestManaged = trees.Where(t => t.V.IsManaged && t.Ok).Select(t => t.Seconds).DefaultIfEmpty(double.NaN).Min();
        string bestManagedName = trees.Where(t => t.V.IsManaged && t.Ok).OrderBy(t => t.Seconds).Select(t => t.V.Name).FirstOrDefault() ?? "-";
        foreach (var t in trees)
            rows.Add(new Row($"binary-trees depth {o.Depth}", t.V.Name, t.V.Description, t.Seconds, "s", t.Seconds / bestManaged, bestManagedName, t.Peak, t.Ok) { Pauses = t.Pauses });

        using (var heap = new Heap())
        {
            foreach (int size in sizes)
            {
                Progress(++step, steps, $"alloc+free {size} B");
                long ops = o.Smoke ? 10_000 : 5_000_000;
                var results = AllocPeers.For(size, heap)
                    .Select(p => (p.Name, Ns: Measure.BestNanosecondsPerOp(p.Loop, ops, o.Smoke ? 1 : 5)))
                    .ToList();
                double native = results.First(r => r.Name == "NativeMemory").Ns;
                foreach (var r in results)
                    rows.Add(new Row($"alloc+free {size} B", r.Name, "one allocation and its release", r.Ns, "ns", r.Ns / native, "NativeMemory", 0, true));
            }
        }
        Progress(++step, steps, "one collection over a live tree");
        rows.AddRange(Collection(o.Smoke ? 10 : 18));
        Console.Error.WriteLine();

        string machine = $"{RuntimeInformation.OSDescription.Trim()}, {RuntimeInformation.ProcessArchitecture}{CpuName()}, {Environment.ProcessorCount} logical cores, {SweepWidth()}, .NET {Environment.Version}";
        string markdown = ResultsWriter.Markdown(rows, machine, o);
        Console.WriteLine(markdown);
        Directory.CreateDirectory(o.OutputDirectory);
        File.WriteAllText(Path.Combine(o.OutputDirectory, "results.md"), markdown);
        File.WriteAllText(Path.Combine(o.OutputDirectory, "results.csv"), ResultsWriter.Csv(rows));
        File.WriteAllText(Path.Combine(o.OutputDirectory, "results.svg"), ResultsWriter.Svg(rows, machine));
        Console.WriteLine($"Written: {Path.Combine(o.OutputDirectory, "results.{md,csv,svg}")}");
        if (!allOk) Console.Error.WriteLine("Some variant printed a wrong result (see above).");
        return allOk ? 0 : 1;
    }

    private sealed class ManagedNode
    {
        public ManagedNode? Left, Right;
        public static ManagedNode Create(int d) => d == 0 ? new ManagedNode() : new ManagedNode { Left = Create(d - 1), Right = Create(d - 1) };
    }

    /// <summary>
    /// A full collection over a live binary tree of 16-byte nodes: Arena's mark and sweep per
    /// live object (best of twelve) with a mark worker per core, against GC.Collect() over the
    /// same tree of class nodes; then the mark alone with 1, 2, 4, … workers up to one per core,
    /// to show how it scales.
    /// </summary>
    private static IEnumerable<Row> Collection(int depth)
    {
        long nodes = (1L << (depth + 1)) - 1;
        string section = $"one collection, {nodes} live nodes";
        var (mark, sweep) = ArenaCollection(depth, workers: 0);
        ManagedNode tree = ManagedNode.Create(depth);
        double dotnet = double.MaxValue;
        for (int i = 0; i < 3; i++)
        {
            long start = Stopwatch.GetTimestamp();
            GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: false);
            dotnet = Math.Min(dotnet, Stopwatch.GetElapsedTime(start).TotalNanoseconds / nodes);
        }
        GC.KeepAlive(tree);
        yield return new Row(section, ".NET GC.Collect()", "the whole collection", dotnet, "ns/object", 1.0, ".NET GC.Collect()", 0, true);
        yield return new Row(section, "arena mark", $"flush caches, mark roots and tree, {Collector.Collector.DefaultWorkers} workers", mark, "ns/object", mark / dotnet, ".NET GC.Collect()", 0, true);
        yield return new Row(section, "arena sweep", "SIMD bitmap swap, free empty slabs", sweep, "ns/object", sweep / dotnet, ".NET GC.Collect()", 0, true);
        yield return new Row(section, "arena total", "mark + sweep", mark + sweep, "ns/object", (mark + sweep) / dotnet, ".NET GC.Collect()", 0, true);

        string scaling = $"mark scaling, {nodes} live nodes";
        double one = double.NaN;
        foreach (int w in MarkWorkerCounts())
        {
            double m = ArenaCollection(depth, w).Mark;
            if (w == 1) one = m;
            yield return new Row(scaling, $"arena mark, {w} worker{(w == 1 ? "" : "s")}", $"speed-up {one / m:F2}×", m, "ns/object", m / one, "arena mark, 1 worker", 0, true);
        }
    }

    /// <summary>1, 2, 4, … up to <see cref="Collector.Collector.DefaultWorkers"/>, which ends the list.</summary>
    private static IEnumerable<int> MarkWorkerCounts()
    {
        int w = 1;
        for (; w < Collector.Collector.DefaultWorkers; w *= 2) yield return w;
        yield return Collector.Collector.DefaultWorkers;
    }

    /// <summary>Mark and sweep per live object, best of twelve full collections over a tree of <paramref name="depth"/> (0 workers: one per core).</summary>
    private static (double Mark, double Sweep) ArenaCollection(int depth, int workers)
    {
        long nodes = (1L << (depth + 1)) - 1;
        double mark = double.MaxValue, sweep = double.MaxValue;
        using var heap = new Heap(new HeapOptions { MarkWorkers = workers });
        Root<GcTreeNode> root;
        using (heap.Scope())
        {
            heap.GCPercent = -1;
            root = heap.Root(ArenaGcBinaryTrees.Create(heap.Local(), depth));
        }
        // Best of twelve: the first collections run before the JIT has tiered the mark loop up.
        for (int i = 0; i < 12; i++)
        {
            heap.Collect();
            mark = Math.Min(mark, heap.Collector.LastMarkNs / (double)nodes);
            sweep = Math.Min(sweep, heap.Collector.LastSweepNs / (double)nodes);
        }
        root.Dispose();
        return (mark, sweep);
    }

    /// <summary>Child-process entry: runs one variant, prints its output, then its time and peak memory.</summary>
    public static int RunVariant(string name, int depth)
    {
        BinaryTreesVariant v = BinaryTreesVariants.Find(name) ?? throw new ArgumentException($"No binary-trees variant named '{name}'. Known: {string.Join(", ", BinaryTreesVariants.All.Select(x => x.Name))}.");
        using DotNetGcPauses? listener = v.IsManaged ? new DotNetGcPauses() : null;
        long start = Stopwatch.GetTimestamp();
        string output = v.Run(depth);
        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        Pause[]? pauses = listener?.Pauses() ?? v.Pauses?.Invoke();
        Console.Out.Write(output);
        if (pauses is not null)
        {
            PauseSummary p = PauseSummary.Of(pauses);
            Console.Out.WriteLine(FormattableString.Invariant($"#pauses {p.Count} {p.MaxMs:R} {p.P99Ms:R} {p.TotalMs:R} {p.StoppingMaxMs:R} {p.StoppingTotalMs:R}"));
        }
        Console.Out.WriteLine(FormattableString.Invariant($"#seconds {seconds:R}"));
        Console.Out.WriteLine(FormattableString.Invariant($"#peak-bytes {Process.GetCurrentProcess().PeakWorkingSet64}"));
        return 0;
    }

    /// <summary>
    /// ", " and the processor's name where the OS tells it (Linux: /proc/cpuinfo; Windows:
    /// PROCESSOR_IDENTIFIER), else empty: ratios move with the processor, so results name it.
    /// </summary>
    private static string CpuName()
    {
        string? name = null;
        try
        {
            if (OperatingSystem.IsLinux() && File.Exists("/proc/cpuinfo"))
                name = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1];
            else if (OperatingSystem.IsWindows())
                name = Environment.GetEnvironmentVariable("PROCESSOR_IDENTIFIER");
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return string.IsNullOrWhiteSpace(name) ? "" : ", " + name.Trim();
    }

    /// <summary>
    /// The sweep kernel's widest path on this machine and the instructions behind it: the
    /// processor's name alone (often "AMD EPYC" on virtual machines) does not tell whether it
    /// has AVX-512, and the sweep's figures move with it.
    /// </summary>
    internal static string SweepWidth() => Arena.Collector.MarkBitsKernel.BestWidth switch
    {
        512 => System.Runtime.Intrinsics.X86.Avx512Vbmi.IsSupported ? "sweep at 512 bits (AVX-512 with VBMI)" : "sweep at 512 bits (AVX-512)",
        256 => "sweep at 256 bits (AVX2, no AVX-512)",
        128 => "sweep at 128 bits (SSSE3, no AVX2)",
        _ => "sweep in scalar words (no SSSE3, AVX2 or AVX-512)",
    };

    private static (string Output, double Seconds, long Peak, PauseSummary? Pauses) RunChild(BinaryTreesVariant v, CompareOptions o)
    {
        string self = typeof(CompareRunner).Assembly.Location;
        string host = Environment.ProcessPath ?? "dotnet";
        var psi = new ProcessStartInfo(host) { RedirectStandardOutput = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(host) == "dotnet") psi.ArgumentList.Add(self);
        foreach (string a in new[] { "--variant", v.Name, "--depth", o.Depth.ToString(CultureInfo.InvariantCulture) }) psi.ArgumentList.Add(a);
        foreach (var (k, val) in v.Environment) psi.Environment[k] = val;
        o.ApplyJitDelay(psi.Environment);
        using Process p = Process.Start(psi)!;
        string all = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        var lines = all.ReplaceLineEndings("\n").Split('\n');
        double seconds = double.NaN;
        long peak = 0;
        PauseSummary? pauses = null;
        var output = new System.Text.StringBuilder();
        foreach (string line in lines)
        {
            if (line.StartsWith("#seconds ", StringComparison.Ordinal)) seconds = double.Parse(line[9..], CultureInfo.InvariantCulture);
            else if (line.StartsWith("#peak-bytes ", StringComparison.Ordinal)) peak = long.Parse(line[12..], CultureInfo.InvariantCulture);
            else if (line.StartsWith("#pauses ", StringComparison.Ordinal))
            {
                string[] f = line[8..].Split(' ');
                pauses = new PauseSummary(int.Parse(f[0], CultureInfo.InvariantCulture), double.Parse(f[1], CultureInfo.InvariantCulture),
                    double.Parse(f[2], CultureInfo.InvariantCulture), double.Parse(f[3], CultureInfo.InvariantCulture),
                    double.Parse(f[4], CultureInfo.InvariantCulture), double.Parse(f[5], CultureInfo.InvariantCulture));
            }
            else if (line.Length > 0) output.Append(line).Append('\n');
        }
        if (p.ExitCode != 0) output.Append($"(exit code {p.ExitCode})\n");
        return (output.ToString(), seconds, peak, pauses);
    }

    private static void Progress(int step, int steps, string what)
        => Console.Error.Write($"\r[{step}/{steps}] {what}".PadRight(60));
}
