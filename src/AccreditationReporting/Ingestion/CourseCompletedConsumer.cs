using AccreditationReporting.Contracts;
using MassTransit;

namespace AccreditationReporting.Ingestion;

public sealed class CourseCompletedConsumer(CompletionStore store, TimeProvider time, ILogger<CourseCompletedConsumer> logger)
    : IConsumer<CourseCompleted>
{
    public async Task Consume(ConsumeContext<CourseCompleted> context)
    {
        var accepted = CompletionCheck.Accept(context.Message, time.GetUtcNow());
        var outcome = await store.StoreAsync(accepted, context.CancellationToken);

        // IDs only: the event's learner fields are personal data.
        logger.LogInformation("Completion event {EventId}: {Outcome}", accepted.Completion.EventId, outcome);
    }
}
