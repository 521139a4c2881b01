using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace AccreditationReporting.Storage.Migrations
{
    /// <inheritdoc />
    public partial class ExportBatches : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "export_batches",
                schema: "accreditation",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityAlwaysColumn),
                    recipient = table.Column<string>(type: "character varying(60)", maxLength: 60, nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    cutoff = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    trigger = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    file_name = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    content_type = table.Column<string>(type: "character varying(60)", maxLength: 60, nullable: false),
                    fields = table.Column<string>(type: "jsonb", nullable: false),
                    headers = table.Column<string>(type: "jsonb", nullable: false),
                    row_count = table.Column<int>(type: "integer", nullable: false),
                    byte_length = table.Column<long>(type: "bigint", nullable: false),
                    sha256 = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    included = table.Column<int>(type: "integer", nullable: false),
                    corrections = table.Column<int>(type: "integer", nullable: false),
                    exclusions = table.Column<string>(type: "jsonb", nullable: false),
                    delivery_status = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    delivery_attempts = table.Column<int>(type: "integer", nullable: false),
                    delivered_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    last_delivery_error = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_export_batches", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "export_accesses",
                schema: "accreditation",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityAlwaysColumn),
                    batch_id = table.Column<long>(type: "bigint", nullable: false),
                    at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    kind = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    actor = table.Column<string>(type: "character varying(300)", maxLength: 300, nullable: false)
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

            migrationBuilder.CreateTable(
                name: "export_file_chunks",
                schema: "accreditation",
                columns: table => new
                {
                    batch_id = table.Column<long>(type: "bigint", nullable: false),
                    chunk_no = table.Column<int>(type: "integer", nullable: false),
                    data = table.Column<byte[]>(type: "bytea", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_export_file_chunks", x => new { x.batch_id, x.chunk_no });
                    table.ForeignKey(
                        name: "fk_export_file_chunks_export_batches_batch_id",
                        column: x => x.batch_id,
                        principalSchema: "accreditation",
                        principalTable: "export_batches",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "export_lines",
                schema: "accreditation",
                columns: table => new
                {
                    recipient = table.Column<string>(type: "character varying(60)", maxLength: 60, nullable: false),
                    completion_id = table.Column<long>(type: "bigint", nullable: false),
                    action = table.Column<string>(type: "character varying(10)", maxLength: 10, nullable: false),
                    batch_id = table.Column<long>(type: "bigint", nullable: false),
                    reason = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: true),
                    first_line = table.Column<int>(type: "integer", nullable: true),
                    line_count = table.Column<int>(type: "integer", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_export_lines", x => new { x.recipient, x.completion_id, x.action });
                    table.ForeignKey(
                        name: "fk_export_lines_completions_completion_id",
                        column: x => x.completion_id,
                        principalSchema: "accreditation",
                        principalTable: "completions",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "fk_export_lines_export_batches_batch_id",
                        column: x => x.batch_id,
                        principalSchema: "accreditation",
                        principalTable: "export_batches",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "export_submissions",
                schema: "accreditation",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityAlwaysColumn),
                    batch_id = table.Column<long>(type: "bigint", nullable: false),
                    submitted_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    method = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    submitted_by = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    outcome = table.Column<string>(type: "character varying(30)", maxLength: 30, nullable: false),
                    recipient_response = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: true),
                    recorded_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_export_submissions", x => x.id);
                    table.ForeignKey(
                        name: "fk_export_submissions_export_batches_batch_id",
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

            migrationBuilder.CreateIndex(
                name: "ix_export_batches_recipient_id",
                schema: "accreditation",
                table: "export_batches",
                columns: new[] { "recipient", "id" });

            migrationBuilder.CreateIndex(
                name: "ix_export_lines_batch_id_first_line",
                schema: "accreditation",
                table: "export_lines",
                columns: new[] { "batch_id", "first_line" });

            migrationBuilder.CreateIndex(
                name: "ix_export_lines_completion_id",
                schema: "accreditation",
                table: "export_lines",
                column: "completion_id");

            migrationBuilder.CreateIndex(
                name: "ix_export_submissions_batch_id",
                schema: "accreditation",
                table: "export_submissions",
                column: "batch_id");

            // Files are text already read once by the hash; compressing 1 MiB chunks costs more time than the space is worth.
            migrationBuilder.Sql("ALTER TABLE accreditation.export_file_chunks ALTER COLUMN data SET STORAGE EXTERNAL");

            // Files are text already read once by the hash; compressing 1 MiB chunks costs more time than the space is worth.
            migrationBuilder.Sql("ALTER TABLE accreditation.export_file_chunks ALTER COLUMN data SET STORAGE EXTERNAL");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "export_accesses",
                schema: "accreditation");

            migrationBuilder.DropTable(
                name: "export_file_chunks",
                schema: "accreditation");

            migrationBuilder.DropTable(
                name: "export_lines",
                schema: "accreditation");

            migrationBuilder.DropTable(
                name: "export_submissions",
                schema: "accreditation");

            migrationBuilder.DropTable(
                name: "export_batches",
                schema: "accreditation");
        }
    }
}
