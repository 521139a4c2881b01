using AccreditationReporting.Ingestion;

namespace AccreditationReporting.Tests.Ingestion;

public sealed class AcknowledgementWindowTests
{
    [Fact]
    public void Deliveries_settled_in_order_move_the_window_one_at_a_time()
    {
        var window = new AcknowledgementWindow();

        Assert.True(window.Acknowledge(1));
        Assert.Equal(1UL, window.SettledUpTo);
        Assert.True(window.Acknowledge(2));
        Assert.Equal(2UL, window.SettledUpTo);
    }

    [Fact]
    public void A_delivery_settled_early_waits_until_every_older_one_is_settled()
    {
        var window = new AcknowledgementWindow();

        Assert.False(window.Acknowledge(3));
        Assert.False(window.Acknowledge(2));
        Assert.Equal(0UL, window.SettledUpTo);
        Assert.Equal(2, window.Waiting);

        // The oldest one completes the run: one acknowledgement covers all three.
        Assert.True(window.Acknowledge(1));
        Assert.Equal(3UL, window.SettledUpTo);
        Assert.Equal(0, window.Waiting);
    }

    [Fact]
    public void A_gap_holds_back_only_the_deliveries_after_it()
    {
        var window = new AcknowledgementWindow();

        window.Acknowledge(1);
        window.Acknowledge(2);
        window.Acknowledge(4);

        Assert.Equal(2UL, window.SettledUpTo);
        Assert.Equal(1, window.Waiting);
    }

    [Fact]
    public void Settling_a_delivery_again_changes_nothing()
    {
        var window = new AcknowledgementWindow();
        window.Acknowledge(1);
        window.Acknowledge(3);

        Assert.False(window.Acknowledge(1));
        Assert.False(window.Acknowledge(3));
        Assert.Equal(1UL, window.SettledUpTo);
        Assert.Equal(1, window.Waiting);
    }

    [Fact]
    public void A_batch_settled_in_a_scrambled_order_ends_wholly_settled()
    {
        var window = new AcknowledgementWindow();
        var tags = Enumerable.Range(1, 500).Select(i => (ulong)i).OrderBy(t => (t * 7919) % 503).ToArray();

        var moves = tags.Count(window.Acknowledge);

        Assert.Equal(500UL, window.SettledUpTo);
        Assert.Equal(0, window.Waiting);
        Assert.InRange(moves, 1, 499);
    }

    [Fact]
    public void A_handed_back_delivery_is_never_the_tag_an_acknowledgement_names()
    {
        var window = new AcknowledgementWindow();
        Assert.True(window.Acknowledge(1));

        // Naming 2 in basic.ack after its basic.nack would close the channel: nothing is due.
        Assert.False(window.HandBack(2));
        Assert.Equal(2UL, window.SettledUpTo);
        Assert.Equal(1UL, window.AcknowledgeUpTo);

        // The next acknowledged delivery names itself, and covers everything still unacknowledged below it.
        Assert.True(window.Acknowledge(3));
        Assert.Equal(3UL, window.AcknowledgeUpTo);
    }

    [Fact]
    public void Handing_back_the_oldest_releases_the_acknowledged_ones_after_it()
    {
        var window = new AcknowledgementWindow();
        Assert.False(window.Acknowledge(2));
        Assert.False(window.Acknowledge(3));
        Assert.False(window.HandBack(4));

        Assert.True(window.HandBack(1));
        Assert.Equal(4UL, window.SettledUpTo);
        Assert.Equal(3UL, window.AcknowledgeUpTo);
        Assert.Equal(0, window.Waiting);
    }

    [Fact]
    public void Only_handed_back_deliveries_ask_for_no_acknowledgement()
    {
        var window = new AcknowledgementWindow();

        Assert.False(window.HandBack(1));
        Assert.False(window.HandBack(2));
        Assert.Equal(2UL, window.SettledUpTo);
        Assert.Equal(0UL, window.AcknowledgeUpTo);
    }
}
