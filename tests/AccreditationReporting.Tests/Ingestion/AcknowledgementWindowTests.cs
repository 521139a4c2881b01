using AccreditationReporting.Ingestion;

namespace AccreditationReporting.Tests.Ingestion;

public sealed class AcknowledgementWindowTests
{
    [Fact]
    public void Deliveries_settled_in_order_move_the_window_one_at_a_time()
    {
        var window = new AcknowledgementWindow();

        Assert.True(window.Settle(1));
        Assert.Equal(1UL, window.SettledUpTo);
        Assert.True(window.Settle(2));
        Assert.Equal(2UL, window.SettledUpTo);
    }

    [Fact]
    public void A_delivery_settled_early_waits_until_every_older_one_is_settled()
    {
        var window = new AcknowledgementWindow();

        Assert.False(window.Settle(3));
        Assert.False(window.Settle(2));
        Assert.Equal(0UL, window.SettledUpTo);
        Assert.Equal(2, window.Waiting);

        // The oldest one completes the run: one acknowledgement covers all three.
        Assert.True(window.Settle(1));
        Assert.Equal(3UL, window.SettledUpTo);
        Assert.Equal(0, window.Waiting);
    }

    [Fact]
    public void A_gap_holds_back_only_the_deliveries_after_it()
    {
        var window = new AcknowledgementWindow();

        window.Settle(1);
        window.Settle(2);
        window.Settle(4);

        Assert.Equal(2UL, window.SettledUpTo);
        Assert.Equal(1, window.Waiting);
    }

    [Fact]
    public void Settling_a_delivery_again_changes_nothing()
    {
        var window = new AcknowledgementWindow();
        window.Settle(1);
        window.Settle(3);

        Assert.False(window.Settle(1));
        Assert.False(window.Settle(3));
        Assert.Equal(1UL, window.SettledUpTo);
        Assert.Equal(1, window.Waiting);
    }

    [Fact]
    public void A_batch_settled_in_a_scrambled_order_ends_wholly_settled()
    {
        var window = new AcknowledgementWindow();
        var tags = Enumerable.Range(1, 500).Select(i => (ulong)i).OrderBy(t => (t * 7919) % 503).ToArray();

        var moves = tags.Count(window.Settle);

        Assert.Equal(500UL, window.SettledUpTo);
        Assert.Equal(0, window.Waiting);
        Assert.InRange(moves, 1, 499);
    }
}
