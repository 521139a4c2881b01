using AccreditationReporting.Ingestion;
using AccreditationReporting.Storage;
using AccreditationReporting.Tests.Exports;
using AccreditationReporting.Tests.Fixtures;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using static AccreditationReporting.Tests.Exports.ExportEvents;

namespace AccreditationReporting.Tests.Retention;

/// <summary>After 30 days a rejected message keeps its record, but neither its payload nor the learner it named.</summary>
public sealed class RejectedPayloadRetentionTests
{
    [Fact]
    public async Task ThePayloadAndTheLearnerItNamedGoAfterThirtyDays()
    {
        await using var service = await ReportingService.StartAsync(useRabbitMq: false);
        var rejected = Completion(NewActivity(), change: e => e["assessment"]!["score"] = 250);
        var learnerId = LearnerId(rejected);
        await service.Services.GetRequiredService<IBus>().Publish(rejected.ToMessage());
        const string Kept = "SELECT count(*) FROM accreditation.rejected_events WHERE learner_id = @id AND payload IS NOT NULL";
        await Eventually.TrueAsync(async () => await service.Database.ScalarAsync<long>(Kept, ("id", learnerId)) == 1, null, "rejection recorded");
        var receivedAt = await service.Database.ScalarAsync<DateTime>(
            "SELECT received_at FROM accreditation.rejected_events WHERE learner_id = @id", ("id", learnerId));

        var clock = new FakeTimeProvider(new DateTimeOffset(receivedAt, TimeSpan.Zero).AddDays(30).AddMinutes(-1));
        await using (var scope = service.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<ReportingDbContext>();
            Assert.Equal(0, await RejectedPayloadRetention.PurgeAsync(db, clock.GetUtcNow(), TimeSpan.FromDays(30), default));
        }

        Assert.Equal(1L, await service.Database.ScalarAsync<long>(Kept, ("id", learnerId)));

        // The service's own hourly job, on the test's clock: its next run is past the 30 days.
        using var retention = ActivatorUtilities.CreateInstance<RejectedPayloadRetention>(service.Services, (TimeProvider)clock);
        await retention.StartAsync(CancellationToken.None);
        try
        {
            clock.Advance(TimeSpan.FromHours(1));
            await Eventually.TrueAsync(
                async () => await service.Database.ScalarAsync<long>(
                    "SELECT count(*) FROM accreditation.rejected_events WHERE learner_id = @id OR payload IS NOT NULL", ("id", learnerId)) == 0,
                null,
                "payload and learner ID cleared");
        }
        finally
        {
            await retention.StopAsync(CancellationToken.None);
        }

        // What was wrong with the message stays.
        Assert.Equal(1L, await service.Database.ScalarAsync<long>(
            "SELECT count(*) FROM accreditation.rejected_events WHERE received_at = @at AND rule_code = 'out-of-range'", ("at", receivedAt)));
    }
}
