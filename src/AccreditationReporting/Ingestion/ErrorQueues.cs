using MassTransit;

namespace AccreditationReporting.Ingestion;

/// <summary>
/// MassTransit moves a message that reached neither the consumer nor the rejected-events table (the
/// database was down) to <c>&lt;queue&gt;_error</c>, and one no consumer takes to
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

    public static IEnumerable<string> Of(string endpointName) => [$"{endpointName}_error", $"{endpointName}_skipped"];

    /// <summary>
    /// The TTL, and on a cluster the quorum type too: an error queue on one node would be lost with it,
    /// and with it the messages that could be recorded nowhere else.
    /// </summary>
    public static Dictionary<string, object?> Arguments(IngestionOptions options)
    {
        var arguments = new Dictionary<string, object?> { [MessageTtlArgument] = MessageTtlMilliseconds(options.RejectedPayloadRetention) };
        if (options.IsQuorum())
        {
            arguments[IngestionQueueTypes.Argument] = IngestionQueueTypes.Quorum;
        }

        return arguments;
    }

    public static void Configure(IRabbitMqBusFactoryConfigurator bus, IngestionOptions options)
    {
        // A long, not MassTransit's TimeSpan overload: that one casts to int, which 25 days overflow.
        var arguments = Arguments(options);
        bus.SendTopology.ConfigureErrorSettings = error =>
        {
            foreach (var (name, value) in arguments)
            {
                error.SetQueueArgument(name, value);
            }
        };
        bus.SendTopology.ConfigureDeadLetterSettings = skipped =>
        {
            foreach (var (name, value) in arguments)
            {
                skipped.SetQueueArgument(name, value);
            }
        };
    }
}
