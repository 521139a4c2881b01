using AccreditationReporting.Hosting;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace AccreditationReporting.Ingestion;

/// <summary>
/// Declares the ingestion queue and its error queues before the bus starts, and stops the start with
/// one line when RabbitMQ holds them with other arguments than this configuration gives.
/// <list type="bullet">
/// <item>The ingestion queue must be of <c>Ingestion:QueueType</c>. RabbitMQ refuses a declaration of
/// another type (PRECONDITION_FAILED) and cannot change a queue's type in place; MassTransit would retry
/// the declaration forever and never consume.</item>
/// <item>MassTransit declares the error queues only when it first moves a message. Against a queue an
/// earlier version declared without the TTL (or of the other type), every move would fail and the message
/// would be redelivered instead, over and over. Found here, an empty such queue is replaced; one holding
/// messages stops the start, with what to do.</item>
/// </list>
/// </summary>
internal sealed class IngestionQueueDeclaration(AmqpAddress broker, IngestionOptions options, ILogger<IngestionQueueDeclaration> logger)
    : IHostedService
{
    private const ushort PreconditionFailed = 406;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        IConnection connection;
        try
        {
            // Any node will do for declarations (the client picks among them); the bus tries them in order.
            connection = await new ConnectionFactory { Uri = broker.Uri, ClientProvidedName = "accreditation-queue-declaration" }
                .CreateConnectionAsync(broker.Endpoints(), cancellationToken);
        }
        catch (BrokerUnreachableException unreachable)
        {
            // The bus waits for the broker and declares the queues itself on first use.
            logger.LogWarning("Could not check the ingestion queues' arguments: RabbitMQ did not answer ({Error})", unreachable.GetType().Name);
            return;
        }

        await using (connection)
        {
            await DeclareIngestionQueueAsync(connection, cancellationToken);
            var arguments = ErrorQueues.Arguments(options);
            foreach (var queue in ErrorQueues.Of(options.EndpointName))
            {
                if (await TryDeclareAsync(connection, queue, arguments, cancellationToken) is not null)
                {
                    await ReplaceEmptyAsync(connection, queue, arguments, cancellationToken);
                }
            }
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>As MassTransit declares it: a quorum queue carries the type, a classic one no argument.</summary>
    private async Task DeclareIngestionQueueAsync(IConnection connection, CancellationToken cancellationToken)
    {
        var arguments = options.IsQuorum()
            ? new Dictionary<string, object?> { [IngestionQueueTypes.Argument] = IngestionQueueTypes.Quorum }
            : null;
        if (await TryDeclareAsync(connection, options.EndpointName, arguments, cancellationToken) is { } refusal)
        {
            throw new StartupProblemException(
                $"Not starting: RabbitMQ queue '{options.EndpointName}' exists with other arguments than a {options.QueueType} queue " +
                $"({IngestionQueueTypes.Setting}) has ({refusal}). A queue cannot change type in place: drain it, delete it, " +
                "then start again; README, 'Configuration'.");
        }
    }

    /// <summary>
    /// Durable, shared, kept when unused, as MassTransit declares a queue. Null when declared; else
    /// RabbitMQ's reason (it names the argument that differs, never a message).
    /// </summary>
    private static async Task<string?> TryDeclareAsync(
        IConnection connection, string queue, Dictionary<string, object?>? arguments, CancellationToken cancellationToken)
    {
        // A refused declaration closes its channel: one per attempt.
        await using var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken);
        try
        {
            await channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false, arguments, cancellationToken: cancellationToken);
            return null;
        }
        catch (OperationInterruptedException refused) when (refused.ShutdownReason?.ReplyCode == PreconditionFailed)
        {
            return refused.ShutdownReason.ReplyText;
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
                // The queue was declared before with other arguments: without a TTL (an earlier version), with
                // the TTL of another Ingestion:RejectedPayloadRetention, or of the other Ingestion:QueueType.
                throw new StartupProblemException(
                    $"Not starting: RabbitMQ queue '{queue}' exists with arguments other than a message TTL of " +
                    $"{ErrorQueues.MessageTtlMilliseconds(options.RejectedPayloadRetention)} ms (Ingestion:RejectedPayloadRetention, {options.RejectedPayloadRetention}) " +
                    $"{(options.IsQuorum() ? $"on a quorum queue ({IngestionQueueTypes.Setting}) " : "")}and holds messages, " +
                    "which may outlive that retention. Replay or remove them, delete the queue (rabbitmqctl delete_queue), then start again " +
                    "(meanwhile a policy caps their age: deploy/rabbitmq-error-queue-policy.sh); README, 'Error queues'.");
            }
        }

        if (await TryDeclareAsync(connection, queue, arguments, cancellationToken) is { } refusal)
        {
            throw new StartupProblemException($"Not starting: RabbitMQ refused to declare queue '{queue}' with a message TTL ({refusal}).");
        }

        logger.LogInformation("Replaced the empty queue {Queue}, declared with other arguments, with one that keeps a message {Retention} at most", queue, options.RejectedPayloadRetention);
    }
}
