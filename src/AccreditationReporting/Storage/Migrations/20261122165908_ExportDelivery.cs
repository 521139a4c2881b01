using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace AccreditationReporting.Storage.Migrations
{
    /// <inheritdoc />
    public partial class ExportDelivery : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "delivered_to",
                schema: "accreditation",
                table: "export_batches",
                type: "character varying(300)",
                maxLength: 300,
                nullable: true);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "next_delivery_at",
                schema: "accreditation",
                table: "export_batches",
                type: "timestamp with time zone",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "delivered_to",
                schema: "accreditation",
                table: "export_batches");

            migrationBuilder.DropColumn(
                name: "next_delivery_at",
                schema: "accreditation",
                table: "export_batches");
        }
    }
}
