using AccreditationReporting.Access;
using AccreditationReporting.Api.V1;
using AccreditationReporting.Tests.Fixtures;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace AccreditationReporting.Tests.Audit;

/// <summary>An owner who gets past the trigger still cannot change the trail unseen: the chain shows where.</summary>
public sealed class AuditTamperTests
{
    [Fact]
    public async Task AnEntryChangedByTheOwningRoleIsTheFirstBrokenLinkAndADeletedOneLeavesAGap()
    {
        await using var service = await ReportingService.StartAsync(useRabbitMq: false);
        using var channel = service.CreateChannel(StaffRoles.Auditor, StaffRoles.Compliance);
        var exports = new ExportService.ExportServiceClient(channel);
        for (var i = 0; i < 6; i++)
        {
            await exports.ListBatchesAsync(new ListBatchesRequest());
        }

        var audit = new AuditService.AuditServiceClient(channel);
        var intact = await audit.VerifyAuditTrailAsync(new VerifyAuditTrailRequest());
        Assert.True(intact.Intact, intact.Problem);
        Assert.Equal(6, intact.EntriesChecked);
        Assert.Equal(6, intact.HeadId);

        await AsOwnerPastTheTriggerAsync(service, "UPDATE accreditation.audit_events SET target = 'batch:1' WHERE id = 3");
        var edited = await audit.VerifyAuditTrailAsync(new VerifyAuditTrailRequest());
        Assert.False(edited.Intact);
        Assert.Equal(3, edited.FirstBrokenId);
        Assert.Equal(2, edited.EntriesChecked);
        Assert.Contains("changed", edited.Problem, StringComparison.Ordinal);

        // Rewriting the chain to fit needs the service's key, which the database's owner does not have.
        await AsOwnerPastTheTriggerAsync(service, RehashedFrom(service, 3, System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)));
        var rehashed = await audit.VerifyAuditTrailAsync(new VerifyAuditTrailRequest());
        Assert.Equal((false, 3L), (rehashed.Intact, rehashed.FirstBrokenId));

        await AsOwnerPastTheTriggerAsync(service, "DELETE FROM accreditation.audit_events WHERE id IN (2, 3)");
        var deleted = await audit.VerifyAuditTrailAsync(new VerifyAuditTrailRequest());
        Assert.False(deleted.Intact);
        Assert.Equal(4, deleted.FirstBrokenId);
        Assert.Contains("missing", deleted.Problem, StringComparison.Ordinal);

        // The verifications themselves are in the trail, after the broken link.
        Assert.Equal(4L, await service.Database.ScalarAsync<long>("SELECT count(*) FROM accreditation.audit_events WHERE action = 'audit.verify'"));
    }

    /// <summary>UPDATEs that re-link every entry from <paramref name="from"/> on with a key of the tamperer's own.</summary>
    private static string RehashedFrom(ReportingService service, long from, byte[] key)
    {
        using var scope = service.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<AccreditationReporting.Storage.ReportingDbContext>();
        var entries = db.AuditEvents.AsNoTracking().OrderBy(e => e.Id).ToList();
        var previous = entries.Single(e => e.Id == from - 1).Hash;
        var updates = new List<string>();
        foreach (var entry in entries.Where(e => e.Id >= from))
        {
            var hash = AccreditationReporting.Audit.AuditChain.Hash(new AccreditationReporting.Audit.AuditChainKey(key), previous, entry);
            updates.Add($"UPDATE accreditation.audit_events SET previous_hash = '{previous}', hash = '{hash}' WHERE id = {entry.Id}");
            previous = hash;
        }

        return string.Join(";\n", updates);
    }

    private static async Task AsOwnerPastTheTriggerAsync(ReportingService service, string sql)
    {
        await using var connection = new NpgsqlConnection(service.PostgresConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            $"""
            ALTER TABLE accreditation.audit_events DISABLE TRIGGER audit_events_append_only;
            {sql};
            ALTER TABLE accreditation.audit_events ENABLE TRIGGER audit_events_append_only;
            """,
            connection);
        await command.ExecuteNonQueryAsync();
    }
}
