namespace AccreditationReporting.Ingestion;

/// <summary>
/// Which of a channel's deliveries may be acknowledged together. RabbitMQ numbers a channel's
/// deliveries 1, 2, 3, ... and one <c>basic.ack</c> with <c>multiple</c> set acknowledges every
/// delivery up to its tag, so it may only name a tag once every older delivery is settled:
/// acknowledged (committed), or already handed back with a <c>basic.nack</c>. And it must name a
/// delivery that is still the broker's to acknowledge: a handed-back one is not, and naming it closes
/// the channel ("unknown delivery tag"). Deliveries settle in any order.
/// </summary>
public sealed class AcknowledgementWindow
{
    /// <summary>Settled deliveries that still wait for an older one: whether each was acknowledged.</summary>
    private readonly Dictionary<ulong, bool> _settledAhead = [];

    /// <summary>Every delivery up to this tag is settled (0: none yet).</summary>
    public ulong SettledUpTo { get; private set; }

    /// <summary>
    /// The newest acknowledged delivery up to <see cref="SettledUpTo"/>: the tag one <c>basic.ack</c>
    /// with <c>multiple</c> may name for all of them (0: none yet).
    /// </summary>
    public ulong AcknowledgeUpTo { get; private set; }

    /// <summary>Settled deliveries that still wait for an older one.</summary>
    public int Waiting => _settledAhead.Count;

    /// <returns>Whether <see cref="AcknowledgeUpTo"/> moved on: a new acknowledgement is due.</returns>
    public bool Acknowledge(ulong deliveryTag) => Settle(deliveryTag, acknowledged: true);

    /// <returns>Whether <see cref="AcknowledgeUpTo"/> moved on: handing one back can complete a run of acknowledged ones.</returns>
    public bool HandBack(ulong deliveryTag) => Settle(deliveryTag, acknowledged: false);

    private bool Settle(ulong deliveryTag, bool acknowledged)
    {
        if (deliveryTag <= SettledUpTo || !_settledAhead.TryAdd(deliveryTag, acknowledged))
        {
            return false;
        }

        var before = AcknowledgeUpTo;
        while (_settledAhead.Remove(SettledUpTo + 1, out var wasAcknowledged))
        {
            SettledUpTo++;
            if (wasAcknowledged)
            {
                AcknowledgeUpTo = SettledUpTo;
            }
        }

        return AcknowledgeUpTo > before;
    }
}
