using Microsoft.EntityFrameworkCore;

namespace AccreditationReporting.Storage;

public static class StorageExtensions
{
    public static IHostApplicationBuilder AddReportingStorage(this IHostApplicationBuilder builder)
    {
        var configured = builder.Configuration.GetConnectionString("Postgres");
        builder.Services.AddSingleton(sp => new PostgresServer(configured, sp.GetRequiredService<ILogger<PostgresServer>>()));
        builder.Services.AddDbContext<ReportingDbContext>((sp, options) =>
            ReportingDbContext.UsePostgres(options, sp.GetRequiredService<PostgresServer>().ConnectionString));

        if (builder.Configuration.GetValue("Database:MigrateOnStartup", defaultValue: true))
        {
            // Registered before the bus so the schema exists before the first message is consumed.
            builder.Services.AddHostedService<MigrateOnStartup>();
        }

        builder.Services.AddHealthChecks().AddCheck<PostgresHealthCheck>("postgres");
        return builder;
    }

    /// <summary>The deployment's separate <c>migrate</c> step.</summary>
    public static async Task MigrateDatabaseAsync(this IHost app)
    {
        await using var scope = app.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<ReportingDbContext>().Database.MigrateAsync();
    }

    private sealed class MigrateOnStartup(IServiceProvider services) : IHostedService
    {
        public async Task StartAsync(CancellationToken cancellationToken)
        {
            await using var scope = services.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<ReportingDbContext>().Database.MigrateAsync(cancellationToken);
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
