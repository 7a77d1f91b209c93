// See Collector.cs for the collector's overview.
//
// The sweep kernel, as a width ladder with a scalar twin (dotnet/runtime's BitArray
// does the same): Vector512, then Vector256, then Vector128, then scalar words.
// Each width is tested equal to the scalar reference on random bitmaps, and CI runs
// the tests again with DOTNET_EnableAVX512=0, DOTNET_EnableAVX512v2=0 (no VBMI),
// DOTNET_EnableAVX2=0 and DOTNET_EnableHWIntrinsic=0 so that every path runs on one machine.
//
// What it does to one slab (Go: mspan.sweep with the bitmap swap of design 12800):
//   live   += popcount(mark[i])
//   alloc[i] = 0             the caller then swaps the two bitmaps' pointers
//                            (Slab.SwapBitmaps): the marks become the alloc bits, objects
//                            not marked are free from now on, and the cleared old alloc
//                            bits are the next cycle's marks. Go clears its new mark bits
//                            the same way, in the sweep (newMarkBits hands out zeroed bits).
//   alloc[i] = mark[i]       with keepMarks instead: a generational heap keeps the marks,
//                            sticky, to tell old objects from young, so both bitmaps hold
//                            them and nothing is swapped.
// Either way one load and one store a vector: the marks are read, the alloc bits written.
//
// Population counts: per-byte counts from table lookups, added up over up to 31 vectors, then
// a sum of absolute differences (.NET exposes no VPOPCNTQ intrinsic). With AVX-512 VBMI the
// 512-bit path looks bytes up in 64-entry tables with vpermb, which reads the low six bits of
// each index and ignores the rest, so no index needs masking; a slab's two vectors take three
// lookups (bits 0-5 of each, and bits 6-7 of both in one). Without VBMI, and at the narrower
// widths, the classic nibble lookup with a byte shuffle. A slab's bitmap (at most 16 words)
// takes the 512-bit path without a loop: one or two vectors, whose eight lane sums fit in
// bytes and add up with one more sum of absolute differences instead of a horizontal sum.
// The 256-bit path does the same for up to four vectors.

using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Arena.Collector;

/// <summary>The sweep's bitmap kernel at every vector width. Go: the gcmarkBits → allocBits swap.</summary>
internal static unsafe class MarkBitsKernel
{
    /// <summary>The vector width the fastest path uses on this machine, in bits (0 = scalar).</summary>
    public static int BestWidth =>
        Vector512.IsHardwareAccelerated && Avx512BW.IsSupported ? 512 :
        Avx2.IsSupported ? 256 :
        Ssse3.IsSupported ? 128 : 0;

    /// <summary>
    /// Counts the marks of <paramref name="words"/> words and readies the alloc bits for the
    /// swap: clears them (the caller then swaps the two bitmaps), or with
    /// <paramref name="keepMarks"/> copies the marks into them (no swap). Returns the live count.
    /// Compiled once, fully optimized, and not inlined: compiling the vector ladder takes the
    /// JIT over 10 ms, which the sweep would otherwise pay inside the first collections' pauses,
    /// once for every tier of its caller (<see cref="WarmUp"/> takes it out of the pause).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static int Sweep(ulong* alloc, ulong* mark, int words, bool keepMarks = false) => BestWidth switch
    {
        512 => Sweep512(alloc, mark, words, keepMarks),
        256 => Sweep256(alloc, mark, words, keepMarks),
        128 => Sweep128(alloc, mark, words, keepMarks),
        _ => SweepScalar(alloc, mark, words, keepMarks),
    };

    private static Task<int>? s_warmUp;

    /// <summary>
    /// Runs <see cref="Sweep"/> once on a thread-pool thread, once per process, so that the JIT
    /// compiles it there rather than in the first collection's pause (the collector starts this
    /// when a heap is made). The task's result is the live count of a 16-word test bitmap with
    /// every other bit set: 512.
    /// </summary>
    public static Task<int> WarmUp()
    {
        Task<int>? started = Volatile.Read(ref s_warmUp);
        if (started != null) return started;
        var task = new Task<int>(static () =>
        {
            ulong* bits = stackalloc ulong[2 * Slabs.Slab.BitmapWords];
            new Span<ulong>(bits, Slabs.Slab.BitmapWords).Fill(0x5555_5555_5555_5555UL);
            return Sweep(bits + Slabs.Slab.BitmapWords, bits, Slabs.Slab.BitmapWords);
        });
        started = Interlocked.CompareExchange(ref s_warmUp, task, null);
        if (started != null) return started;
        task.Start(TaskScheduler.Default);
        return task;
    }

