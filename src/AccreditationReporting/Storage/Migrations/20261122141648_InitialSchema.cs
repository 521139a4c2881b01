using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace AccreditationReporting.Storage.Migrations
{
    /// <inheritdoc />
    public partial class InitialSchema : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.EnsureSchema(
                name: "accreditation");

            migrationBuilder.CreateTable(
                name: "activities",
                schema: "accreditation",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityAlwaysColumn),
                    activity_id = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    title = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: false),
                    format = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false),
                    start_date = table.Column<DateOnly>(type: "date", nullable: false),
                    end_date = table.Column<DateOnly>(type: "date", nullable: false),
                    accme_activity_id = table.Column<string>(type: "character varying(50)", maxLength: 50, nullable: true),
                    eaccme_event_code = table.Column<string>(type: "character varying(50)", maxLength: 50, nullable: true),
                    ama_pra_category1_credits = table.Column<decimal>(type: "numeric(6,2)", precision: 6, scale: 2, nullable: true),
                    ecmec_credits = table.Column<decimal>(type: "numeric(6,2)", precision: 6, scale: 2, nullable: true),
                    moc_designations = table.Column<string>(type: "jsonb", nullable: false),
                    passing_score = table.Column<decimal>(type: "numeric(5,2)", precision: 5, scale: 2, nullable: true),
                    joint_provider = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                    details_as_of = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_activities", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "learners",
                schema: "accreditation",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityAlwaysColumn),
                    learner_id = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    first_name = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    last_name = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    email = table.Column<string>(type: "character varying(320)", maxLength: 320, nullable: true),
                    birth_month = table.Column<int>(type: "integer", nullable: false),
                    birth_day = table.Column<int>(type: "integer", nullable: false),
                    birth_year = table.Column<int>(type: "integer", nullable: true),
                    profession = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    country = table.Column<string>(type: "character(2)", fixedLength: true, maxLength: 2, nullable: false),
                    npi = table.Column<string>(type: "character varying(10)", maxLength: 10, nullable: true),
                    license_state = table.Column<string>(type: "character varying(2)", maxLength: 2, nullable: true),
                    license_id = table.Column<string>(type: "character varying(50)", maxLength: 50, nullable: true),
                    boards = table.Column<string>(type: "jsonb", nullable: false),
                    profile_as_of = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_learners", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "processed_events",
                schema: "accreditation",
                columns: table => new
                {
                    event_id = table.Column<Guid>(type: "uuid", nullable: false),
                    consumed_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_processed_events", x => x.event_id);
                });

            migrationBuilder.CreateTable(
                name: "completions",
                schema: "accreditation",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityAlwaysColumn),
                    event_id = table.Column<Guid>(type: "uuid", nullable: false),
                    learner_key = table.Column<long>(type: "bigint", nullable: false),
                    activity_key = table.Column<long>(type: "bigint", nullable: false),
                    completed_on = table.Column<DateOnly>(type: "date", nullable: false),
                    occurred_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    received_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    policy_version = table.Column<string>(type: "character varying(80)", maxLength: 80, nullable: false),
                    assessment_score = table.Column<decimal>(type: "numeric(5,2)", precision: 5, scale: 2, nullable: true),
                    evaluation_completed = table.Column<bool>(type: "boolean", nullable: false),
                    board_reporting_consent = table.Column<bool>(type: "boolean", nullable: false),
                    state_board_reporting_consent = table.Column<bool>(type: "boolean", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_completions", x => x.id);
                    table.ForeignKey(
                        name: "fk_completions_activities_activity_key",
                        column: x => x.activity_key,
                        principalSchema: "accreditation",
                        principalTable: "activities",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "fk_completions_learners_learner_key",
                        column: x => x.learner_key,
                        principalSchema: "accreditation",
                        principalTable: "learners",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "credit_claims",
                schema: "accreditation",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityAlwaysColumn),
                    completion_id = table.Column<long>(type: "bigint", nullable: false),
                    credit_type = table.Column<string>(type: "character varying(30)", maxLength: 30, nullable: false),
                    amount = table.Column<decimal>(type: "numeric(6,2)", precision: 6, scale: 2, nullable: false),
                    board = table.Column<string>(type: "character varying(50)", maxLength: 50, nullable: true),
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
                name: "ix_activities_activity_id",
                schema: "accreditation",
                table: "activities",
                column: "activity_id",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_completions_activity_key",
                schema: "accreditation",
                table: "completions",
                column: "activity_key");

            migrationBuilder.CreateIndex(
                name: "ix_completions_event_id",
                schema: "accreditation",
                table: "completions",
                column: "event_id",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_completions_learner_key_activity_key",
                schema: "accreditation",
                table: "completions",
                columns: new[] { "learner_key", "activity_key" });

            migrationBuilder.CreateIndex(
                name: "ix_credit_claims_completion_id",
                schema: "accreditation",
                table: "credit_claims",
                column: "completion_id");

            migrationBuilder.CreateIndex(
                name: "ix_learners_learner_id",
                schema: "accreditation",
                table: "learners",
                column: "learner_id",
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "credit_claims",
                schema: "accreditation");

            migrationBuilder.DropTable(
                name: "processed_events",
                schema: "accreditation");

            migrationBuilder.DropTable(
                name: "completions",
                schema: "accreditation");

            migrationBuilder.DropTable(
                name: "activities",
                schema: "accreditation");

            migrationBuilder.DropTable(
                name: "learners",
                schema: "accreditation");
        }
    }
}
