using Arena.Pools;

namespace Arena.Tests.Pools;

/// <summary>A pool's shared overflow split into one ring per shard: capacity, own ring first, stealing.</summary>
public class SharedRingsTests
{
    [Theory]
    [InlineData(2, 4, 1)]       // a ring holds at least 2: one ring
    [InlineData(4, 4, 2)]
    [InlineData(64, 4, 4)]
    [InlineData(1024, 16, 16)]
    public void The_rings_together_hold_exactly_the_capacity(int capacity, int shards, int rings)
    {
        var r = new SharedRings<int>(capacity, shards);
        Assert.Equal(rings, r.Shards);
        Assert.Equal(capacity, r.Capacity);
        int pushed = 0;
        while (r.TryPushAny(pushed + 1, 0)) pushed++;
        Assert.Equal(capacity, pushed);
        Assert.Equal(capacity, r.Count);
    }

    [Fact]
    public void A_push_goes_to_its_own_ring_and_a_pop_takes_from_its_own_ring_first()
    {
        var r = new SharedRings<int>(16, 4);              // four rings of 4
        for (int i = 0; i < 4; i++) Assert.True(r.Own(1).TryPush(10 + i));
        Assert.False(r.Own(1).TryPush(99));            // shard 1's ring is full ...
        Assert.True(r.Own(2).TryPush(20));             // ... shard 2's is not
        Assert.Equal(4, r.Own(1).Count);
        Assert.Equal(1, r.Own(2).Count);
        Assert.True(r.TryPop(out int a, shard: 2));
        Assert.Equal(20, a);                              // its own ring's, not the fuller one's
        Assert.True(r.TryPop(out int b, shard: 2));
        Assert.Equal(10, b);                              // then stolen, oldest first
        Assert.True(r.Own(5) == r.Own(1), "shards wrap round");
    }

    [Fact]
    public void WithItems_finds_a_ring_that_has_items_or_gives_the_own_empty_one()
    {
        var r = new SharedRings<int>(16, 4);
        Assert.True(r.WithItems(3) == r.Own(3));
        r.Own(1).TryPush(7);
        SharedRing<int> found = r.WithItems(3);
        Assert.True(found == r.Own(1));
        Assert.True(found.TryPop(out int x));
        Assert.Equal(7, x);
        Assert.False(r.TryPop(out _, shard: 0));
    }
}
