using System;
using System.Collections.Generic;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace AccreditationReporting.Storage.Migrations
{
    /// <inheritdoc />
    public partial class LearnerProfilesAndRetention : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropPrimaryKey(
                name: "pk_export_lines",
                schema: "accreditation",
                table: "export_lines");

            migrationBuilder.AddColumn<string>(
                name: "learner_id",
                schema: "accreditation",
                table: "rejected_events",
                type: "character varying(128)",
                maxLength: 128,
                nullable: true);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "file_purged_at",
                schema: "accreditation",
                table: "export_batches",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "original_sha256",
                schema: "accreditation",
                table: "export_batches",
                type: "character varying(64)",
                maxLength: 64,
                nullable: true);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "redacted_at",
                schema: "accreditation",
                table: "export_batches",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AlterColumn<long>(
                name: "learner_key",
                schema: "accreditation",
                table: "erasure_requests",
                type: "bigint",
                nullable: true,
                oldClrType: typeof(long),
                oldType: "bigint");

            migrationBuilder.AddColumn<int>(
                name: "rejected_payloads_deleted",
                schema: "accreditation",
                table: "erasure_requests",
                type: "integer",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddPrimaryKey(
                name: "pk_export_lines",
                schema: "accreditation",
                table: "export_lines",
                columns: new[] { "recipient", "completion_id", "action", "batch_id" });

            migrationBuilder.CreateTable(
                name: "audit_purges",
                schema: "accreditation",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityAlwaysColumn),
                    purged_through = table.Column<long>(type: "bigint", nullable: false),
                    last_hash = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    entries = table.Column<int>(type: "integer", nullable: false),
                    older_than = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    purged_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_audit_purges", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "learner_profiles",
                schema: "accreditation",
                columns: table => new
                {
                    learner_key = table.Column<long>(type: "bigint", nullable: false),
                    policy_version = table.Column<string>(type: "character varying(80)", maxLength: 80, nullable: false),
                    first_name = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    last_name = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    birth_month = table.Column<int>(type: "integer", nullable: false),
                    birth_day = table.Column<int>(type: "integer", nullable: false),
                    npi = table.Column<string>(type: "character varying(10)", maxLength: 10, nullable: true),
                    license_state = table.Column<string>(type: "character varying(2)", maxLength: 2, nullable: true),
                    license_id = table.Column<string>(type: "character varying(50)", maxLength: 50, nullable: true),
                    boards = table.Column<string>(type: "jsonb", nullable: false),
                    profile_as_of = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    erased_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_learner_profiles", x => new { x.learner_key, x.policy_version });
                    table.ForeignKey(
                        name: "fk_learner_profiles_learners_learner_key",
                        column: x => x.learner_key,
                        principalSchema: "accreditation",
                        principalTable: "learners",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "profile_revisions",
                schema: "accreditation",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityAlwaysColumn),
                    learner_key = table.Column<long>(type: "bigint", nullable: false),
                    policy_version = table.Column<string>(type: "character varying(80)", maxLength: 80, nullable: false),
                    revised_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    fields = table.Column<List<string>>(type: "text[]", nullable: false),
                    cause = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_profile_revisions", x => x.id);
                    table.ForeignKey(
                        name: "fk_profile_revisions_learners_learner_key",
                        column: x => x.learner_key,
                        principalSchema: "accreditation",
                        principalTable: "learners",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "ix_rejected_events_learner_id",
                schema: "accreditation",
                table: "rejected_events",
                column: "learner_id");

            migrationBuilder.CreateIndex(
                name: "ix_learner_profiles_last_name_birth_month_birth_day",
                schema: "accreditation",
                table: "learner_profiles",
                columns: new[] { "last_name", "birth_month", "birth_day" });

            migrationBuilder.CreateIndex(
                name: "ix_profile_revisions_learner_key_policy_version",
                schema: "accreditation",
                table: "profile_revisions",
                columns: new[] { "learner_key", "policy_version" });

            // Until now a learner had one profile, the newest event's, whatever its policy. Each
            // policy version the learner has completions under gets the names and birth month and day
            // (every event carries them); the identifiers (NPI, licence, boards) go only to the policy
            // of the event the profile came from (the completion that occurred at profile_as_of).
            // Email and birth year are not carried over: nothing reads them.
            migrationBuilder.Sql(
                """
                INSERT INTO accreditation.learner_profiles (learner_key, policy_version, first_name, last_name, birth_month,
                    birth_day, npi, license_state, license_id, boards, profile_as_of, erased_at)
                SELECT l.id, v.policy_version, l.first_name, l.last_name, l.birth_month, l.birth_day,
                    CASE WHEN v.policy_version = source.policy_version THEN l.npi END,
                    CASE WHEN v.policy_version = source.policy_version THEN l.license_state END,
                    CASE WHEN v.policy_version = source.policy_version THEN l.license_id END,
                    CASE WHEN v.policy_version = source.policy_version THEN l.boards ELSE '[]'::jsonb END,
                    l.profile_as_of, l.erased_at
                FROM accreditation.learners l
                JOIN LATERAL (
                    SELECT DISTINCT c.policy_version FROM accreditation.completions c WHERE c.learner_key = l.id) v ON true
                LEFT JOIN LATERAL (
                    SELECT c.policy_version FROM accreditation.completions c
                    WHERE c.learner_key = l.id AND c.occurred_at <= l.profile_as_of
                    ORDER BY c.occurred_at DESC, c.id DESC
                    LIMIT 1) source ON true;
                """);

            // Recipients may hold rows of those other policies' completions with identifiers that
            // were not collected under them: a revision makes their next batches correct those rows.
            migrationBuilder.Sql(
                """
                INSERT INTO accreditation.profile_revisions (learner_key, policy_version, revised_at, fields, cause)
                SELECT p.learner_key, p.policy_version, now(),
                    ARRAY['licensing-state', 'licensing-id-or-npi', 'certifying-board', 'certifying-board-id'], 'migration'
                FROM accreditation.learner_profiles p
                JOIN accreditation.learners l ON l.id = p.learner_key
                WHERE p.npi IS NULL AND p.license_id IS NULL AND p.boards = '[]'::jsonb
                    AND (l.npi IS NOT NULL OR l.license_id IS NOT NULL OR l.boards <> '[]'::jsonb);
                """);

            // What each batch looks for (HeldCompletions) and participation verification finds by.
            migrationBuilder.Sql(
                """
                CREATE INDEX ix_completions_withdrawn ON accreditation.completions (id)
                    WHERE superseded_by IS NOT NULL OR erased_at IS NOT NULL;
                CREATE INDEX ix_learner_profiles_folded_last_name ON accreditation.learner_profiles
                    (lower(last_name COLLATE "und-x-icu"), birth_month, birth_day);
                """);

            // Which transaction wrote a revision, so a batch can tell whether its snapshot saw it;
            // and the snapshot a learner-level batch read its profiles in. EF maps neither.
            migrationBuilder.Sql(
                """
                ALTER TABLE accreditation.profile_revisions ADD COLUMN written_by xid8 NOT NULL DEFAULT pg_current_xact_id();
                ALTER TABLE accreditation.export_batches ADD COLUMN profiles_snapshot pg_snapshot;
                """);

            migrationBuilder.DropColumn(
                name: "birth_day",
                schema: "accreditation",
                table: "learners");

            migrationBuilder.DropColumn(
                name: "birth_month",
                schema: "accreditation",
                table: "learners");

            migrationBuilder.DropColumn(
                name: "birth_year",
                schema: "accreditation",
                table: "learners");

            migrationBuilder.DropColumn(
                name: "boards",
                schema: "accreditation",
                table: "learners");

            migrationBuilder.DropColumn(
                name: "email",
                schema: "accreditation",
                table: "learners");

            migrationBuilder.DropColumn(
                name: "first_name",
                schema: "accreditation",
                table: "learners");

            migrationBuilder.DropColumn(
                name: "last_name",
                schema: "accreditation",
                table: "learners");

            migrationBuilder.DropColumn(
                name: "license_id",
                schema: "accreditation",
                table: "learners");

            migrationBuilder.DropColumn(
                name: "license_state",
                schema: "accreditation",
                table: "learners");

            migrationBuilder.DropColumn(
                name: "npi",
                schema: "accreditation",
                table: "learners");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            // Down recreates the old learner columns empty: profiles are not folded back into one.
            migrationBuilder.Sql(
                """
                ALTER TABLE accreditation.export_batches DROP COLUMN profiles_snapshot;
                DROP INDEX accreditation.ix_completions_withdrawn;
                DROP INDEX accreditation.ix_learner_profiles_folded_last_name;
                """);

            migrationBuilder.DropTable(
                name: "audit_purges",
                schema: "accreditation");

            migrationBuilder.DropTable(
                name: "learner_profiles",
                schema: "accreditation");

            migrationBuilder.DropTable(
                name: "profile_revisions",
                schema: "accreditation");

            migrationBuilder.DropIndex(
                name: "ix_rejected_events_learner_id",
                schema: "accreditation",
                table: "rejected_events");

            migrationBuilder.DropPrimaryKey(
                name: "pk_export_lines",
                schema: "accreditation",
                table: "export_lines");

            migrationBuilder.DropColumn(
                name: "learner_id",
                schema: "accreditation",
                table: "rejected_events");

            migrationBuilder.DropColumn(
                name: "file_purged_at",
                schema: "accreditation",
                table: "export_batches");

            migrationBuilder.DropColumn(
                name: "original_sha256",
                schema: "accreditation",
                table: "export_batches");

            migrationBuilder.DropColumn(
                name: "redacted_at",
                schema: "accreditation",
                table: "export_batches");

            migrationBuilder.DropColumn(
                name: "rejected_payloads_deleted",
                schema: "accreditation",
                table: "erasure_requests");

            migrationBuilder.AddColumn<int>(
                name: "birth_day",
                schema: "accreditation",
                table: "learners",
                type: "integer",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<int>(
                name: "birth_month",
                schema: "accreditation",
                table: "learners",
                type: "integer",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<int>(
                name: "birth_year",
                schema: "accreditation",
                table: "learners",
                type: "integer",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "boards",
                schema: "accreditation",
                table: "learners",
                type: "jsonb",
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<string>(
                name: "email",
                schema: "accreditation",
                table: "learners",
                type: "character varying(320)",
                maxLength: 320,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "first_name",
                schema: "accreditation",
                table: "learners",
                type: "character varying(200)",
                maxLength: 200,
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<string>(
                name: "last_name",
                schema: "accreditation",
                table: "learners",
                type: "character varying(200)",
                maxLength: 200,
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<string>(
                name: "license_id",
                schema: "accreditation",
                table: "learners",
                type: "character varying(50)",
                maxLength: 50,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "license_state",
                schema: "accreditation",
                table: "learners",
                type: "character varying(2)",
                maxLength: 2,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "npi",
                schema: "accreditation",
                table: "learners",
                type: "character varying(10)",
                maxLength: 10,
                nullable: true);

            migrationBuilder.AlterColumn<long>(
                name: "learner_key",
                schema: "accreditation",
                table: "erasure_requests",
                type: "bigint",
                nullable: false,
                defaultValue: 0L,
                oldClrType: typeof(long),
                oldType: "bigint",
                oldNullable: true);

            migrationBuilder.AddPrimaryKey(
                name: "pk_export_lines",
                schema: "accreditation",
                table: "export_lines",
                columns: new[] { "recipient", "completion_id", "action" });
        }
    }
}
