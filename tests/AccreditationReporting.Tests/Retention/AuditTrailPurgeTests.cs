using AccreditationReporting.Access;
using AccreditationReporting.Api.V1;
using AccreditationReporting.Audit;
using AccreditationReporting.Retention;
using AccreditationReporting.Storage;
using AccreditationReporting.Tests.Exports;
using AccreditationReporting.Tests.Fixtures;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace AccreditationReporting.Tests.Retention;

/// <summary>
/// Audit entries older than 7 years go, the oldest first; what is kept still verifies from the purge's
/// anchor, and a changed entry or anchor is still found. Only the purge function can delete entries,
/// never one younger than 6 years, and its failure undoes nothing else the run deleted.
/// </summary>
public sealed class AuditTrailPurgeTests
{
    [Fact]
    public async Task EntriesOlderThanSevenYearsGoAndTheKeptChainStillVerifiesAndShowsTampering()
    {
        var now = Purges.TodayAtNoon;
        await using var service = await ReportingService.StartAsync(useRabbitMq: false);
        var sevenYearsAgo = now.AddYears(-7);

        // Written by the service's own append, as they would have been then: three past the 7 years,
        // one a day short of them.
        foreach (var at in new[] { now.AddYears(-8), sevenYearsAgo.AddDays(-2), sevenYearsAgo.AddDays(-1), sevenYearsAgo.AddDays(1) })
        {
            await AppendAsync(service, at);
        }

        using var channel = service.CreateChannel(StaffRoles.Auditor, StaffRoles.Compliance);
        var exports = new ExportService.ExportServiceClient(channel);
        await exports.ListBatchesAsync(new ListBatchesRequest());
        await exports.ListBatchesAsync(new ListBatchesRequest());
        var db = service.Database;
        var hashOf3 = await db.ScalarAsync<string>("SELECT hash FROM accreditation.audit_events WHERE id = 3");

        var run = await Purges.RunAsync(service, new FakeTimeProvider(now));
        Assert.Equal(new AuditTrailPurged(3, hashOf3, 3), run!.AuditTrail);
        Assert.Equal(4L, await db.ScalarAsync<long>("SELECT min(id) FROM accreditation.audit_events"));
        Assert.Equal(
            "3 3 " + hashOf3,
            await db.ScalarAsync<string>("SELECT purged_through || ' ' || entries || ' ' || last_hash FROM accreditation.audit_purges"));

        var audit = new AuditService.AuditServiceClient(channel);
        var verified = await audit.VerifyAuditTrailAsync(new VerifyAuditTrailRequest());
        Assert.True(verified.Intact, verified.Problem);
        Assert.Equal(3, verified.PurgedThrough);
        Assert.Equal(5, verified.EntriesChecked); // 4, the two listings, the purge's entries for batch files and for the trail

        // A changed kept entry is still found, and so is a changed anchor.
        await AsOwnerPastTheTriggersAsync(service, "UPDATE accreditation.audit_events SET target = 'batch:1' WHERE id = 5");
        var edited = await audit.VerifyAuditTrailAsync(new VerifyAuditTrailRequest());
        Assert.Equal((false, 5L), (edited.Intact, edited.FirstBrokenId));
        Assert.Contains("changed", edited.Problem, StringComparison.Ordinal);
        await AsOwnerPastTheTriggersAsync(service, "UPDATE accreditation.audit_events SET target = NULL WHERE id = 5");
        Assert.True((await audit.VerifyAuditTrailAsync(new VerifyAuditTrailRequest())).Intact);

        await AsOwnerPastTheTriggersAsync(service, $"UPDATE accreditation.audit_purges SET last_hash = '{new string('0', 64)}'");
        var anchorChanged = await audit.VerifyAuditTrailAsync(new VerifyAuditTrailRequest());
        Assert.Equal((false, 4L), (anchorChanged.Intact, anchorChanged.FirstBrokenId));
        Assert.Contains("anchor", anchorChanged.Problem, StringComparison.Ordinal);
        await AsOwnerPastTheTriggersAsync(service, $"UPDATE accreditation.audit_purges SET last_hash = '{hashOf3}'");

        // Deleting one more entry and writing an anchor that fits: every hash is readable, but the
        // anchor has no keyed retention.purge entry to back it.
        var hashOf4 = await db.ScalarAsync<string>("SELECT hash FROM accreditation.audit_events WHERE id = 4");
        await AsOwnerPastTheTriggersAsync(
            service,
            $"""
            DELETE FROM accreditation.audit_events WHERE id = 4;
            INSERT INTO accreditation.audit_purges (purged_through, last_hash, entries, older_than, purged_at)
            VALUES (4, '{hashOf4}', 1, now() - interval '7 years', now())
            """);
        var forged = await audit.VerifyAuditTrailAsync(new VerifyAuditTrailRequest());
        Assert.False(forged.Intact);
        Assert.Contains("no retention.purge entry", forged.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OnlyThePurgeFunctionDeletesEntriesAndItKeepsSixYearsWhateverCutOffItIsGiven()
    {
        await using var service = await ReportingService.StartAsync(useRabbitMq: false);
        var now = Purges.TodayAtNoon;
        await AppendAsync(service, now.AddYears(-8));
        await AppendAsync(service, now.AddYears(-5));
        await AppendAsync(service, now);

        var asService = TestPostgres.AsServiceRole(service.PostgresConnectionString);
        foreach (var sql in new[]
        {
            "DELETE FROM accreditation.audit_events WHERE id = 1",
            "INSERT INTO accreditation.audit_purges (purged_through, last_hash, entries, older_than, purged_at) VALUES (1, 'x', 1, now(), now())",
            "UPDATE accreditation.audit_purges SET entries = 0",
        })
        {
            var refused = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(asService, sql));
            Assert.True(refused.SqlState == PostgresErrorCodes.InsufficientPrivilege, $"{sql}: {refused.SqlState}");
        }

        var noCutOff = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(asService, "SELECT * FROM accreditation.purge_audit_trail(NULL)"));
        Assert.Equal(PostgresErrorCodes.InvalidParameterValue, noCutOff.SqlState);

        // The owner is refused by the triggers, on the trail and on its anchors.
        foreach (var sql in new[] { "DELETE FROM accreditation.audit_events WHERE id = 1", "DELETE FROM accreditation.audit_purges" })
        {
            var refused = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(service.PostgresConnectionString, sql));
            Assert.Contains("append-only", refused.MessageText, StringComparison.Ordinal);
        }

