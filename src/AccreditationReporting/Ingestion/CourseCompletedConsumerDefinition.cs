using MassTransit;

namespace AccreditationReporting.Ingestion;

public sealed class CourseCompletedConsumerDefinition : ConsumerDefinition<CourseCompletedConsumer>
{
    /// <summary>The queue and exchange name; <c>Ingestion:EndpointName</c> overrides it.</summary>
    public const string DefaultEndpointName = "course-completed";

    public CourseCompletedConsumerDefinition()
    {
        ConcurrentMessageLimit = 8;
    }

    protected override void ConfigureConsumer(
        IReceiveEndpointConfigurator endpoint,
        IConsumerConfigurator<CourseCompletedConsumer> consumer,
        IRegistrationContext context)
    {
        // Publishers in other languages send plain JSON to this endpoint's own exchange; MassTransit
        // publishers reach the same exchange because CourseCompleted's entity name is set to it.
        endpoint.ConfigureConsumeTopology = false;
        endpoint.UseRawJsonDeserializer(RawSerializerOptions.AnyMessageType, isDefault: true);

        // Only the database's transient faults are worth retrying; a rejected event would fail again.
        endpoint.UseMessageRetry(retry =>
        {
            retry.Handle<Exception>(TransientDatabaseErrors.IsTransient);
            retry.Exponential(8, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(200));
        });
    }
}
