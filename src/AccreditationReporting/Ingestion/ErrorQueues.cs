using AccreditationReporting.Hosting;
using MassTransit;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

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

    public static void Configure(IRabbitMqBusFactoryConfigurator bus, TimeSpan retention)
    {
        // A long, not MassTransit's TimeSpan overload: that one casts to int, which 25 days overflow.
        var ttl = MessageTtlMilliseconds(retention);
        bus.SendTopology.ConfigureErrorSettings = error => error.SetQueueArgument(MessageTtlArgument, ttl);
        bus.SendTopology.ConfigureDeadLetterSettings = skipped => skipped.SetQueueArgument(MessageTtlArgument, ttl);
    }
}

/// <summary>
/// Declares the endpoint's error queues with their TTL before the bus starts. MassTransit declares
/// them only when it first moves a message, and RabbitMQ refuses a declaration whose arguments differ
/// from the queue's (PRECONDITION_FAILED): against a queue an earlier version declared without the
/// TTL, every move would fail and the message would be redelivered instead, over and over. Found
/// here, an empty such queue is replaced; one holding messages stops the start, with what to do.
/// </summary>
internal sealed class ErrorQueueDeclaration(string amqpUri, string endpointName, TimeSpan retention, ILogger<ErrorQueueDeclaration> logger)
    : IHostedService
{
    private const ushort PreconditionFailed = 406;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!Uri.TryCreate(amqpUri, UriKind.Absolute, out var uri) || uri.Scheme is not ("amqp" or "amqps"))
        {
            // The bus's configuration says what is wrong with it.
            return;
        }

        IConnection connection;
        try
        {
            connection = await new ConnectionFactory { Uri = uri, ClientProvidedName = "accreditation-error-queues" }
                .CreateConnectionAsync(cancellationToken);
        }
        catch (BrokerUnreachableException unreachable)
        {
            // The bus waits for the broker and declares the queues with the TTL itself on first use.
            logger.LogWarning("Could not check the error queues' message TTL: RabbitMQ did not answer ({Error})", unreachable.GetType().Name);
            return;
        }

        await using (connection)
        {
            var arguments = new Dictionary<string, object?> { [ErrorQueues.MessageTtlArgument] = ErrorQueues.MessageTtlMilliseconds(retention) };
            foreach (var queue in ErrorQueues.Of(endpointName))
            {
                if (!await TryDeclareAsync(connection, queue, arguments, cancellationToken))
                {
                    await ReplaceEmptyAsync(connection, queue, arguments, cancellationToken);
                }
            }
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>As MassTransit declares it: durable, shared, kept when unused. False when the queue exists with other arguments.</summary>
    private static async Task<bool> TryDeclareAsync(
        IConnection connection, string queue, Dictionary<string, object?> arguments, CancellationToken cancellationToken)
    {
        // A refused declaration closes its channel: one per attempt.
        await using var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken);
        try
        {
            await channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false, arguments, cancellationToken: cancellationToken);
            return true;
        }
        catch (OperationInterruptedException refused) when (refused.ShutdownReason?.ReplyCode == PreconditionFailed)
        {
            return false;
        }
    }

    private async Task ReplaceEmptyAsync(IConnection connection, string queue, Dictionary<string, object?> arguments, CancellationToken cancellationToken)
    {
        await using (var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken))
        {
            try
            {
                // Only if empty, which RabbitMQ checks as it deletes: nothing in it is lost. MassTransit
                // binds the new queue to its exchange again when it first moves a message.
                await channel.QueueDeleteAsync(queue, ifUnused: false, ifEmpty: true, cancellationToken: cancellationToken);
            }
            catch (OperationInterruptedException notEmpty) when (notEmpty.ShutdownReason?.ReplyCode == PreconditionFailed)
            {
                // The queue was declared before with other arguments: without a TTL (an earlier version), or
                // with the TTL of another Ingestion:RejectedPayloadRetention.
                throw new StartupProblemException(
                    $"Not starting: RabbitMQ queue '{queue}' exists with arguments other than a message TTL of " +
                    $"{ErrorQueues.MessageTtlMilliseconds(retention)} ms (Ingestion:RejectedPayloadRetention, {retention}) and holds messages, " +
                    "which may outlive that retention. Replay or remove them, delete the queue (rabbitmqctl delete_queue), then start again " +
                    "(meanwhile a policy caps their age: deploy/rabbitmq-error-queue-policy.sh); README, 'Error queues'.");
            }
        }

        if (!await TryDeclareAsync(connection, queue, arguments, cancellationToken))
        {
            throw new StartupProblemException($"Not starting: RabbitMQ refused to declare queue '{queue}' with a message TTL.");
        }

        logger.LogInformation("Replaced the empty queue {Queue}, declared without a message TTL, with one that keeps a message {Retention} at most", queue, retention);
    }
}
