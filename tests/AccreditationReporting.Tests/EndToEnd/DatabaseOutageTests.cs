using System.Text;
using AccreditationReporting.Storage;
using AccreditationReporting.Tests.Fixtures;

namespace AccreditationReporting.Tests.EndToEnd;

/// <summary>
/// PostgreSQL goes away for 30 seconds while events keep arriving: MassTransit retries the
/// database's transient faults, and when the database is back every event is stored exactly once.
/// </summary>
public sealed class DatabaseOutageTests
{
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task EveryEventPublishedAcrossA30SecondOutageIsStoredExactlyOnce()
    {
        // A server of its own: this test stops it, which no other test may see.
        await using var postgres = await LocalPostgres.StartAsync();
        await using var service = await ReportingService.StartAsync(postgres: postgres.OwnerConnectionString);
        await using var publisher = await RawPublisher.ConnectAsync(service.RabbitMqUri!);
        var events = Enumerable.Range(0, 900).Select(_ => SampleEvents.Fresh()).ToList();
        byte[] Body(int i) => Encoding.UTF8.GetBytes(events[i].Json.ToJson());

        await publisher.PublishManyAsync(service.EndpointName, Enumerable.Range(0, 300).Select(i => (Body(i), Guid.NewGuid())));
        await service.Database.WaitForStoredAsync(events[0].EventId);

        // The rest trickle in before, during and after the outage, some of them twice.
        var trickle = Task.Run(async () =>
        {
            for (var i = 300; i < events.Count; i++)
            {
                await publisher.PublishAsync(service.EndpointName, Body(i), Guid.NewGuid());
                if (i % 7 == 0)
                {
                    await publisher.PublishAsync(service.EndpointName, Body(i), Guid.NewGuid());
                }

                await Task.Delay(60);
            }
        });
        await Task.Delay(TimeSpan.FromSeconds(3));
        await postgres.StopAsync();
        await Task.Delay(Outage);
        await postgres.RestartAsync();

        // The test's own idle connections (it reads as the owner, not as the service) died with the server.
        Npgsql.NpgsqlConnection.ClearAllPools();
        await trickle;

        await Eventually.TrueAsync(
            async () => await service.Database.ScalarAsync<long>("SELECT count(*) FROM accreditation.processed_events") == events.Count,
            TimeSpan.FromMinutes(3),
            "every event stored after the outage");
        var stored = await service.Database.ColumnAsync<Guid>("SELECT event_id FROM accreditation.completions");
        Assert.Equal(events.Select(e => e.EventId).Order(), stored.Order());
        Assert.Equal(0, await service.Database.ScalarAsync<long>("SELECT count(*) FROM accreditation.rejected_events"));
    }
}
