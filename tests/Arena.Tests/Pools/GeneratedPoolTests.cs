using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.ObjectPool;

namespace Arena.Tests.Pools;

/// <summary>
/// The runtime contract of generated pools, through the emitted code under Generated/:
/// T.Pool, the generated reset, and registration for dependency injection.
/// </summary>
public class GeneratedPoolTests
{
    [Fact]
    public void A_pooled_struct_rents_zeroed_objects_from_the_default_heap()
    {
        Assert.Same(Heap.Default, PooledNode.Pool.Heap);
        Ptr<PooledNode> a = PooledNode.Pool.Rent();
        Ptr<PooledNode> b = PooledNode.Pool.Rent();
        a.Value.Value = 7;
        a.Value.Next = b;
        PooledNode.Pool.Return(a);
        Ptr<PooledNode> c = PooledNode.Pool.Rent();
        Assert.Equal(a, c);
        Assert.Equal(0, c.Value.Value);
        Assert.True(c.Value.Next.IsNull);
        PooledNode.Pool.Return(c);
        PooledNode.Pool.Return(b);
        Assert.Throws<ArgumentException>(() => PooledNode.Pool.Return(b));
    }

    [Fact]
    public void The_generated_reset_clears_every_field_except_kept_ones()
    {
        ObjectPool<PooledMessage> asObjectPool = PooledMessage.Pool;   // an ObjectPool<T>, typed as Arena's sealed pool
        Assert.IsType<ArenaObjectPool<PooledMessage>>(asObjectPool);
        PooledMessage m = PooledMessage.Pool.Get();
        m.Text = "hello";
        m.Count = 3;
        m.Stamp = DateTime.UnixEpoch;
        List<int> buffer = m.Buffer;
        buffer.Clear();                                     // kept from any earlier use of the pooled object
        buffer.Add(1);
        PooledMessage.Pool.Return(m);
        PooledMessage again = PooledMessage.Pool.Get();
        Assert.Same(m, again);
        Assert.Null(again.Text);
        Assert.Equal(0, again.Count);
        Assert.Equal(default, again.Stamp);
        Assert.Same(buffer, again.Buffer);                  // [PoolKeep]
        Assert.Equal([1], again.Buffer);
        PooledMessage.Pool.Return(again);
    }

    [Fact]
    public void A_user_OnReset_is_the_whole_reset()
    {
        PooledSession s = PooledSession.Pool.Get();
        int resets = s.Resets;
        s.Id = 9;
        s.Log.Add("opened");
        PooledSession.Pool.Return(s);
        PooledSession again = PooledSession.Pool.Get();
        Assert.Same(s, again);
        Assert.Equal(resets + 1, again.Resets);
        Assert.Empty(again.Log);
        Assert.Equal(9, again.Id);                          // OnReset chose to keep it
        Assert.False(again.IsDisposed);
        PooledSession.Pool.Return(again);
    }

    [Fact]
    public void The_module_initializer_registered_every_generated_pool()
    {
        IReadOnlyList<Type> types = ArenaPools.RegisteredServiceTypes;
        Assert.Contains(typeof(ObjectPool<PooledMessage>), types);
        Assert.Contains(typeof(ObjectPool<PooledSession>), types);
        Assert.Contains(typeof(ArenaPool<PooledNode>), types);
    }

    [Fact]
    public void AddArenaPools_registers_generated_pools_as_singletons()
    {
        using ServiceProvider provider = new ServiceCollection().AddArenaPools().BuildServiceProvider();
        Assert.Same(PooledMessage.Pool, provider.GetRequiredService<ObjectPool<PooledMessage>>());
        Assert.Same(PooledSession.Pool, provider.GetRequiredService<ObjectPool<PooledSession>>());
        Assert.Same(PooledNode.Pool, provider.GetRequiredService<ArenaPool<PooledNode>>());
        using IServiceScope scope = provider.CreateScope();
        Assert.Same(PooledMessage.Pool, scope.ServiceProvider.GetRequiredService<ObjectPool<PooledMessage>>());
    }

    public sealed class HandPooled
    {
        public int Value;
    }

    public sealed class Preregistered
    {
    }

    [Fact]
    public void Hand_registered_pools_are_added_and_earlier_registrations_win()
    {
        var pool = new DefaultObjectPool<HandPooled>(new DefaultPooledObjectPolicy<HandPooled>());
        Assert.Same(pool, ArenaPools.Register<HandPooled>(pool));
        var registered = new DefaultObjectPool<Preregistered>(new DefaultPooledObjectPolicy<Preregistered>());
        var mine = new DefaultObjectPool<Preregistered>(new DefaultPooledObjectPolicy<Preregistered>());
        ArenaPools.Register<Preregistered>(registered);
        var services = new ServiceCollection();
        services.AddSingleton<ObjectPool<Preregistered>>(mine);
        using ServiceProvider provider = services.AddArenaPools().BuildServiceProvider();
        Assert.Same(pool, provider.GetRequiredService<ObjectPool<HandPooled>>());
        Assert.Same(mine, provider.GetRequiredService<ObjectPool<Preregistered>>());
        Assert.Single(provider.GetServices<ObjectPool<Preregistered>>());
    }

    [Fact]
    public void Registering_null_or_adding_to_null_is_refused()
    {
        Assert.Throws<ArgumentNullException>(() => ArenaPools.Register<HandPooled>((ObjectPool<HandPooled>)null!));
        Assert.Throws<ArgumentNullException>(() => ArenaPools.Register<long>((ArenaPool<long>)null!));
        Assert.Throws<ArgumentNullException>(() => ((IServiceCollection)null!).AddArenaPools());
    }
}
