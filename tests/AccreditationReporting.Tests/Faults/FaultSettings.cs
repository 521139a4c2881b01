using AccreditationReporting.Ingestion;
using AccreditationReporting.Tests.Fixtures;
using RabbitMQ.Client;

namespace AccreditationReporting.Tests.Faults;

/// <summary>What the fault scenarios configure on the service process, and what they check on the broker.</summary>
public static class FaultSettings
{
    /// <summary>
    /// The scenario's own endpoint, and the consumer's Information lines (where it reports
    /// redeliveries) in the log; everything else at Warning.
    /// </summary>
    public static Dictionary<string, string?> Ingestion(string endpoint, IReadOnlyDictionary<string, string?>? more = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Ingestion:EndpointName"] = endpoint,
            [$"Logging:LogLevel:{typeof(CourseCompletedConsumer).FullName}"] = "Information",
        };
        foreach (var (key, value) in more ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        return settings;
    }

    /// <summary>Nothing left behind: the queue drained, nothing moved to the error or skipped queue.</summary>
    public static async Task AssertQueuesEmptyAsync(string amqpUri, string endpoint)
    {
        var factory = new ConnectionFactory { Uri = new Uri(amqpUri) };
        await using var connection = await factory.CreateConnectionAsync();
        foreach (var queue in new[] { endpoint }.Concat(ErrorQueues.Of(endpoint)))
        {
            // A failed passive declaration closes its channel: one per queue.
            await using var channel = await connection.CreateChannelAsync();
            var messages = (await channel.QueueDeclarePassiveAsync(queue)).MessageCount;
            Assert.True(messages == 0, $"{messages} messages left in {queue}");
        }
    }
}