    /// <summary>The reference: one word at a time.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int SweepScalar(ulong* alloc, ulong* mark, int words, bool keepMarks = false)
    {
        int live = 0;
        for (int i = 0; i < words; i++)
        {
            ulong m = mark[i];
            alloc[i] = keepMarks ? m : 0;
            live += BitOperations.PopCount(m);
        }
        return live;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Sweep512(ulong* alloc, ulong* mark, int words, bool keepMarks = false)
    {
        if (!(Vector512.IsHardwareAccelerated && Avx512BW.IsSupported)) return Sweep256(alloc, mark, words, keepMarks);
        if ((uint)words <= (uint)Slabs.Slab.BitmapWords) return SweepSlab512(alloc, mark, words, keepMarks);
        int i = 0, pending = 0;
        // Per-byte counts (at most 8 a vector) add up in bytes for up to 31 vectors (a slab has
        // at most 2): one sum of absolute differences per 31 vectors, not one a vector.
        Vector512<byte> bytes = Vector512<byte>.Zero;
        Vector512<ulong> count = Vector512<ulong>.Zero;
        for (; i + 8 <= words; i += 8)
        {
            bytes += SweepVector512(alloc + i, mark + i, keepMarks);
            if (++pending == 31)
            {
                count += Avx512BW.SumAbsoluteDifferences(bytes, Vector512<byte>.Zero).AsUInt64();
                bytes = Vector512<byte>.Zero;
                pending = 0;
            }
        }
        count += Avx512BW.SumAbsoluteDifferences(bytes, Vector512<byte>.Zero).AsUInt64();
        int live = (int)Vector512.Sum(count);
        return i == words ? live : live + Sweep256(alloc + i, mark + i, words - i, keepMarks);
    }

    /// <summary>
    /// <see cref="Sweep512"/> for a slab's bitmap, at most 16 words: its full vectors (none,
    /// one or two) without a loop, counted together, then the rest of the words at the
    /// narrower widths. With at most two vectors a 64-bit lane of per-byte counts adds up to
    /// at most 128, so the lanes narrow to bytes and one more sum of absolute differences adds
    /// them: three instructions where a general horizontal sum takes seven.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int SweepSlab512(ulong* alloc, ulong* mark, int words, bool keepMarks)
    {
        if (words < 8) return Sweep256(alloc, mark, words, keepMarks);
        Vector512<byte> bytes = words == 16
            ? PopCountBytes512(TakeMarks512(alloc, mark, keepMarks), TakeMarks512(alloc + 8, mark + 8, keepMarks))
            : SweepVector512(alloc, mark, keepMarks);
        Vector512<ulong> lanes = Avx512BW.SumAbsoluteDifferences(bytes, Vector512<byte>.Zero).AsUInt64();
        int live = (int)Sse2.SumAbsoluteDifferences(Avx512F.ConvertToVector128Byte(lanes), Vector128<byte>.Zero).AsUInt64().ToScalar();
        int done = words & ~7;
        return done == words ? live : live + Sweep256(alloc + done, mark + done, words - done, keepMarks);
    }

    /// <summary>Sweeps eight words: alloc bits cleared, or the marks copied into them if kept; returns the marks' per-byte counts.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<byte> SweepVector512(ulong* alloc, ulong* mark, bool keepMarks)
        => PopCountBytes512(TakeMarks512(alloc, mark, keepMarks));

    /// <summary>Loads eight words of marks and readies the alloc bits under them: cleared, or a copy of the marks if kept.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<ulong> TakeMarks512(ulong* alloc, ulong* mark, bool keepMarks)
    {
        Vector512<ulong> m = Vector512.Load(mark);
        (keepMarks ? m : Vector512<ulong>.Zero).Store(alloc);
        return m;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Sweep256(ulong* alloc, ulong* mark, int words, bool keepMarks = false)
    {
        if (Avx2.IsSupported && (uint)words <= (uint)Slabs.Slab.BitmapWords) return SweepSlab256(alloc, mark, words, keepMarks);
        int i = 0, pending = 0;
        Vector256<ulong> count = Vector256<ulong>.Zero;
        if (Avx2.IsSupported)
        {
            // As Sweep512: per-byte counts, folded once per 31 vectors.
            Vector256<byte> bytes = Vector256<byte>.Zero;
            for (; i + 4 <= words; i += 4)
            {
                bytes += SweepVector256(alloc + i, mark + i, keepMarks);
                if (++pending == 31)
                {
                    count += Avx2.SumAbsoluteDifferences(bytes, Vector256<byte>.Zero).AsUInt64();
                    bytes = Vector256<byte>.Zero;
                    pending = 0;
                }
            }
            count += Avx2.SumAbsoluteDifferences(bytes, Vector256<byte>.Zero).AsUInt64();
        }
        int live = (int)Vector256.Sum(count);
        return i == words ? live : live + Sweep128(alloc + i, mark + i, words - i, keepMarks);
    }

    /// <summary>
    /// <see cref="Sweep256"/> for a slab's bitmap, at most 16 words: up to four vectors without
    /// a loop, their per-byte counts (at most 32 each) added up before one sum of absolute
    /// differences, then the four lane sums added as two halves; the rest at 128 bits.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int SweepSlab256(ulong* alloc, ulong* mark, int words, bool keepMarks)
    {
        if (words < 4) return Sweep128(alloc, mark, words, keepMarks);
        Vector256<byte> bytes = SweepVector256(alloc, mark, keepMarks);
        if (words >= 8)
        {
            bytes += SweepVector256(alloc + 4, mark + 4, keepMarks);
            if (words >= 12)
            {
                bytes += SweepVector256(alloc + 8, mark + 8, keepMarks);
                if (words == 16) bytes += SweepVector256(alloc + 12, mark + 12, keepMarks);
            }
        }
        Vector256<ulong> lanes = Avx2.SumAbsoluteDifferences(bytes, Vector256<byte>.Zero).AsUInt64();
        Vector128<ulong> halves = lanes.GetLower() + lanes.GetUpper();
        int live = (int)(halves.ToScalar() + halves.GetElement(1));
        int done = words & ~3;
        return done == words ? live : live + Sweep128(alloc + done, mark + done, words - done, keepMarks);
    }

    /// <summary>Sweeps four words: alloc bits cleared, or the marks copied into them if kept; returns the marks' per-byte counts.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<byte> SweepVector256(ulong* alloc, ulong* mark, bool keepMarks)
    {
        Vector256<ulong> m = Vector256.Load(mark);
        (keepMarks ? m : Vector256<ulong>.Zero).Store(alloc);
        return PopCountBytes256(m);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Sweep128(ulong* alloc, ulong* mark, int words, bool keepMarks = false)
    {
        int i = 0, pending = 0;
        Vector128<ulong> count = Vector128<ulong>.Zero;
        if (Ssse3.IsSupported)
        {
            // As Sweep512: per-byte counts, folded once per 31 vectors.
            Vector128<byte> bytes = Vector128<byte>.Zero;
            for (; i + 2 <= words; i += 2)
            {
                bytes += SweepVector128(alloc + i, mark + i, keepMarks);
                if (++pending == 31)
                {
                    count += Sse2.SumAbsoluteDifferences(bytes, Vector128<byte>.Zero).AsUInt64();
                    bytes = Vector128<byte>.Zero;
                    pending = 0;
                }
            }
            count += Sse2.SumAbsoluteDifferences(bytes, Vector128<byte>.Zero).AsUInt64();
        }
        int live = (int)Vector128.Sum(count);
        return i == words ? live : live + SweepScalar(alloc + i, mark + i, words - i, keepMarks);
    }

    /// <summary>Sweeps two words: alloc bits cleared, or the marks copied into them if kept; returns the marks' per-byte counts.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<byte> SweepVector128(ulong* alloc, ulong* mark, bool keepMarks)
    {
        Vector128<ulong> m = Vector128.Load(mark);
        (keepMarks ? m : Vector128<ulong>.Zero).Store(alloc);
        return PopCountBytes128(m);
    }

    /// <summary>
    /// The population count of each byte of <paramref name="v"/> (0 to 8). With AVX-512 VBMI,
    /// two lookups in 64-entry tables (vpermb reads the low six bits of each index byte and
    /// ignores the rest, so no index needs masking): the count of bits 0-5, then, after a
    /// shift, of bits 6-7. Without it the nibble lookup of the narrower widths.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<byte> PopCountBytes512(Vector512<ulong> v)
    {
        Vector512<byte> b = v.AsByte();
        if (Avx512Vbmi.IsSupported)
        {
            // A 16-bit shift by 6 leaves each byte's bits 6-7 in its bits 0-1 and the next
            // byte's bits above them, which the second table does not count.
            Vector512<byte> high = Vector512.ShiftRightLogical(b.AsUInt16(), 6).AsByte();
            return Avx512Vbmi.PermuteVar64x8(Count6, b) + Avx512Vbmi.PermuteVar64x8(Count2, high);
        }
        Vector512<byte> lut = Vector512.Create((byte)0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4,
                                                  0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4,
                                                  0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4,
                                                  0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4);
        Vector512<byte> low = b & Vector512.Create((byte)0x0F);
        Vector512<byte> nibbles = Vector512.ShiftRightLogical(b.AsUInt16(), 4).AsByte() & Vector512.Create((byte)0x0F);
        return Avx512BW.Shuffle(lut, low) + Avx512BW.Shuffle(lut, nibbles);
    }

    /// <summary>
    /// The population counts of each byte of <paramref name="a"/> and of <paramref name="b"/>
    /// added (0 to 16): a slab's two vectors. With VBMI the two vectors' bits 6-7 share one
    /// lookup: a's in bits 0-1 of its index, b's in bits 2-3, taken by a bitwise select from
    /// two shifts; a table that counts bits 0-3 ignores what the shifts brought in above.
    /// Three lookups for two vectors instead of four.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<byte> PopCountBytes512(Vector512<ulong> a, Vector512<ulong> b)
    {
        if (!Avx512Vbmi.IsSupported) return PopCountBytes512(a) + PopCountBytes512(b);
        Vector512<byte> highA = Vector512.ShiftRightLogical(a.AsUInt16(), 6).AsByte();
        Vector512<byte> highB = Vector512.ShiftRightLogical(b.AsUInt16(), 4).AsByte();
        Vector512<byte> high = Vector512.ConditionalSelect(Vector512.Create((byte)0x03), highA, highB);
        return Avx512Vbmi.PermuteVar64x8(Count6, a.AsByte()) + Avx512Vbmi.PermuteVar64x8(Count6, b.AsByte())
             + Avx512Vbmi.PermuteVar64x8(Count4, high);
    }

    /// <summary>Entry i: the population count of i (0 to 63), for bits 0-5 of a byte.</summary>
    private static Vector512<byte> Count6
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Vector512.Create(
        (byte)0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4, 1, 2, 2, 3, 2, 3, 3, 4, 2, 3, 3, 4, 3, 4, 4, 5,
        1, 2, 2, 3, 2, 3, 3, 4, 2, 3, 3, 4, 3, 4, 4, 5, 2, 3, 3, 4, 3, 4, 4, 5, 3, 4, 4, 5, 4, 5, 5, 6);
    }

    /// <summary>Entry i: the population count of bits 0-1 of i.</summary>
    private static Vector512<byte> Count2
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Vector512.Create(
        (byte)0, 1, 1, 2, 0, 1, 1, 2, 0, 1, 1, 2, 0, 1, 1, 2, 0, 1, 1, 2, 0, 1, 1, 2, 0, 1, 1, 2, 0, 1, 1, 2,
        0, 1, 1, 2, 0, 1, 1, 2, 0, 1, 1, 2, 0, 1, 1, 2, 0, 1, 1, 2, 0, 1, 1, 2, 0, 1, 1, 2, 0, 1, 1, 2);
    }

    /// <summary>Entry i: the population count of bits 0-3 of i.</summary>
    private static Vector512<byte> Count4
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Vector512.Create(
        (byte)0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4, 0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4,
        0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4, 0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4);
    }

    /// <summary>The population count of each byte of <paramref name="v"/> (0 to 8).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<byte> PopCountBytes256(Vector256<ulong> v)
    {
        Vector256<byte> lut = Vector256.Create((byte)0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4,
                                                  0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4);
        Vector256<byte> b = v.AsByte();
        Vector256<byte> low = b & Vector256.Create((byte)0x0F);
        Vector256<byte> high = Vector256.ShiftRightLogical(b.AsUInt16(), 4).AsByte() & Vector256.Create((byte)0x0F);
        return Avx2.Shuffle(lut, low) + Avx2.Shuffle(lut, high);
    }

    /// <summary>The population count of each byte of <paramref name="v"/> (0 to 8).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<byte> PopCountBytes128(Vector128<ulong> v)
    {
        Vector128<byte> lut = Vector128.Create((byte)0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4);
        Vector128<byte> b = v.AsByte();
        Vector128<byte> low = b & Vector128.Create((byte)0x0F);
        Vector128<byte> high = Vector128.ShiftRightLogical(b.AsUInt16(), 4).AsByte() & Vector128.Create((byte)0x0F);
        return Ssse3.Shuffle(lut, low) + Ssse3.Shuffle(lut, high);
    }
}
