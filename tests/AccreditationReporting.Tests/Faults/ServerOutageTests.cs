using System.Diagnostics;
using AccreditationReporting.Storage;
using AccreditationReporting.Tests.Fixtures;
using Xunit.Abstractions;

namespace AccreditationReporting.Tests.Faults;

/// <summary>
/// While events arrive steadily, PostgreSQL is stopped for 30 seconds, and later RabbitMQ is restarted.
/// The service is not restarted: it must ride out the database outage (retrying what it was storing)
/// and reconnect to the broker (which hands back what it had not acknowledged), then store every
/// confirmed event once. Both servers are this scenario's own, since it takes them away.
/// </summary>
[Collection(FaultCollection.Name)]
public sealed class ServerOutageTests(ITestOutputHelper output)
{
    private const string Endpoint = "course-completed";
    private const int Window = 50;

    /// <summary>How long events keep arriving: across both faults, and some time after.</summary>
    private static readonly TimeSpan Arrival = FaultProfile.DatabaseOutage + TimeSpan.FromSeconds(45);

    [Fact]
    public async Task EveryConfirmedEventIsStoredOnceOrRejectedAcrossADatabaseOutageAndABrokerRestartWithoutRestartingTheService()
    {
        var profile = FaultProfile.Current;
        var report = new FaultReport(output, "PostgreSQL stopped, RabbitMQ restarted");
        var seed = FaultProfile.Seed();
        report.Line($"seed {seed}, {profile.OutageEvents} events over {Arrival.TotalSeconds:0} s, database down {FaultProfile.DatabaseOutage.TotalSeconds:0} s");
        var messages = FaultEvents.Generate(profile.OutageEvents, seed);
        var unreadable = FaultEvents.Unreadable(5, seed);

        await using var postgres = await LocalPostgres.StartAsync();
        await using var broker = await RabbitMqNode.StartAsync();
        await using var service = await ServiceProcess.StartAsync(postgres.OwnerConnectionString, broker.AmqpUri, FaultSettings.Ingestion(Endpoint), "outage");
        await using var publisher = new ConfirmingPublisher([new Uri(broker.AmqpUri)], Endpoint, Window);
        var publishing = publisher.PublishAsync(messages, perWindow: Arrival * Window / messages.Count);

        await Task.Delay(TimeSpan.FromSeconds(8));
        var beforeOutage = await IngestionTally.SettledAsync(service.Database);
        await postgres.StopAsync();
        report.Line($"PostgreSQL stopped with {beforeOutage} settled and {publisher.ConfirmedCount} confirmed");

        // Besides whatever the random stream holds: bodies that are not JSON, recorded on a path of their own.
        var stopped = Stopwatch.StartNew();
        await using var outagePublisher = new ConfirmingPublisher([new Uri(broker.AmqpUri)], Endpoint);
        await outagePublisher.PublishAsync(unreadable);
        await Task.Delay(FaultProfile.DatabaseOutage - stopped.Elapsed);
        await postgres.RestartAsync();

        // The test's own pooled connections died with the server; the service's are its own business.
        Npgsql.NpgsqlConnection.ClearAllPools();
        var storingAgain = await ProgressAsync(service, beforeOutage);
        report.Line($"PostgreSQL back after {FaultProfile.DatabaseOutage.TotalSeconds:0} s; the service stored again {storingAgain.TotalSeconds:0.0} s later");

        await Task.Delay(TimeSpan.FromSeconds(5));
        var beforeRestart = await IngestionTally.SettledAsync(service.Database);
        var down = Stopwatch.StartNew();
        await broker.StopAsync();
        await Task.Delay(TimeSpan.FromSeconds(3));
        await broker.StartAgainAsync();
        var downFor = down.Elapsed;
        var consumingAgain = await ProgressAsync(service, await IngestionTally.SettledAsync(service.Database));
        report.Line($"RabbitMQ stopped with {beforeRestart} settled, accepting again after {downFor.TotalSeconds:0.0} s; " +
            $"the service consumed again {consumingAgain.TotalSeconds:0.0} s later");

        await publishing;
        IReadOnlyList<FaultMessage> all = [.. messages, .. unreadable];
        await IngestionTally.WaitUntilSettledAsync(service.Database, all, stall: TimeSpan.FromMinutes(1));
        var tally = await IngestionTally.CountAsync(service.Database, all, [publisher, outagePublisher], service.Log());
        report.Line($"{tally}; publisher reconnects {publisher.Reconnects}, service starts {service.Starts}");

        tally.AssertExactlyOnce(all);
        Assert.True(service.IsRunning && service.Starts == 1, $"the service recovered by itself, without a restart\n{service.Tail()}");
        await FaultSettings.AssertQueuesEmptyAsync(broker.AmqpUri, Endpoint);
    }

    /// <summary>How long until the service settles more than <paramref name="settled"/> rows.</summary>
    private static async Task<TimeSpan> ProgressAsync(ServiceProcess service, long settled)
    {
        var waited = Stopwatch.StartNew();
        await Eventually.TrueAsync(
            async () => await IngestionTally.SettledAsync(service.Database) > settled, TimeSpan.FromMinutes(3), $"more than {settled} settled\n{service.Tail()}");
        return waited.Elapsed;
    }
}
