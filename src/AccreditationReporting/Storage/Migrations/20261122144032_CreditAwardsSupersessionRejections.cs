using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace AccreditationReporting.Storage.Migrations
{
    /// <inheritdoc />
    public partial class CreditAwardsSupersessionRejections : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "superseded_at",
                schema: "accreditation",
                table: "completions",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "superseded_by",
                schema: "accreditation",
                table: "completions",
                type: "bigint",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "half_days",
                schema: "accreditation",
                table: "activities",
                type: "integer",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "credit_awards",
                schema: "accreditation",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityAlwaysColumn),
                    completion_id = table.Column<long>(type: "bigint", nullable: false),
                    credit_type = table.Column<string>(type: "character varying(30)", maxLength: 30, nullable: false),
                    board = table.Column<string>(type: "character varying(50)", maxLength: 50, nullable: true),
                    moc_credit_type = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: true),
                    claimed = table.Column<decimal>(type: "numeric(6,2)", precision: 6, scale: 2, nullable: false),
                    awarded = table.Column<decimal>(type: "numeric(6,2)", precision: 6, scale: 2, nullable: false),
                    not_awarded_reason = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_credit_awards", x => x.id);
                    table.ForeignKey(
                        name: "fk_credit_awards_completions_completion_id",
                        column: x => x.completion_id,
                        principalSchema: "accreditation",
                        principalTable: "completions",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "rejected_events",
                schema: "accreditation",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityAlwaysColumn),
                    event_id = table.Column<Guid>(type: "uuid", nullable: true),
                    message_id = table.Column<Guid>(type: "uuid", nullable: true),
                    received_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    last_received_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    times_received = table.Column<int>(type: "integer", nullable: false),
                    violations = table.Column<string>(type: "jsonb", nullable: false),
                    rule_code = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false),
                    field = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    payload = table.Column<byte[]>(type: "bytea", nullable: true),
                    content_type = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: true),
                    payload_expires_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    payload_digest = table.Column<byte[]>(type: "bytea", nullable: false),
                    status = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    resolved_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    replays = table.Column<int>(type: "integer", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_rejected_events", x => x.id);
                });

            // Claims stored before the award rules existed keep what was claimed; the awards they would
            // earn are unknown (the events are not kept), so they are marked instead of guessed.
            migrationBuilder.Sql(
                """
                INSERT INTO accreditation.credit_awards (completion_id, credit_type, board, moc_credit_type, claimed, awarded, not_awarded_reason)
                SELECT completion_id, credit_type, board, moc_credit_type, amount, 0, 'recorded-before-award-rules'
                FROM accreditation.credit_claims ORDER BY id
                """);

            migrationBuilder.DropTable(
                name: "credit_claims",
                schema: "accreditation");

            migrationBuilder.CreateIndex(
                name: "ix_completions_superseded_by",
                schema: "accreditation",
                table: "completions",
                column: "superseded_by");

            migrationBuilder.CreateIndex(
                name: "ix_credit_awards_completion_id",
                schema: "accreditation",
                table: "credit_awards",
                column: "completion_id");

            migrationBuilder.CreateIndex(
                name: "ix_rejected_events_event_id",
                schema: "accreditation",
                table: "rejected_events",
                column: "event_id");

            migrationBuilder.CreateIndex(
                name: "ix_rejected_events_payload_digest_message_id",
                schema: "accreditation",
                table: "rejected_events",
                columns: new[] { "payload_digest", "message_id" },
                unique: true)
                .Annotation("Npgsql:NullsDistinct", false);

            migrationBuilder.CreateIndex(
                name: "ix_rejected_events_payload_expires_at",
                schema: "accreditation",
                table: "rejected_events",
                column: "payload_expires_at",
                filter: "payload IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "ix_rejected_events_status_id",
                schema: "accreditation",
                table: "rejected_events",
                columns: new[] { "status", "id" });

            migrationBuilder.AddForeignKey(
                name: "fk_completions_completions_superseded_by",
                schema: "accreditation",
                table: "completions",
                column: "superseded_by",
                principalSchema: "accreditation",
                principalTable: "completions",
                principalColumn: "id",
                onDelete: ReferentialAction.Restrict);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropForeignKey(
                name: "fk_completions_completions_superseded_by",
                schema: "accreditation",
                table: "completions");

            migrationBuilder.DropTable(
                name: "credit_awards",
                schema: "accreditation");

            migrationBuilder.DropTable(
                name: "rejected_events",
                schema: "accreditation");

            migrationBuilder.DropIndex(
                name: "ix_completions_superseded_by",
                schema: "accreditation",
                table: "completions");

            migrationBuilder.DropColumn(
                name: "superseded_at",
                schema: "accreditation",
                table: "completions");

            migrationBuilder.DropColumn(
                name: "superseded_by",
                schema: "accreditation",
                table: "completions");

            migrationBuilder.DropColumn(
                name: "half_days",
                schema: "accreditation",
                table: "activities");

            migrationBuilder.CreateTable(
                name: "credit_claims",
                schema: "accreditation",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityAlwaysColumn),
                    amount = table.Column<decimal>(type: "numeric(6,2)", precision: 6, scale: 2, nullable: false),
                    board = table.Column<string>(type: "character varying(50)", maxLength: 50, nullable: true),
                    completion_id = table.Column<long>(type: "bigint", nullable: false),
                    credit_type = table.Column<string>(type: "character varying(30)", maxLength: 30, nullable: false),
                    moc_credit_type = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_credit_claims", x => x.id);
                    table.ForeignKey(
                        name: "fk_credit_claims_completions_completion_id",
                        column: x => x.completion_id,
                        principalSchema: "accreditation",
                        principalTable: "completions",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "ix_credit_claims_completion_id",
                schema: "accreditation",
                table: "credit_claims",
                column: "completion_id");
        }
    }
}
