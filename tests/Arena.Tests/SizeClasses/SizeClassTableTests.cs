using Arena.Pages;
using Arena.SizeClasses;

namespace Arena.Tests.SizeClasses;

public class SizeClassTableTests
{
    private static readonly string[][] s_rows = File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "Fixtures", "go-sizeclasses.tsv"))
        .Skip(1).Select(l => l.Split('\t')).ToArray();

    [Fact]
    public void Table_matches_Gos_sizeclasses_exactly()
    {
        Assert.Equal(68, s_rows.Length);                       // class 0 and 67 small classes
        Assert.Equal(SizeClassTable.Count, s_rows.Length);
        for (int c = 1; c < s_rows.Length; c++)
        {
            string[] r = s_rows[c];
            Assert.Equal(c, int.Parse(r[0]));
            Assert.Equal(int.Parse(r[1]), SizeClassTable.ObjectSizes[c]);
            Assert.Equal(int.Parse(r[7]), SizeClassTable.SlabPages[c]);
            Assert.Equal(int.Parse(r[6]), SizeClassTable.MinAlignments[c]);
            int slabBytes = SizeClassTable.SlabPages[c] * PageHeap.PageSize;
            Assert.Equal(int.Parse(r[2]), slabBytes);
            Assert.Equal(int.Parse(r[3]), slabBytes / SizeClassTable.ObjectSizes[c]);
            Assert.Equal(int.Parse(r[4]), slabBytes % SizeClassTable.ObjectSizes[c]);
        }
    }

    [Fact]
    public void Every_size_maps_to_the_smallest_class_that_holds_it()
    {
        for (int size = 1; size <= SizeClassTable.MaxSmallSize; size++)
        {
            int c = SizeClassTable.ForSize(size);
            Assert.True(SizeClassTable.ObjectSizes[c] >= size, $"size {size} → class {c}");
            Assert.True(SizeClassTable.ObjectSizes[c - 1] < size, $"size {size} → class {c} is not the smallest");
        }
    }

    [Fact]
    public void Magic_divide_gives_the_object_index_for_every_offset_of_every_class()
    {
        for (int c = 1; c < SizeClassTable.Count; c++)
        {
            uint size = (uint)SizeClassTable.ObjectSizes[c];
            uint divMul = SizeClassTable.DivMul(c);
            int slabBytes = SizeClassTable.SlabPages[c] * PageHeap.PageSize;
            for (uint off = 0; off < slabBytes; off += 8)
                Assert.Equal(off / size, (uint)((off * (ulong)divMul) >> 32));
        }
    }

    [Theory]
    [InlineData(8, 16, 16)]
    [InlineData(24, 16, 32)]
    [InlineData(100, 64, 128)]
    [InlineData(1, 4096, 4096)]
    [InlineData(5000, 8192, 8192)]
    public void Alignment_picks_a_class_whose_objects_are_all_aligned(int size, int alignment, int expectedSize)
    {
        int c = SizeClassTable.ForSizeAndAlignment(size, alignment);
        Assert.Equal(expectedSize, SizeClassTable.ObjectSizes[c]);
        Assert.Equal(0, SizeClassTable.MinAlignments[c] % alignment);
    }

    [Fact]
    public void Large_sizes_have_no_class() => Assert.Equal(0, SizeClassTable.ForSizeAndAlignment(32769, 8));
}
