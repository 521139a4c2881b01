using AccreditationReporting.Tests.Fixtures;
using Xunit.Abstractions;

namespace AccreditationReporting.Tests.Faults;

/// <summary>
/// The service is killed with SIGKILL at random moments while events pour in, and started again each
/// time: a batch may be committed but not acknowledged, or acknowledged by nobody, when it dies. The
/// broker hands every unacknowledged message over again; the inbox must store each event once.
/// </summary>
[Collection(FaultCollection.Name)]
public sealed class ServiceKillTests(ITestOutputHelper output)
{
    private const double SliceSeconds = 4;
    private const int Window = 50;

    [Fact]
    public async Task EveryConfirmedEventIsStoredOnceOrRejectedAcrossKillsOfTheService()
    {
        var profile = FaultProfile.Current;
        var report = new FaultReport(output, "kill -9 during ingestion");
        var seed = FaultProfile.Seed();
        report.Line($"seed {seed} ({FaultProfile.SeedVariable}={seed} repeats it), {profile.KillEvents} events, {profile.Kills} kills");
        var random = new Random(seed);
        var messages = FaultEvents.Generate(profile.KillEvents, seed);

        var endpoint = $"course-completed-kill-{Guid.NewGuid():N}";
        var amqpUri = await TestRabbitMq.AmqpUriAsync();
        await using var service = await ServiceProcess.StartAsync(await TestPostgres.CreateDatabaseAsync(), amqpUri, FaultSettings.Ingestion(endpoint), "kill");
        await using var publisher = new ConfirmingPublisher([new Uri(amqpUri)], endpoint, Window);

        // One slice more than kills, each arriving steadily over a few seconds; kill i comes at a random
        // moment of slice i, while events are being received, stored and acknowledged.
        var slices = messages.Chunk((messages.Count + profile.Kills) / (profile.Kills + 1)).ToList();
        for (var slice = 0; slice < slices.Count; slice++)
        {
            var pace = TimeSpan.FromSeconds(SliceSeconds * Window / slices[slice].Length);
            var publishing = publisher.PublishAsync(slices[slice], perWindow: pace);
            if (slice == profile.Kills)
            {
                await publishing;
                break;
            }

            var moment = TimeSpan.FromSeconds(SliceSeconds * (0.1 + (0.8 * random.NextDouble())));
            await Task.Delay(moment);
            service.Kill();
            var settled = await IngestionTally.SettledAsync(service.Database);
            report.Line($"kill {slice + 1}: SIGKILL {moment.TotalSeconds:0.0} s into slice {slice + 1}, with {publisher.ConfirmedCount} messages confirmed and {settled} settled (stored or rejected)");
            await publishing;
            await service.StartAsync();
        }

        await IngestionTally.WaitUntilSettledAsync(service.Database, messages, stall: TimeSpan.FromMinutes(1));
        var tally = await IngestionTally.CountAsync(service.Database, messages, [publisher], service.Log());
        report.Line($"{tally}; kills {service.Kills}, starts {service.Starts}");

        tally.AssertExactlyOnce(messages);
        Assert.True(service.Kills >= profile.Kills, $"{service.Kills} kills");
        Assert.True(tally.Redelivered > 0, $"a redelivery observed: {tally}");
        await FaultSettings.AssertQueuesEmptyAsync(amqpUri, endpoint);
    }
}
