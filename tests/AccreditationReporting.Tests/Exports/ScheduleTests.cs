using AccreditationReporting.Tests.Fixtures;
using static AccreditationReporting.Tests.Exports.ExportEvents;

namespace AccreditationReporting.Tests.Exports;

/// <summary>Cron schedules run batch creation inside the service; with two instances each occurrence runs once.</summary>
public sealed class ScheduleTests
{
    private static readonly Dictionary<string, string?> EverySecond = new() { ["JointProviders:cme-consultants:Schedule"] = "* * * * * *" };

    [Fact]
    public async Task TwoInstancesOnOneScheduleRunEachOccurrenceOnceAndSendEachCompletionOnce()
    {
        await using var first = await ReportingService.StartAsync(useRabbitMq: false, settings: EverySecond);
        await using var second = await ReportingService.StartAsync(useRabbitMq: false, settings: EverySecond, postgres: first.PostgresConnectionString);
        var store = new ExportServiceFixtureOver(first);
        var events = Enumerable.Range(0, 40).Select(_ => Completion(NewActivity())).ToArray();
        await store.StoreAsync(events);

        await Eventually.TrueAsync(
            async () => await first.Database.ScalarAsync<long>(
                "SELECT count(*) FROM accreditation.export_lines WHERE recipient = 'joint-provider/cme-consultants' AND action = 'Add'") == events.Length,
            TimeSpan.FromSeconds(20),
            "every completion sent by a scheduled batch");
        await Task.Delay(TimeSpan.FromSeconds(2.5));

        var triggers = await first.Database.ColumnAsync<string>("SELECT DISTINCT trigger FROM accreditation.export_batches WHERE file_name <> ''");
        Assert.Equal(["schedule"], triggers);
        var claimants = await first.Database.ColumnAsync<long>(
            "SELECT count(*) FROM accreditation.scheduled_runs GROUP BY recipient, occurrence");
        Assert.True(claimants.Count >= 2, "occurrences ran while the instances were up");
        Assert.All(claimants, c => Assert.Equal(1, c));

        // Each scheduled batch is in the audit trail under the schedule, with its file's rows and hash.
        var batches = await first.Database.ColumnAsync<string>(
            "SELECT 'batch:' || id || ' ' || row_count || ' ' || sha256 FROM accreditation.export_batches WHERE file_name <> '' ORDER BY id");
        var audited = await first.Database.ColumnAsync<string>(
            """
            SELECT target || ' ' || row_count || ' ' || sha256 FROM accreditation.audit_events
            WHERE action = 'batch.create' AND actor_subject = 'service:export-schedule' AND details->>'trigger' = 'schedule' ORDER BY id
            """);
        Assert.Equal(batches, audited);

        // Every scheduled batch is linked to its occurrence by the transaction that made it (the one
        // that wrote its audit entry): no batch can commit and leave its occurrence unlinked.
        var linked = await first.Database.ColumnAsync<string>(
            """
            SELECT b.id || ' ' || (r.xmin::text = a.xmin::text)
            FROM accreditation.export_batches b
            JOIN accreditation.scheduled_runs r ON r.batch_id = b.id
            JOIN accreditation.audit_events a ON a.action = 'batch.create' AND a.target = 'batch:' || b.id
            WHERE b.file_name <> '' ORDER BY b.id
            """);
        Assert.Equal(batches.Count, linked.Count);
        Assert.All(linked, l => Assert.EndsWith(" true", l, StringComparison.Ordinal));
    }

    [Fact]
    public async Task AnInvalidScheduleStopsTheStartNamingTheRecipient()
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() => ReportingService.StartAsync(
            useRabbitMq: false, settings: new Dictionary<string, string?> { ["JointProviders:cme-consultants:Schedule"] = "every tuesday" }));
        Assert.Contains("JointProviders:cme-consultants:Schedule is not a cron expression", error.ToString());
    }
}
