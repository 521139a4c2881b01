using MassTransit;
using MassTransit.Middleware;
using Microsoft.Extensions.Options;

namespace AccreditationReporting.Ingestion;

public sealed class CourseCompletedConsumerDefinition : ConsumerDefinition<CourseCompletedConsumer>
{
    private readonly IngestionOptions _options;

    public CourseCompletedConsumerDefinition(IOptions<IngestionOptions> options)
    {
        _options = options.Value;

        // Batches only fill if the endpoint hands over enough messages at once.
        Endpoint(endpoint =>
        {
            endpoint.Name = _options.EndpointName;
            endpoint.PrefetchCount = _options.EffectivePrefetchCount;
            endpoint.ConcurrentMessageLimit = _options.MessagesInFlight;
        });
    }

    protected override void ConfigureConsumer(
        IReceiveEndpointConfigurator endpoint,
        IConsumerConfigurator<CourseCompletedConsumer> consumer,
        IRegistrationContext context)
    {
        // Publishers in other languages send plain JSON to this endpoint's own exchange; MassTransit
        // publishers reach the same exchange because CourseCompleted's entity name is set to it.
        endpoint.ConfigureConsumeTopology = false;
        endpoint.AddDeserializer(new CourseCompletedDeserializer(), isDefault: true);

        if (endpoint is IRabbitMqReceiveEndpointConfigurator rabbitMq)
        {
            // On a cluster the queue is replicated: a confirmed message survives the loss of a node.
            if (_options.IsQuorum())
            {
                rabbitMq.SetQuorumQueue();
            }

            rabbitMq.ConfigureChannel(channel => channel.UseFilter(new CoalescedAcknowledgements()));
        }

        // A pipe configured here replaces MassTransit's default one, so the move to <queue>_error or
        // <queue>_skipped that a failed recording falls back on must follow the filter explicitly:
        // without it such a message was acknowledged and lost. No fault event is published: nothing
        // here consumes one. Both queues keep a message for the rejected-payload retention at most
        // (ErrorQueues).
        var unreadable = new UnreadableMessages(context.GetRequiredService<IServiceScopeFactory>());
        endpoint.ConfigureError(error =>
        {
            error.UseFilter(unreadable);
            error.UseFilter(new ErrorTransportFilter());
        });
        endpoint.ConfigureDeadLetter(deadLetter =>
        {
            deadLetter.UseFilter(unreadable);
            deadLetter.UseFilter(new DeadLetterTransportFilter());
        });

        endpoint.UseFilter(new MessageTraces());

        // Only the database's transient faults are worth retrying (a rejected event would fail
        // again); long enough to ride out a database restart or fail-over.
        endpoint.UseMessageRetry(retry =>
        {
            retry.Handle<Exception>(TransientDatabaseErrors.IsTransient);
            retry.Exponential(
                TransientDatabaseErrors.RetryLimit, TransientDatabaseErrors.FirstRetryDelay, TransientDatabaseErrors.MaxRetryDelay, TimeSpan.FromMilliseconds(500));
        });

        consumer.Options<BatchOptions>(batch => batch
            .SetMessageLimit(_options.BatchSize)
            .SetTimeLimit(_options.BatchTimeLimit)
            .SetConcurrencyLimit(_options.ConcurrentBatches));
    }
}