        // A cut-off a year back deletes only what is 6 years old by the database's clock, and the
        // anchor records the cut-off used.
        await ExecuteAsync(asService, "SELECT * FROM accreditation.purge_audit_trail(now() - interval '1 year')");
        Assert.Equal(2L, await service.Database.ScalarAsync<long>("SELECT min(id) FROM accreditation.audit_events"));
        Assert.True(await service.Database.ScalarAsync<bool>(
            "SELECT older_than <= now() - interval '6 years' AND older_than > now() - interval '6 years 1 hour' FROM accreditation.audit_purges"));
    }

    [Fact]
    public async Task WithSixYearsOfAuditAServiceClockAheadOfTheDatabasePurgesWhatIsSixYearsOldByTheDatabase()
    {
        await using var service = await ReportingService.StartAsync(
            useRabbitMq: false, settings: new Dictionary<string, string?> { ["Retention:AuditTrailYears"] = "6" });
        var databaseNow = await service.Database.ScalarAsync<DateTime>("SELECT now()");
        var now = new DateTimeOffset(databaseNow, TimeSpan.Zero);
        await AppendAsync(service, now.AddYears(-6).AddDays(-1));
        await AppendAsync(service, now.AddYears(-6).AddHours(1));
        await AppendAsync(service, now);

        // Two hours ahead: the service asks for the second entry too, which is not 6 years old yet.
        var run = await Purges.RunAsync(service, new FakeTimeProvider(now.AddHours(2)));
        Assert.Empty(run!.Failed);
        Assert.Equal((1L, 1), (run.AuditTrail!.PurgedThrough, run.AuditTrail.Entries));
        Assert.Equal(2L, await service.Database.ScalarAsync<long>("SELECT min(id) FROM accreditation.audit_events"));
    }

    [Fact]
    public async Task AFailedAuditTrailPurgeIsRecordedAndUndoesNothingTheRunDeletedBefore()
    {
        await using var service = await ReportingService.StartAsync(useRabbitMq: false);
        var now = Purges.TodayAtNoon;
        var expired = Purges.EndedOn(ExportEvents.Completion(ExportEvents.NewActivity()), DateOnly.FromDateTime(now.UtcDateTime).AddYears(-7));
        await new ExportServiceFixtureOver(service).StoreAsync(expired);
        const string Function = "FUNCTION accreditation.purge_audit_trail(timestamptz)";
        await ExecuteAsync(service.PostgresConnectionString, $"REVOKE EXECUTE ON {Function} FROM {DatabaseRoles.Service}");

        var run = await Purges.RunAsync(service, new FakeTimeProvider(now));
        Assert.Equal([RetentionPurge.AuditTrailPart], run!.Failed);
        Assert.Equal(1, run.Records.Completions);
        Assert.Equal(0L, await service.Database.ScalarAsync<long>("SELECT count(*) FROM accreditation.completions"));
        Assert.Equal(
            ["verification-records ok ", "batch-files ok ", "audit-trail failed 42501"],
            await service.Database.ColumnAsync<string>(
                """
                SELECT (details->>'part') || ' ' || outcome || ' ' || coalesce(details->>'error', '')
                FROM accreditation.audit_events WHERE action = 'retention.purge' ORDER BY id
                """));

        await ExecuteAsync(service.PostgresConnectionString, $"GRANT EXECUTE ON {Function} TO {DatabaseRoles.Service}");
        Assert.Empty((await Purges.RunAsync(service, new FakeTimeProvider(now)))!.Failed);
        var verified = await new AuditService.AuditServiceClient(service.CreateChannel(StaffRoles.Auditor)).VerifyAuditTrailAsync(new VerifyAuditTrailRequest());
        Assert.True(verified.Intact, verified.Problem);
    }

    private static async Task AppendAsync(ReportingService service, DateTimeOffset at)
    {
        await using var connection = new NpgsqlConnection(TestPostgres.AsServiceRole(service.PostgresConnectionString));
        await connection.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await AuditTrail.AppendInTransactionAsync(
            connection,
            new AuditEntry(AccreditationReporting.Audit.AuditActor.Service("test"), AuditActions.BatchList, AuditOutcomes.Ok),
            service.Services.GetRequiredService<AuditChainKey>(),
            at,
            CancellationToken.None);
        await transaction.CommitAsync();
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static Task AsOwnerPastTheTriggersAsync(ReportingService service, string sql) =>
        ExecuteAsync(
            service.PostgresConnectionString,
            $"""
            ALTER TABLE accreditation.audit_events DISABLE TRIGGER audit_events_append_only;
            ALTER TABLE accreditation.audit_purges DISABLE TRIGGER audit_purges_append_only;
            {sql};
            ALTER TABLE accreditation.audit_events ENABLE TRIGGER audit_events_append_only;
            ALTER TABLE accreditation.audit_purges ENABLE TRIGGER audit_purges_append_only;
            """);
}
