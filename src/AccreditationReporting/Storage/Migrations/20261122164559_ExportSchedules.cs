using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace AccreditationReporting.Storage.Migrations
{
    /// <inheritdoc />
    public partial class ExportSchedules : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "scheduled_runs",
                schema: "accreditation",
                columns: table => new
                {
                    recipient = table.Column<string>(type: "character varying(60)", maxLength: 60, nullable: false),
                    occurrence = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    claimed_by = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    claimed_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    batch_id = table.Column<long>(type: "bigint", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_scheduled_runs", x => new { x.recipient, x.occurrence });
                    table.ForeignKey(
                        name: "fk_scheduled_runs_export_batches_batch_id",
                        column: x => x.batch_id,
                        principalSchema: "accreditation",
                        principalTable: "export_batches",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateIndex(
                name: "ix_scheduled_runs_batch_id",
                schema: "accreditation",
                table: "scheduled_runs",
                column: "batch_id");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "scheduled_runs",
                schema: "accreditation");
        }
    }
}
