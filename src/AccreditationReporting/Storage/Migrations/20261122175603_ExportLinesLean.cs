using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace AccreditationReporting.Storage.Migrations
{
    /// <inheritdoc />
    public partial class ExportLinesLean : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropForeignKey(
                name: "fk_export_lines_completions_completion_id",
                schema: "accreditation",
                table: "export_lines");

            migrationBuilder.DropForeignKey(
                name: "fk_export_lines_export_batches_batch_id",
                schema: "accreditation",
                table: "export_lines");

            migrationBuilder.DropIndex(
                name: "ix_export_lines_batch_id_first_line",
                schema: "accreditation",
                table: "export_lines");

            migrationBuilder.DropIndex(
                name: "ix_export_lines_completion_id",
                schema: "accreditation",
                table: "export_lines");

            migrationBuilder.CreateIndex(
                name: "ix_export_lines_batch_id",
                schema: "accreditation",
                table: "export_lines",
                column: "batch_id")
                .Annotation("Npgsql:IndexMethod", "brin");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_export_lines_batch_id",
                schema: "accreditation",
                table: "export_lines");

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

            migrationBuilder.AddForeignKey(
                name: "fk_export_lines_completions_completion_id",
                schema: "accreditation",
                table: "export_lines",
                column: "completion_id",
                principalSchema: "accreditation",
                principalTable: "completions",
                principalColumn: "id",
                onDelete: ReferentialAction.Restrict);

            migrationBuilder.AddForeignKey(
                name: "fk_export_lines_export_batches_batch_id",
                schema: "accreditation",
                table: "export_lines",
                column: "batch_id",
                principalSchema: "accreditation",
                principalTable: "export_batches",
                principalColumn: "id",
                onDelete: ReferentialAction.Restrict);
        }
    }
}
