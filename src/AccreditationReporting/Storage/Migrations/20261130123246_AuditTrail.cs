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
            migrationBuilder.DropTable(
                name: "export_accesses",
                schema: "accreditation");

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

            migrationBuilder.CreateTable(
                name: "export_accesses",
                schema: "accreditation",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityAlwaysColumn),
                    actor = table.Column<string>(type: "character varying(300)", maxLength: 300, nullable: false),
                    at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    batch_id = table.Column<long>(type: "bigint", nullable: false),
                    kind = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_export_accesses", x => x.id);
                    table.ForeignKey(
                        name: "fk_export_accesses_export_batches_batch_id",
                        column: x => x.batch_id,
                        principalSchema: "accreditation",
                        principalTable: "export_batches",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateIndex(
                name: "ix_export_accesses_batch_id",
                schema: "accreditation",
                table: "export_accesses",
                column: "batch_id");
        }
    }
}
