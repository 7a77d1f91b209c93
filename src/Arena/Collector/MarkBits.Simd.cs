// See Collector.cs for the collector's overview.
//
// The sweep kernel, as a width ladder with a scalar twin (dotnet/runtime's BitArray
// does the same): Vector512, then Vector256, then Vector128, then scalar words.
// Each width is tested equal to the scalar reference on random bitmaps, and CI runs
// the tests again with DOTNET_EnableAVX512F=0, DOTNET_EnableAVX2=0 and
// DOTNET_EnableHWIntrinsic=0 so that every path runs on one machine.
//
// What it does to one slab (Go: mspan.sweep with the bitmap swap of design 12800):
//   alloc[i] = mark[i]      objects not marked are free from now on
//   mark[i]  = 0            ready for the next cycle (unless keepMarks: a generational
//                           heap keeps them, sticky, to tell old objects from young)
//   live    += popcount(mark[i])
// Population counts: the nibble lookup with a byte shuffle, per-byte counts added up over
// up to 31 vectors, then a sum of absolute differences (the classic SIMD popcount; .NET
// exposes no VPOPCNTQ intrinsic). A slab's bitmap (at most 16 words) takes the 512-bit path
// without a loop: one or two vectors, whose eight lane sums fit in bytes and add up with one
// more sum of absolute differences instead of a horizontal sum. The 256-bit path does the
// same for up to four vectors.

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
    /// Swaps mark bits into alloc bits for <paramref name="words"/> words, clears the marks
    /// unless <paramref name="keepMarks"/>, returns the live count.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Sweep(ulong* alloc, ulong* mark, int words, bool keepMarks = false) => BestWidth switch
    {
        512 => Sweep512(alloc, mark, words, keepMarks),
        256 => Sweep256(alloc, mark, words, keepMarks),
        128 => Sweep128(alloc, mark, words, keepMarks),
        _ => SweepScalar(alloc, mark, words, keepMarks),
    };

    /// <summary>The reference: one word at a time.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int SweepScalar(ulong* alloc, ulong* mark, int words, bool keepMarks = false)
    {
        int live = 0;
        for (int i = 0; i < words; i++)
        {
            ulong m = mark[i];
            alloc[i] = m;
            if (!keepMarks) mark[i] = 0;
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
        Vector512<byte> bytes = SweepVector512(alloc, mark, keepMarks);
        if (words == 16) bytes += SweepVector512(alloc + 8, mark + 8, keepMarks);
        Vector512<ulong> lanes = Avx512BW.SumAbsoluteDifferences(bytes, Vector512<byte>.Zero).AsUInt64();
        int live = (int)Sse2.SumAbsoluteDifferences(Avx512F.ConvertToVector128Byte(lanes), Vector128<byte>.Zero).AsUInt64().ToScalar();
        int done = words & ~7;
        return done == words ? live : live + Sweep256(alloc + done, mark + done, words - done, keepMarks);
    }

    /// <summary>Sweeps eight words: marks into alloc bits, marks cleared unless kept; returns their per-byte counts.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<byte> SweepVector512(ulong* alloc, ulong* mark, bool keepMarks)
    {
        Vector512<ulong> m = Vector512.Load(mark);
        m.Store(alloc);
        if (!keepMarks) Vector512<ulong>.Zero.Store(mark);
        return PopCountBytes512(m);
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

    /// <summary>Sweeps four words: marks into alloc bits, marks cleared unless kept; returns their per-byte counts.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<byte> SweepVector256(ulong* alloc, ulong* mark, bool keepMarks)
    {
        Vector256<ulong> m = Vector256.Load(mark);
        m.Store(alloc);
        if (!keepMarks) Vector256<ulong>.Zero.Store(mark);
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

    /// <summary>Sweeps two words: marks into alloc bits, marks cleared unless kept; returns their per-byte counts.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<byte> SweepVector128(ulong* alloc, ulong* mark, bool keepMarks)
    {
        Vector128<ulong> m = Vector128.Load(mark);
        m.Store(alloc);
        if (!keepMarks) Vector128<ulong>.Zero.Store(mark);
        return PopCountBytes128(m);
    }

    /// <summary>The population count of each byte of <paramref name="v"/> (0 to 8).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<byte> PopCountBytes512(Vector512<ulong> v)
    {
        Vector512<byte> lut = Vector512.Create((byte)0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4,
                                                  0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4,
                                                  0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4,
                                                  0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4);
        Vector512<byte> b = v.AsByte();
        Vector512<byte> low = b & Vector512.Create((byte)0x0F);
        Vector512<byte> high = Vector512.ShiftRightLogical(b.AsUInt16(), 4).AsByte() & Vector512.Create((byte)0x0F);
        return Avx512BW.Shuffle(lut, low) + Avx512BW.Shuffle(lut, high);
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
