using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace AccreditationReporting.Storage;

/// <summary>
/// Lets <c>dotnet ef migrations add</c> build the model without starting the service (which would
/// start a throwaway PostgreSQL). Migrations do not need a live server to be generated.
/// </summary>
internal sealed class DesignTimeDbContextFactory : IDesignTimeDbContextFactory<ReportingDbContext>
{
    public ReportingDbContext CreateDbContext(string[] args)
    {
        var options = new DbContextOptionsBuilder<ReportingDbContext>();
        ReportingDbContext.UsePostgres(options, "Host=localhost;Database=design_time");
        return new ReportingDbContext(options.Options);
    }
}
