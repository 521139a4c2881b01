using AccreditationReporting.Access;
using AccreditationReporting.Api.V1;
using AccreditationReporting.Storage;
using AccreditationReporting.Tests.Fixtures;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Npgsql;

namespace AccreditationReporting.Tests.Audit;

/// <summary>A database from before the audit trail: its recorded accesses end up in the trail, in order, marked as declared.</summary>
public sealed class LegacyAccessesTests
{
    [Fact]
    public async Task AccessesRecordedBeforeTheTrailAreFoldedIntoItAndTheOldTableIsGone()
    {
        var owner = await TestPostgres.CreateDatabaseAsync();
        var options = new DbContextOptionsBuilder<ReportingDbContext>();
        ReportingDbContext.UsePostgres(options, owner);
        await using (var db = new ReportingDbContext(options.Options))
        {
            await db.GetService<Microsoft.EntityFrameworkCore.Migrations.IMigrator>().MigrateAsync("20261122183220_LearnerErasure");
        }

        await using (var connection = new NpgsqlConnection(owner))
        {
            await connection.OpenAsync();
            await using var seed = new NpgsqlCommand(
                """
                INSERT INTO accreditation.export_batches (id, recipient, created_at, cutoff, trigger, file_name, content_type, fields, headers,
                    row_count, byte_length, sha256, included, corrections, exclusions, delivery_status, delivery_attempts)
                OVERRIDING SYSTEM VALUE
                VALUES (7, 'joint-provider', now(), now(), 'on-demand', 'joint-provider-000007.csv', 'text/csv', '[]', '[]', 1, 10, 'ab', 1, 0, '[]', 'NotConfigured', 0);
                INSERT INTO accreditation.export_accesses (batch_id, at, kind, actor) VALUES
                    (7, '2026-11-20T10:00:00Z', 'download', 'compliance-officer-7@ipv4:127.0.0.1:5555'),
                    (7, '2026-11-21T10:00:00Z', 'push', 'delivery to https://recipient.example/inbox');
                """,
                connection);
            await seed.ExecuteNonQueryAsync();
        }

        await using var service = await ReportingService.StartAsync(useRabbitMq: false, postgres: owner);

        var folded = await service.Database.ColumnAsync<string>(
            """
            SELECT id || ' ' || action || ' ' || target || ' ' || outcome || ' ' || actor_subject || ' ' || actor_name || ' ' || (details->>'recorded_at')
            FROM accreditation.audit_events ORDER BY id
            """);
        Assert.Equal(
            [
                "1 batch.download batch:7 recorded-before-audit-trail legacy:declared compliance-officer-7@ipv4:127.0.0.1:5555 2026-11-20T10:00:00.0000000Z",
                "2 delivery.push batch:7 recorded-before-audit-trail legacy:declared delivery to https://recipient.example/inbox 2026-11-21T10:00:00.0000000Z",
            ],
            folded);
        Assert.False(await service.Database.ScalarAsync<bool>("SELECT to_regclass('accreditation.legacy_export_accesses') IS NOT NULL"));
        using var channel = service.CreateChannel(StaffRoles.Auditor);
        var verified = await new AuditService.AuditServiceClient(channel).VerifyAuditTrailAsync(new VerifyAuditTrailRequest());
        Assert.True(verified.Intact, verified.Problem);
        Assert.Equal(2, verified.EntriesChecked);
    }
}
