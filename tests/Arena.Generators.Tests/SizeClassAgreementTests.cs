using Arena.Generators.Parsing;

namespace Arena.Generators.Tests;

/// <summary>The generator's copy of Go's size classes and type ids against the runtime's.</summary>
public class SizeClassAgreementTests
{
    [Fact]
    public void Every_class_has_the_runtime_size()
    {
        Assert.Equal(ArenaLayout.SizeClassCount, GoSizeClasses.ObjectSizes.Length);
        for (int c = 0; c < ArenaLayout.SizeClassCount; c++)
            Assert.Equal(ArenaLayout.ClassSize(c), GoSizeClasses.ObjectSizes[c]);
    }

    [Fact]
    public void Every_size_and_alignment_gets_the_runtime_class()
    {
        for (int alignment = 1; alignment <= 16384; alignment *= 2)
        {
            for (int size = 0; size <= 33000; size++)
            {
                int expected = ArenaLayout.SizeClassFor(size, alignment);
                int actual = GoSizeClasses.For(size, alignment);
                if (expected != actual) Assert.Fail($"size {size}, alignment {alignment}: runtime class {expected}, generator class {actual}");
            }
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("Sample.Node")]
    [InlineData("Ns.Outer.Inner.Leaf")]
    [InlineData("Größe.Ünïcode")]
    public void Type_ids_match_the_runtime(string name) => Assert.Equal(ArenaLayout.TypeIdOf(name), TypeIds.Of(name));
}
