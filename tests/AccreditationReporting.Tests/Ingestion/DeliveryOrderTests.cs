using AccreditationReporting.Ingestion;

namespace AccreditationReporting.Tests.Ingestion;

public sealed class DeliveryOrderTests
{
    [Fact]
    public async Task A_delivery_processed_early_waits_for_every_older_one()
    {
        var order = Started(1, 2, 3);

        var third = order.OldestAsync(3);
        var second = order.OldestAsync(2);
        Assert.False(third.IsCompleted);
        Assert.False(second.IsCompleted);

        Assert.True(order.OldestAsync(1).IsCompleted);
        order.LetGo(1);
        await second.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.False(third.IsCompleted);

        order.LetGo(2);
        await third.WaitAsync(TimeSpan.FromSeconds(5));
        order.LetGo(3);
        Assert.Equal(0, order.Pending);
    }

    [Fact]
    public async Task A_failed_delivery_let_go_early_does_not_hold_up_the_others()
    {
        var order = Started(5, 6, 7);

        var seventh = order.OldestAsync(7);
        order.LetGo(6); // failed while 5 is still being processed
        Assert.False(seventh.IsCompleted);

        order.LetGo(5);
        await seventh.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Concurrent_deliveries_are_let_go_in_delivery_order()
    {
        var tags = Enumerable.Range(1, 500).Select(i => (ulong)i).ToArray();
        var order = Started(tags);
        var released = new List<ulong>();

        // Processing finishes in a scrambled order, as a batch's messages resume in any order.
        var scrambled = tags.OrderBy(t => (t * 7919) % 503).ToArray();
        await Task.WhenAll(scrambled.Select(tag => Task.Run(async () =>
        {
            await order.OldestAsync(tag);
            lock (released)
            {
                released.Add(tag);
            }

            order.LetGo(tag);
        })));

        Assert.Equal(tags, released);
    }

    private static DeliveryOrder Started(params ulong[] tags)
    {
        var order = new DeliveryOrder();
        foreach (var tag in tags)
        {
            order.Start(tag);
        }

        return order;
    }
}
