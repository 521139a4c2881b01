using AccreditationReporting.Hosting;
using AccreditationReporting.Ingestion;
using AccreditationReporting.Storage;
using AccreditationReporting.Tests.Fixtures;
using Microsoft.Extensions.Logging.Abstractions;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace AccreditationReporting.Tests.EndToEnd;

/// <summary>
/// A message that can be recorded neither as a completion nor as a rejection goes to MassTransit's
/// error queue, raw event and all. The error queues keep it no longer than a rejected payload is
/// kept (Ingestion:RejectedPayloadRetention): RabbitMQ deletes it after that, read or not.
/// </summary>
public sealed class ErrorQueueTests
{
    [Fact]
    public async Task AMessageMovedToTheErrorQueueExpiresAfterTheRejectedPayloadRetention()
    {
        var retention = TimeSpan.FromSeconds(10);
        await using var service = await ReportingService.StartAsync(settings: new Dictionary<string, string?>
        {
            ["Ingestion:RejectedPayloadRetention"] = retention.ToString(),
        });
        await using var publisher = await RawPublisher.ConnectAsync(service.RabbitMqUri!);
        var errorQueue = $"{service.EndpointName}_error";
        var skippedQueue = $"{service.EndpointName}_skipped";

        // The rejection cannot be recorded (as when the database is down): the message is moved, not dropped.
        await service.Database.ScalarAsync<int>(
            $"REVOKE INSERT ON accreditation.rejected_events FROM {DatabaseRoles.Service}; SELECT 1");
        await publisher.PublishAsync(service.EndpointName, "this is not JSON", "text/plain");
        // A MassTransit envelope of a type nothing here consumes.
        await publisher.PublishAsync(
            service.EndpointName, """{"messageType":["urn:message:Elsewhere:SomethingElse"],"message":{}}""", "application/vnd.masstransit+json");

        // Moved, then deleted by RabbitMQ once the retention is over.
        // Each queue is seen holding its message once, whenever: the two moves and the polls are not in step,
        // and on a loaded machine one message may expire before a poll finds both queues full.
        string[] queues = [errorQueue, skippedQueue];
        var seen = new HashSet<string>();
        await Eventually.TrueAsync(
            async () =>
            {
                foreach (var queue in queues)
                {
                    if (await MessagesInAsync(service.RabbitMqUri!, queue) is > 0 and < uint.MaxValue)
                    {
                        seen.Add(queue);
                    }
                }

                return seen.Count == queues.Length;
            },
            what: "a message in each of the error and skipped queues");
        await Eventually.TrueAsync(
            async () => (await MessagesInAsync(service.RabbitMqUri!, errorQueue), await MessagesInAsync(service.RabbitMqUri!, skippedQueue)) == (0, 0),
            retention * 3,
            "the messages expired");

        foreach (var queue in queues)
        {
            // RabbitMQ accepts a declaration only with the arguments the queue has: exactly this TTL.
            await DeclareAsync(service.RabbitMqUri!, queue, (long)retention.TotalMilliseconds);
            var other = await Assert.ThrowsAsync<OperationInterruptedException>(() => DeclareAsync(service.RabbitMqUri!, queue, null));
            Assert.Equal((ushort?)406, other.ShutdownReason?.ReplyCode);
            Assert.Contains("x-message-ttl", other.ShutdownReason?.ReplyText, StringComparison.Ordinal);
        }

        Assert.Equal(0L, await service.Database.ScalarAsync<long>("SELECT count(*) FROM accreditation.rejected_events"));
    }

    [Fact]
    public async Task AnEmptyErrorQueueDeclaredWithoutTheTtlByAnEarlierVersionIsReplacedAtStart()
    {
        var endpointName = $"course-completed-test-{Guid.NewGuid():N}";
        var amqpUri = await TestRabbitMq.AmqpUriAsync();
        foreach (var queue in ErrorQueues.Of(endpointName))
        {
            await DeclareAsync(amqpUri, queue, null);
        }

        await using var service = await ReportingService.StartAsync(endpointName: endpointName);

        foreach (var queue in ErrorQueues.Of(endpointName))
        {
            await DeclareAsync(amqpUri, queue, ErrorQueues.MessageTtlMilliseconds(TimeSpan.FromDays(30)));
        }
    }

    [Fact]
    public async Task AnErrorQueueWithoutTheTtlThatHoldsMessagesStopsTheStartAndKeepsThem()
    {
        var endpointName = $"course-completed-test-{Guid.NewGuid():N}";
        var amqpUri = await TestRabbitMq.AmqpUriAsync();
        var errorQueue = $"{endpointName}_error";
        await DeclareAsync(amqpUri, errorQueue, null);
        await using (var publisher = await RawPublisher.ConnectAsync(amqpUri))
        {
            await publisher.Channel.BasicPublishAsync(string.Empty, errorQueue, "a faulted event"u8.ToArray());
        }

        await Assert.ThrowsAnyAsync<Exception>(() => ReportingService.StartAsync(endpointName: endpointName));

        // The test host reports a failure of its own; the start-up check says why and what to do.
        var problem = await Assert.ThrowsAsync<StartupProblemException>(() =>
            new IngestionQueueDeclaration(AmqpAddress.Parse(amqpUri, []), new IngestionOptions { EndpointName = endpointName }, NullLogger<IngestionQueueDeclaration>.Instance)
                .StartAsync(CancellationToken.None));
        Assert.Equal(
            $"Not starting: RabbitMQ queue '{errorQueue}' exists with arguments other than a message TTL of 2592000000 ms "
            + "(Ingestion:RejectedPayloadRetention, 30.00:00:00) and holds messages, which may outlive that retention. Replay or remove "
            + "them, delete the queue (rabbitmqctl delete_queue), then start again (meanwhile a policy caps their age: "
            + "deploy/rabbitmq-error-queue-policy.sh); README, 'Error queues'.",
            problem.Message);
        Assert.Equal(1u, await MessagesInAsync(amqpUri, errorQueue));
    }

    [Fact]
    public void TheTtlIsTheRetentionOrRabbitMqsLargestWhenTheRetentionIsLonger()
    {
        Assert.Equal(2_592_000_000L, ErrorQueues.MessageTtlMilliseconds(TimeSpan.FromDays(30)));
        Assert.Equal(4_294_967_295L, ErrorQueues.MessageTtlMilliseconds(TimeSpan.FromDays(60)));
    }

    /// <summary>The queue's ready messages (a passive declaration, on a channel of its own: a failed one closes it).</summary>
    private static async Task<uint> MessagesInAsync(string amqpUri, string queue)
    {
        await using var connection = await new ConnectionFactory { Uri = new Uri(amqpUri) }.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        try
        {
            return (await channel.QueueDeclarePassiveAsync(queue)).MessageCount;
        }
        catch (OperationInterruptedException missing) when (missing.ShutdownReason?.ReplyCode == 404)
        {
            return uint.MaxValue;
        }
    }

    private static async Task DeclareAsync(string amqpUri, string queue, long? messageTtl)
    {
        await using var connection = await new ConnectionFactory { Uri = new Uri(amqpUri) }.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        var arguments = messageTtl is { } ttl ? new Dictionary<string, object?> { ["x-message-ttl"] = ttl } : null;
        await channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false, arguments);
    }
}
