using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace AccreditationReporting.Storage.Migrations
{
    /// <inheritdoc />
    public partial class LearnerErasure : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "erased_at",
                schema: "accreditation",
                table: "learners",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "erased_at",
                schema: "accreditation",
                table: "completions",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "erasure_requests",
                schema: "accreditation",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityAlwaysColumn),
                    learner_key = table.Column<long>(type: "bigint", nullable: false),
                    request_reference = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    actor = table.Column<string>(type: "character varying(300)", maxLength: 300, nullable: false),
                    received_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    completions_erased = table.Column<int>(type: "integer", nullable: false),
                    already_erased = table.Column<bool>(type: "boolean", nullable: false),
                    legal_basis = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_erasure_requests", x => x.id);
                });

            migrationBuilder.CreateIndex(
                name: "ix_erasure_requests_learner_key",
                schema: "accreditation",
                table: "erasure_requests",
                column: "learner_key");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "erasure_requests",
                schema: "accreditation");

            migrationBuilder.DropColumn(
                name: "erased_at",
                schema: "accreditation",
                table: "learners");

            migrationBuilder.DropColumn(
                name: "erased_at",
                schema: "accreditation",
                table: "completions");
        }
    }
}
