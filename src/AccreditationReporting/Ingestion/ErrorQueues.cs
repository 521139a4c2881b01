using MassTransit;

namespace AccreditationReporting.Ingestion;

/// <summary>
/// MassTransit moves a message that reached neither the consumer nor the rejected-events table (the
/// database was down) to <c>&lt;queue&gt;_error</c>, and JSON no consumer takes to
/// <c>&lt;queue&gt;_skipped</c>. Both hold the raw event, personal data, so they keep a message no
/// longer than a rejected payload is kept (<c>Ingestion:RejectedPayloadRetention</c>); RabbitMQ
/// deletes it after that, read or not.
/// </summary>
internal static class ErrorQueues
{
    public const string MessageTtlArgument = "x-message-ttl";

    /// <summary>RabbitMQ's largest message TTL, 2^32 - 1 ms (about 49.7 days).</summary>
    public const long MaxMessageTtlMilliseconds = uint.MaxValue;

    /// <summary>The retention, or RabbitMQ's largest TTL when the retention is longer: never longer than the retention.</summary>
    public static long MessageTtlMilliseconds(TimeSpan retention) => Math.Min((long)retention.TotalMilliseconds, MaxMessageTtlMilliseconds);

    public static void Configure(IRabbitMqBusFactoryConfigurator bus, TimeSpan retention)
    {
        // A long, not MassTransit's TimeSpan overload: that one casts to int, which 25 days overflow.
        var ttl = MessageTtlMilliseconds(retention);
        bus.SendTopology.ConfigureErrorSettings = error => error.SetQueueArgument(MessageTtlArgument, ttl);
        bus.SendTopology.ConfigureDeadLetterSettings = skipped => skipped.SetQueueArgument(MessageTtlArgument, ttl);
    }
}
