using AccreditationReporting.Storage;
using AccreditationReporting.Tests.Fixtures;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Npgsql;

namespace AccreditationReporting.Tests.Privacy;

/// <summary>
/// A database from before profiles were kept per policy: the one profile a learner had goes to the
/// policy of the event it came from; the learner's other policies get names only, and recipients
/// holding rows of those policies' completions are told their identifiers changed.
/// </summary>
public sealed class ProfilesMigrationTests
{
    [Fact]
    public async Task TheOneProfileIsSplitByPolicyAndIdentifiersStayWithTheirOwn()
    {
        var owner = await TestPostgres.CreateDatabaseAsync();
        var options = new DbContextOptionsBuilder<ReportingDbContext>();
        ReportingDbContext.UsePostgres(options, owner);
        await using (var db = new ReportingDbContext(options.Options))
        {
            await db.GetService<Microsoft.EntityFrameworkCore.Migrations.IMigrator>().MigrateAsync("20261130123246_AuditTrail");
        }

        await using (var connection = new NpgsqlConnection(owner))
        {
            await connection.OpenAsync();

            // The learner's newest event came under Mayo Medical Laboratories with an NPI and a licence;
            // an older one under Mayo CME had been sent to PARS with that single profile.
            await using var seed = new NpgsqlCommand(
                """
                INSERT INTO accreditation.learners (id, learner_id, first_name, last_name, email, birth_month, birth_day, birth_year,
                    profession, country, npi, license_state, license_id, boards, profile_as_of)
                OVERRIDING SYSTEM VALUE
                VALUES (1, 'l1', 'Jane', 'Doe', 'jane@example.org', 4, 23, 1979, 'Physician', 'US', '1111111111', 'MN', 'LAB-1',
                    '[{"board":"ABIM","boardId":"LABB"}]', '2026-11-21T10:00:00Z');
                INSERT INTO accreditation.activities (id, activity_id, title, format, start_date, end_date, accme_activity_id,
                    ama_pra_category1_credits, moc_designations, details_as_of)
                OVERRIDING SYSTEM VALUE
                VALUES (1, 'a1', 'A', 'enduring-material', '2026-01-01', '2026-12-31', '202600001', 8, '[]', '2026-11-21T10:00:00Z');
                INSERT INTO accreditation.completions (id, event_id, learner_key, activity_key, completed_on, occurred_at, received_at,
                    policy_version, evaluation_completed, board_reporting_consent, state_board_reporting_consent)
                OVERRIDING SYSTEM VALUE
                VALUES (1, gen_random_uuid(), 1, 1, '2026-11-20', '2026-11-20T10:00:00Z', '2026-11-20T10:01:00Z', 'mayo-cme-2018-06-15', true, true, true),
                    (2, gen_random_uuid(), 1, 1, '2026-11-21', '2026-11-21T10:00:00Z', '2026-11-21T10:01:00Z', 'mayo-medical-laboratories-2014-12-17', true, true, true);
                """,
                connection);
            await seed.ExecuteNonQueryAsync();
        }

        await using var service = await ReportingService.StartAsync(useRabbitMq: false, postgres: owner);

        var profiles = await service.Database.ColumnAsync<string>(
            """
            SELECT policy_version || ' ' || first_name || ' ' || last_name || ' ' || birth_month || '/' || birth_day || ' '
                || coalesce(npi, '-') || ' ' || coalesce(license_id, '-') || ' ' || boards::text
            FROM accreditation.learner_profiles WHERE learner_key = 1 ORDER BY policy_version
            """);
        Assert.Equal(
            [
                "mayo-cme-2018-06-15 Jane Doe 4/23 - - []",
                """mayo-medical-laboratories-2014-12-17 Jane Doe 4/23 1111111111 LAB-1 [{"board": "ABIM", "boardId": "LABB"}]""",
            ],
            profiles);

        // Whatever PARS holds of the Mayo CME completion carried identifiers that policy never collected.
        Assert.Equal(
            ["mayo-cme-2018-06-15 migration licensing-id-or-npi"],
            await service.Database.ColumnAsync<string>(
                "SELECT policy_version || ' ' || cause || ' ' || f FROM accreditation.profile_revisions, unnest(fields) f WHERE learner_key = 1 AND f = 'licensing-id-or-npi'"));
        Assert.Empty(await service.Database.ColumnAsync<string>(
            """
            SELECT column_name FROM information_schema.columns
            WHERE table_schema = 'accreditation' AND table_name = 'learners' AND column_name IN ('email', 'birth_year', 'npi', 'first_name')
            """));
    }
}
