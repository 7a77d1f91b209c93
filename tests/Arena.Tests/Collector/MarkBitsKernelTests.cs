using System.Numerics;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Arena.Collector;

namespace Arena.Tests.Collector;

/// <summary>
/// Every width of the sweep kernel equals the scalar reference on random bitmaps. CI runs
/// this again with AVX-512, AVX2 and all intrinsics switched off, so each path runs somewhere.
/// </summary>
public unsafe class MarkBitsKernelTests
{
    public static TheoryData<int, bool> Widths() => new()
    {
        { 0, false }, { 128, false }, { 256, false }, { 512, false },
        { 0, true }, { 128, true }, { 256, true }, { 512, true },
    };

    [Theory]
    [MemberData(nameof(Widths))]
    public void Width_matches_the_scalar_reference_on_random_bitmaps(int width, bool keepMarks)
    {
        const int seed = 20261126;
        var rng = new Random(seed);
        for (int trial = 0; trial < 2000; trial++)
        {
            // Up to 40 words (a slab has at most 16: the 512-bit path takes those without a
            // loop), and now and then a long run, past the 31 vectors after which the 512-bit
            // path folds its per-byte counts.
            int words = trial % 50 == 0 ? rng.Next(240, 700) : rng.Next(0, 40);
            // Guard words follow the bitmaps: no width may read them into the count or write them.
            var mark = new ulong[words + Guard];
            var alloc = new ulong[words + Guard];
            for (int i = 0; i < words + Guard; i++)
            {
                mark[i] = (ulong)rng.NextInt64() ^ ((ulong)rng.Next() << 40);
                if (rng.Next(5) == 0) mark[i] = 0;
                if (rng.Next(7) == 0) mark[i] = ulong.MaxValue;
                alloc[i] = (ulong)rng.NextInt64();
            }
            var refAlloc = (ulong[])alloc.Clone();
            var refMark = (ulong[])mark.Clone();
            var original = (ulong[])mark.Clone();
            var allocBefore = (ulong[])alloc.Clone();
            int expected;
            fixed (ulong* a = refAlloc, m = refMark) expected = MarkBitsKernel.SweepScalar(a, m, words, keepMarks);
            Assert.Equal(original.Take(words).Sum(w => BitOperations.PopCount(w)), expected);
            int live;
            fixed (ulong* a = alloc, m = mark)
            {
                live = width switch
                {
                    512 => MarkBitsKernel.Sweep512(a, m, words, keepMarks),
                    256 => MarkBitsKernel.Sweep256(a, m, words, keepMarks),
                    128 => MarkBitsKernel.Sweep128(a, m, words, keepMarks),
                    _ => MarkBitsKernel.Sweep(a, m, words, keepMarks),
                };
            }
            Assert.True(expected == live, $"seed {seed}, trial {trial}, width {width}: live {live} != {expected}");
            Assert.Equal(refAlloc, alloc);
            Assert.Equal(refMark, mark);
            // The marks are only read; the alloc bits are cleared for the swap, or hold a copy
            // of the marks when they are kept (no swap).
            Assert.Equal(original, mark);
            if (keepMarks) Assert.Equal(original.Take(words), alloc.Take(words));
            else Assert.All(alloc.Take(words), w => Assert.Equal(0UL, w));
            Assert.Equal(allocBefore.Skip(words), alloc.Skip(words));
        }
    }

    /// <summary>Words past each bitmap, with random values, that a sweep must neither count nor change.</summary>
    private const int Guard = 16;

    [Fact]
    public void Best_width_follows_the_hardware_switches()
    {
        int expected = Vector512.IsHardwareAccelerated && Avx512BW.IsSupported ? 512
            : Avx2.IsSupported ? 256
            : Ssse3.IsSupported ? 128 : 0;
        Assert.Equal(expected, MarkBitsKernel.BestWidth);
        // .NET 10 reads DOTNET_EnableAVX512 (DOTNET_EnableAVX512F alone no longer turns AVX-512 off).
        string? avx512 = Environment.GetEnvironmentVariable("DOTNET_EnableAVX512");
        string? avx2 = Environment.GetEnvironmentVariable("DOTNET_EnableAVX2");
        string? hw = Environment.GetEnvironmentVariable("DOTNET_EnableHWIntrinsic");
        if (hw == "0") Assert.Equal(0, MarkBitsKernel.BestWidth);
        else if (avx2 == "0") Assert.True(MarkBitsKernel.BestWidth <= 128);
        else if (avx512 == "0") Assert.True(MarkBitsKernel.BestWidth <= 256);
        // The 512-bit path counts bits with VBMI's vpermb where it can, and with the nibble
        // lookup where it cannot: CI turns VBMI off (DOTNET_EnableAVX512v2=0) to run the latter.
        if (Environment.GetEnvironmentVariable("DOTNET_EnableAVX512v2") == "0") Assert.False(Avx512Vbmi.IsSupported);
    }
}

/// <summary>The sweep kernel's warm-up: the JIT compiles it on a pool thread, not in a pause.</summary>
public class KernelWarmUpTests
{
    [Fact]
    public async Task The_warm_up_runs_the_kernel_once_per_process_on_a_test_bitmap()
    {
        using var heap = new Heap();                           // a heap's collector starts it
        Task<int> warmUp = MarkBitsKernel.WarmUp();
        Assert.Same(warmUp, MarkBitsKernel.WarmUp());
        int live = await warmUp.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(Arena.Slabs.Slab.BitmapWords * 32, live);   // every other bit of every word
        using var another = new Heap();
        Assert.Same(warmUp, MarkBitsKernel.WarmUp());
    }
}
