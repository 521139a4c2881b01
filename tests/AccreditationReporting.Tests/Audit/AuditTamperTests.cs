using AccreditationReporting.Access;
using AccreditationReporting.Api.V1;
using AccreditationReporting.Tests.Fixtures;
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

        await AsOwnerPastTheTriggerAsync(service, "DELETE FROM accreditation.audit_events WHERE id IN (2, 3)");
        var deleted = await audit.VerifyAuditTrailAsync(new VerifyAuditTrailRequest());
        Assert.False(deleted.Intact);
        Assert.Equal(4, deleted.FirstBrokenId);
        Assert.Contains("missing", deleted.Problem, StringComparison.Ordinal);

        // The verifications themselves are in the trail, after the broken link.
        Assert.Equal(3L, await service.Database.ScalarAsync<long>("SELECT count(*) FROM accreditation.audit_events WHERE action = 'audit.verify'"));
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
