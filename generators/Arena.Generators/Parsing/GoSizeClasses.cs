namespace Arena.Generators.Parsing;

/// <summary>
/// Go's size classes (sizeclasses.go), the same table the runtime uses, so the generator can
/// write a type's class as a constant. A test checks that both agree for every size.
/// </summary>
internal static class GoSizeClasses
{
    public const int MaxSmallSize = 32768;

    /// <summary>Bytes per object of each class; class 0 is the large objects.</summary>
    public static readonly int[] ObjectSizes = { 0, 8, 16, 24, 32, 48, 64, 80, 96, 112, 128, 144, 160, 176, 192, 208, 224, 240, 256, 288, 320, 352, 384, 416, 448, 480, 512, 576, 640, 704, 768, 896, 1024, 1152, 1280, 1408, 1536, 1792, 2048, 2304, 2688, 3072, 3200, 3456, 4096, 4864, 5376, 6144, 6528, 6784, 6912, 8192, 9472, 9728, 10240, 10880, 12288, 13568, 14336, 16384, 18432, 19072, 20480, 21760, 24576, 27264, 28672, 32768 };

    /// <summary>Largest power of two dividing every object offset of the class.</summary>
    public static readonly int[] MinAlignments = { 0, 8, 16, 8, 32, 16, 64, 16, 32, 16, 128, 16, 32, 16, 64, 16, 32, 16, 256, 32, 64, 32, 128, 32, 64, 32, 512, 64, 128, 64, 256, 128, 1024, 128, 256, 128, 512, 256, 2048, 256, 128, 1024, 128, 128, 4096, 256, 256, 2048, 128, 128, 256, 8192, 256, 512, 2048, 128, 4096, 256, 2048, 8192, 2048, 128, 4096, 256, 8192, 128, 4096, 8192 };

    /// <summary>
    /// The smallest class holding <paramref name="size"/> bytes at <paramref name="alignment"/>,
    /// or 0 when none does (a large object). Mirrors the runtime's ForSizeAndAlignment.
    /// </summary>
    public static int For(int size, int alignment)
    {
        if (size > MaxSmallSize) return 0;
        if (size < 1) size = 1;
        int c = 1;
        while (ObjectSizes[c] < size) c++;
        while (c < ObjectSizes.Length && MinAlignments[c] < alignment) c++;
        return c < ObjectSizes.Length ? c : 0;
    }
}
