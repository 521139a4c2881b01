using System;
using System.Collections.Generic;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace AccreditationReporting.Storage.Migrations
{
    /// <inheritdoc />
    public partial class AuditTrail : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // Kept until the migrate step has folded its rows into the trail (LegacyAccesses), then dropped there.
            migrationBuilder.RenameTable(
                name: "export_accesses",
                schema: "accreditation",
                newName: "legacy_export_accesses");

            migrationBuilder.CreateTable(
                name: "audit_events",
                schema: "accreditation",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false),
                    at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    actor_subject = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    actor_name = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                    actor_roles = table.Column<List<string>>(type: "text[]", nullable: false),
                    actor_client = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                    peer = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    action = table.Column<string>(type: "character varying(60)", maxLength: 60, nullable: false),
                    target = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                    outcome = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false),
                    row_count = table.Column<int>(type: "integer", nullable: true),
                    sha256 = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    details = table.Column<string>(type: "jsonb", nullable: false),
                    previous_hash = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    hash = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_audit_events", x => x.id);
                });

            migrationBuilder.CreateIndex(
                name: "ix_audit_events_action_id",
                schema: "accreditation",
                table: "audit_events",
                columns: new[] { "action", "id" });

            migrationBuilder.CreateIndex(
                name: "ix_audit_events_actor_subject_id",
                schema: "accreditation",
                table: "audit_events",
                columns: new[] { "actor_subject", "id" });

            migrationBuilder.CreateIndex(
                name: "ix_audit_events_at",
                schema: "accreditation",
                table: "audit_events",
                column: "at");

            migrationBuilder.CreateIndex(
                name: "ix_audit_events_target_id",
                schema: "accreditation",
                table: "audit_events",
                columns: new[] { "target", "id" });

            // PostgreSQL itself refuses to change the trail, whoever asks: the service's role lacks the
            // privileges, and this trigger stops the owner too. An owner who disables it leaves a
            // broken hash chain that VerifyAuditTrail reports.
            migrationBuilder.Sql(
                """
                CREATE FUNCTION accreditation.refuse_audit_change() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    RAISE EXCEPTION 'the audit trail is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
                END
                $$;
                CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON accreditation.audit_events
                    FOR EACH STATEMENT EXECUTE FUNCTION accreditation.refuse_audit_change();
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP TRIGGER audit_events_append_only ON accreditation.audit_events; DROP FUNCTION accreditation.refuse_audit_change();");
            migrationBuilder.DropTable(
                name: "audit_events",
                schema: "accreditation");

            // Rows already folded into the trail are not put back: the trail is where they are now.
            migrationBuilder.Sql(
                """
                ALTER TABLE IF EXISTS accreditation.legacy_export_accesses RENAME TO export_accesses;
                CREATE TABLE IF NOT EXISTS accreditation.export_accesses (
                    id bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT pk_export_accesses PRIMARY KEY,
                    batch_id bigint NOT NULL CONSTRAINT fk_export_accesses_export_batches_batch_id REFERENCES accreditation.export_batches (id) ON DELETE RESTRICT,
                    at timestamp with time zone NOT NULL,
                    kind character varying(20) NOT NULL,
                    actor character varying(300) NOT NULL);
                CREATE INDEX IF NOT EXISTS ix_export_accesses_batch_id ON accreditation.export_accesses (batch_id);
                """);
        }
    }
}
