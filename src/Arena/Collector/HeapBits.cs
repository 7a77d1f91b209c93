// See Collector.cs for the collector's overview.

using System.Numerics;
using System.Runtime.CompilerServices;
using Arena.Pages;

namespace Arena.Collector;

/// <summary>
/// The per-word pointer bitmap of every chunk (Go: heap bits, heapBitsSmall): one bit per
/// 8-byte word, 1 where a traced object holds a pointer. Written when a traced object is
/// allocated, for its whole slot, so bits left by an earlier object of the slot are cleared,
/// those past a smaller object's end included (the scan reads whole slots);
/// read when the collector scans the object. Untraced objects never read or write it.
/// </summary>
internal static unsafe class HeapBits
{
    /// <summary>
    /// Writes the bits of <paramref name="count"/> consecutive elements of
    /// <paramref name="elementWords"/> words each, laid out from <paramref name="address"/>
    /// with <paramref name="map"/> per element, and clears those of the words after them up to
    /// <paramref name="slotWords"/> (the object's slot, when its size class rounds it up): what
    /// an earlier, larger object of the slot wrote there is not this object's and keeps nothing.
    /// The object must lie in one chunk of this process.
    /// </summary>
    public static void Write(nuint address, ReadOnlySpan<ulong> map, int elementWords, nint count, nint slotWords = 0)
    {
        Chunk* chunk = AddressMap.Lookup(address);
        ulong* bits = chunk->PtrBits;
        nuint first = (address - chunk->Base) >> 3;
        nuint words = (nuint)Math.Max((nint)elementWords * count, slotWords);
        if (map.Length == 1 && words <= 64 && count == 1)
        {
            // One word of map, one element: at most two bitmap words change.
            WriteSmall(bits, first, (int)words, map[0]);
            return;
        }
        Clear(bits, first, words);
        for (nint e = 0; e < count; e++)
        {
            nuint at = first + (nuint)(e * elementWords);
            for (int w = 0; w < map.Length; w++)
            {
                ulong m = map[w];
                while (m != 0)
                {
                    int b = BitOperations.TrailingZeroCount(m);
                    m &= m - 1;
                    nuint bit = at + (nuint)(w * 64 + b);
                    bits[bit >> 6] |= 1UL << (int)(bit & 63);
                }
            }
        }
    }

    /// <summary>
    /// Writes the bits of one object whose slot is <paramref name="size"/> bytes at <paramref name="address"/>
    /// in <paramref name="chunk"/> (the slot's words past the object's end are cleared, as the
    /// map has no bit there): the two-word masked write when the map fits one word, the
    /// general loop otherwise. Callers pass <paramref name="oneWordMap"/> from a static readonly
    /// (<see cref="OneWord"/>), which the JIT folds, so the fast path loads no map.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void WriteObject(Chunk* chunk, nuint address, ulong[] map, ulong oneWordMap, int size)
    {
        if (oneWordMap != 0) WriteSmall(chunk->PtrBits, (address - chunk->Base) >> 3, (size + 7) / 8, oneWordMap);
        else Write(address, map, (size + 7) / 8, 1);
    }

    /// <summary>The map as one word when it fits one (an object of at most 64 words), else 0.</summary>
    public static ulong OneWord(ulong[] map, int size) => map.Length == 1 && (size + 7) / 8 <= 64 ? map[0] : 0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void WriteSmall(ulong* bits, nuint first, int words, ulong map)
    {
        ulong range = words == 64 ? ulong.MaxValue : (1UL << words) - 1;
        int shift = (int)(first & 63);
        ulong* w0 = bits + (first >> 6);
        *w0 = (*w0 & ~(range << shift)) | (map << shift);
        if (shift + words > 64)
        {
            ulong* w1 = w0 + 1;
            int back = 64 - shift;
            *w1 = (*w1 & ~(range >> back)) | (map >> back);
        }
    }

    private static void Clear(ulong* bits, nuint first, nuint words)
    {
        nuint end = first + words;
        for (nuint bit = first; bit < end;)
        {
            if ((bit & 63) == 0 && end - bit >= 64)
            {
                bits[bit >> 6] = 0;
                bit += 64;
            }
            else
            {
                bits[bit >> 6] &= ~(1UL << (int)(bit & 63));
                bit++;
            }
        }
    }
}
