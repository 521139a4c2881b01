using System.Diagnostics;
using AccreditationReporting.Contracts;
using AccreditationReporting.Hosting;
using AccreditationReporting.Privacy;
using MassTransit;
using MassTransit.RabbitMqTransport;
using Microsoft.Extensions.Options;

namespace AccreditationReporting.Ingestion;

/// <summary>
/// Checks and stores CourseCompleted events a batch at a time: one transaction per batch is what
/// lets ingestion keep up with the broker. A rejected event is recorded, not thrown, so it is
/// never retried and never holds up the events around it.
/// </summary>
public sealed class CourseCompletedConsumer(
    CompletionStore store,
    TimeProvider time,
    IOptionsMonitor<EnabledPolicies> policies,
    IOptions<IngestionOptions> options,
    ServiceMetrics metrics,
    ILogger<CourseCompletedConsumer> logger) : IConsumer<Batch<CourseCompleted>>
{
    public async Task Consume(ConsumeContext<Batch<CourseCompleted>> context)
    {
        MessageTraces.Link(context.Message);
        Activity.Current?.SetTag("messaging.batch.message_count", context.Message.Length);
        var receivedAt = time.GetUtcNow();
        var enabled = policies.CurrentValue.Versions;
        var accepted = new List<(ConsumeContext<CourseCompleted> Context, AcceptedCompletion Completion)>(context.Message.Length);
        var rejected = new List<RejectedEvent>();
        foreach (var item in context.Message)
        {
            if (item.ReceiveContext.Body.Length > options.Value.MaxEventBytes)
            {
                rejected.Add(Received(item, receivedAt).RejectAsTooLarge(item.Message.EventId, options.Value.MaxEventBytes));
                logger.LogInformation("Rejected event {EventId}: {Rule}", item.Message.EventId, RuleCodes.TooLarge);
                continue;
            }

            var result = CompletionCheck.Check(item.Message, receivedAt, enabled);
            if (result.Accepted is { } completion)
            {
                accepted.Add((item, completion));
            }
            else
            {
                rejected.Add(Received(item, receivedAt).Reject(item.Message.EventId, result.Rejections, options.Value.RejectedPayloadRetention));

                // Codes and field paths only: the values are personal data.
                logger.LogInformation("Rejected event {EventId}: {Rules}", item.Message.EventId,
                    string.Join(", ", result.Rejections.Select(r => $"{r.Code} at {r.Field}")));
            }
        }

        StoreOutcome outcome;
        try
        {
            outcome = await store.StoreAsync(accepted.ConvertAll(a => a.Completion), rejected, context.CancellationToken);
        }
        catch (Exception exception) when (!TransientDatabaseErrors.IsTransient(exception) && accepted.Count + rejected.Count > 1)
        {
            // One event the database refuses (a bug on our side) must not sink the batch: find it.
            logger.LogError("Storing a batch of {Count} failed ({Error}); storing its events one at a time", context.Message.Length, exception.GetType().Name);
            outcome = await StoreOneAtATimeAsync(accepted, rejected, receivedAt, context.CancellationToken);
        }

        var committedAt = time.GetUtcNow();
        metrics.EventsConsumed(context.Message.Length);
        foreach (var item in context.Message)
        {
            if (PublishedAt(item) is var (publishedAt, from))
            {
                metrics.IngestLag(committedAt - publishedAt, from);
            }
        }

        logger.LogDebug("Batch of {Count}: {Stored} stored, {Duplicates} duplicates, {Rejected} rejected",
            context.Message.Length, outcome.Stored, outcome.Duplicates, outcome.Rejected);

        // The broker hands a message over again after a crash or a lost connection, whether or not its
        // batch had committed: worth a line, which the fault suite reads as its evidence of a redelivery.
        var redelivered = context.Message.Count(item => item.ReceiveContext.Redelivered);
        if (redelivered > 0)
        {
            logger.LogInformation("Redelivered {Redelivered} of a batch of {Count}; {Duplicates} of the batch were stored before",
                redelivered, context.Message.Length, outcome.Duplicates);
        }
    }

    /// <summary>
    /// When the publisher sent the message, where it says: MassTransit's envelope carries it to the
    /// millisecond; a raw JSON publisher may set the AMQP timestamp property (whole seconds). A raw
    /// message's SentTime is no help: MassTransit reads it from the message ID, which only its own
    /// IDs hold.
    /// </summary>
    private static (DateTimeOffset At, string From)? PublishedAt(ConsumeContext item)
    {
        if (item.ReceiveContext.ContentType?.MediaType?.Contains("masstransit", StringComparison.OrdinalIgnoreCase) == true
            && item.SentTime is { } sent)
        {
            return (new DateTimeOffset(DateTime.SpecifyKind(sent, DateTimeKind.Utc)), "sent-time");
        }

        if (item.ReceiveContext is RabbitMqBasicConsumeContext rabbit && rabbit.Properties.IsTimestampPresent())
        {
            return (DateTimeOffset.FromUnixTimeSeconds(rabbit.Properties.Timestamp.UnixTime), "amqp-timestamp");
        }

        return null;
    }

    private async Task<StoreOutcome> StoreOneAtATimeAsync(
        List<(ConsumeContext<CourseCompleted> Context, AcceptedCompletion Completion)> accepted, List<RejectedEvent> rejected,
        DateTimeOffset receivedAt, CancellationToken cancellationToken)
    {
        var total = new StoreOutcome(0, 0, 0);
        foreach (var (item, completion) in accepted)
        {
            try
            {
                total = Add(total, await store.StoreAsync([completion], [], cancellationToken));
            }
            catch (Exception exception) when (!TransientDatabaseErrors.IsTransient(exception))
            {
                var failure = new Rejection(RuleCodes.StorageFailed, "", $"the database refused the event ({StorageError(exception)})");
                logger.LogError("Event {EventId} could not be stored: {Error}", completion.Completion.EventId, failure.Reason);
                total = Add(total, await store.StoreAsync(
                    [], [Received(item, receivedAt).Reject(completion.Completion.EventId, [failure], options.Value.RejectedPayloadRetention)], cancellationToken));
            }
        }

        return rejected.Count == 0 ? total : Add(total, await store.StoreAsync([], rejected, cancellationToken));
    }

    private static StoreOutcome Add(StoreOutcome a, StoreOutcome b) =>
        new(a.Stored + b.Stored, a.Duplicates + b.Duplicates, a.Rejected + b.Rejected);

    /// <summary>The error's kind and SQLSTATE, never its message: PostgreSQL's details quote row values.</summary>
    private static string StorageError(Exception exception) =>
        exception is Npgsql.PostgresException postgres ? $"SQLSTATE {postgres.SqlState}" : exception.GetType().Name;

    private static ReceivedMessage Received(ConsumeContext context, DateTimeOffset receivedAt) =>
        new(context.MessageId, context.ReceiveContext.ContentType?.MediaType, context.ReceiveContext.Body.GetBytes(), receivedAt);
}
