using AccreditationReporting.Access;
using AccreditationReporting.Api.V1;
using AccreditationReporting.Audit;
using AccreditationReporting.Tests.Fixtures;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace AccreditationReporting.Tests.Retention;

/// <summary>
/// Audit entries older than 7 years go, the oldest first; what is kept still verifies from the purge's
/// anchor, and a changed entry or anchor is still found. Only the purge function can delete entries.
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
        Assert.Equal(new AccreditationReporting.Retention.AuditTrailPurged(3, hashOf3, 3), run!.AuditTrail);
        Assert.Equal(4L, await db.ScalarAsync<long>("SELECT min(id) FROM accreditation.audit_events"));
        Assert.Equal(
            "3 3 " + hashOf3,
            await db.ScalarAsync<string>("SELECT purged_through || ' ' || entries || ' ' || last_hash FROM accreditation.audit_purges"));

        var audit = new AuditService.AuditServiceClient(channel);
        var verified = await audit.VerifyAuditTrailAsync(new VerifyAuditTrailRequest());
        Assert.True(verified.Intact, verified.Problem);
        Assert.Equal(3, verified.PurgedThrough);
        Assert.Equal(4, verified.EntriesChecked); // 4, the two listings, the purge's own entry

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
    public async Task OnlyThePurgeFunctionDeletesEntriesAndItKeepsSixYears()
    {
        await using var service = await ReportingService.StartAsync(useRabbitMq: false);
        var now = Purges.TodayAtNoon;
        await AppendAsync(service, now.AddYears(-8));
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

        var tooRecent = await Assert.ThrowsAsync<PostgresException>(
            () => ExecuteAsync(asService, "SELECT * FROM accreditation.purge_audit_trail(now() - interval '6 years' + interval '1 day')"));
        Assert.Equal(PostgresErrorCodes.InvalidParameterValue, tooRecent.SqlState);

        // The owner is refused by the triggers, on the trail and on its anchors.
        foreach (var sql in new[] { "DELETE FROM accreditation.audit_events WHERE id = 1", "DELETE FROM accreditation.audit_purges" })
        {
            var refused = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(service.PostgresConnectionString, sql));
            Assert.Contains("append-only", refused.MessageText, StringComparison.Ordinal);
        }

        await ExecuteAsync(asService, "SELECT * FROM accreditation.purge_audit_trail(now() - interval '7 years')");
        Assert.Equal(2L, await service.Database.ScalarAsync<long>("SELECT min(id) FROM accreditation.audit_events"));
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
