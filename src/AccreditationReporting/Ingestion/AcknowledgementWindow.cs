namespace AccreditationReporting.Ingestion;

/// <summary>
/// Which of a channel's deliveries may be acknowledged together. RabbitMQ numbers a channel's
/// deliveries 1, 2, 3, ... and one <c>basic.ack</c> with <c>multiple</c> set acknowledges every
/// delivery up to its tag, so it may only name a tag once every older delivery is settled: done
/// (committed), or already handed back with a <c>basic.nack</c>. Deliveries settle in any order; this
/// keeps the newest tag below which all are settled.
/// </summary>
public sealed class AcknowledgementWindow
{
    private readonly HashSet<ulong> _settledAhead = [];

    /// <summary>Every delivery up to this tag is settled (0: none yet).</summary>
    public ulong SettledUpTo { get; private set; }

    /// <summary>Settled deliveries that still wait for an older one.</summary>
    public int Waiting => _settledAhead.Count;

    /// <returns>Whether <see cref="SettledUpTo"/> moved on.</returns>
    public bool Settle(ulong deliveryTag)
    {
        if (deliveryTag <= SettledUpTo || !_settledAhead.Add(deliveryTag))
        {
            return false;
        }

        var before = SettledUpTo;
        while (_settledAhead.Remove(SettledUpTo + 1))
        {
            SettledUpTo++;
        }

        return SettledUpTo > before;
    }
}
