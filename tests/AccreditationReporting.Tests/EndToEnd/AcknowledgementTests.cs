using System.Text;
using AccreditationReporting.Ingestion;
using AccreditationReporting.Tests.Fixtures;

namespace AccreditationReporting.Tests.EndToEnd;

/// <summary>
/// The service acknowledges its deliveries a run at a time (<see cref="CoalescedAcknowledgements"/>):
/// every one it stored or recorded as rejected must still be acknowledged, and none before.
/// </summary>
public sealed class AcknowledgementTests
{
    [Fact]
    public async Task EveryStoredOrRejectedMessageIsAcknowledgedSoNoneReturnsToTheQueueWhenTheServiceStops()
    {
        var service = await ReportingService.StartAsync();
        await using var publisher = await RawPublisher.ConnectAsync(service.RabbitMqUri!);

        // More than a batch, some twice, and one that is rejected.
        var events = Enumerable.Range(0, 1_234).Select(_ => SampleEvents.Fresh()).ToList();
        await publisher.PublishManyAsync(service.EndpointName, events
            .SelectMany((e, i) => Enumerable.Repeat(Encoding.UTF8.GetBytes(e.Json.ToJson()), i % 10 == 0 ? 2 : 1))
            .Select(body => (body, Guid.NewGuid())));
        var rejected = await publisher.PublishAsync(service.EndpointName, "this is not JSON");

        await Eventually.TrueAsync(
            async () => await service.Database.ScalarAsync<long>("SELECT count(*) FROM accreditation.processed_events") == events.Count,
            TimeSpan.FromSeconds(60),
            "every event stored");
        await service.Database.WaitForRejectionAsync(rejected);

        // A delivery left unacknowledged goes back to the queue when its channel closes with the service.
        await service.DisposeAsync();
        Assert.Equal(0U, (await publisher.Channel.QueueDeclarePassiveAsync(service.EndpointName)).MessageCount);
    }
}
