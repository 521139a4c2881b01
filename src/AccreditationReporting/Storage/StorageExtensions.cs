using AccreditationReporting.Hosting;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace AccreditationReporting.Storage;

public static class StorageExtensions
{
    public static IHostApplicationBuilder AddReportingStorage(this IHostApplicationBuilder builder)
    {
        var service = builder.Configuration.GetConnectionString("Postgres");
        var migrations = builder.Configuration.GetConnectionString("PostgresMigrations");
        builder.Services.AddSingleton(sp => new PostgresServer(service, migrations, sp.GetRequiredService<ILogger<PostgresServer>>()));
        builder.Services.AddDbContext<ReportingDbContext>((sp, options) =>
            ReportingDbContext.UsePostgres(options, sp.GetRequiredService<PostgresServer>().ConnectionString));

        // In development and the demo the service brings its own schema; a deployment runs the
        // `migrate` step as the owning role before the service starts.
        if (builder.Configuration.GetValue("Database:MigrateOnStartup", defaultValue: builder.AllowsEmbeddedDefaults()))
        {
            // Registered before the bus so the schema exists before the first message is consumed.
            builder.Services.AddHostedService<MigrateOnStartup>();
        }
        else
        {
            // Before the bus too: a service whose migrate step was not run stops instead of failing on
            // every message. Reading the schema's version also loads the database code before the
            // first message; without it a fresh instance paid for that under load (docs/benchmarks.md).
            builder.Services.AddHostedService<RequireCurrentSchema>();
        }

        // Readiness: a probe waits a few seconds at most, not Npgsql's 15-second connect timeout.
        builder.Services.AddHealthChecks().AddCheck<PostgresHealthCheck>(
            "postgres", tags: [ServiceDefaults.ReadyTag], timeout: TimeSpan.FromSeconds(5));
        return builder;
    }

    /// <summary>The deployment's separate <c>migrate</c> step, and the one on start-up in development.</summary>
    public static async Task MigrateDatabaseAsync(this IServiceProvider services, CancellationToken cancellationToken = default)
    {
        var server = services.GetRequiredService<PostgresServer>();
        var options = new DbContextOptionsBuilder<ReportingDbContext>();
        ReportingDbContext.UsePostgres(options, server.MigrationConnectionString);
        await using (var owner = new ReportingDbContext(options.Options))
        {
            await owner.Database.MigrateAsync(cancellationToken);
        }

        // Only a database from before the audit trail has any; the key is needed only then.
        await Audit.LegacyAccesses.FoldIntoTrailAsync(
            server.MigrationConnectionString,
            new Lazy<Audit.AuditChainKey>(services.GetRequiredService<Audit.AuditChainKey>),
            services.GetRequiredService<TimeProvider>(),
            cancellationToken);

        var serviceRole = services.GetRequiredService<IConfiguration>()[DatabaseRoles.ServiceRoleSetting] is { Length: > 0 } configured
            ? configured
            : new NpgsqlConnectionStringBuilder(server.ConnectionString).Username ?? DatabaseRoles.Service;
        await DatabaseRoles.GrantServiceRoleAsync(server.MigrationConnectionString, serviceRole, cancellationToken);
    }

    private sealed class RequireCurrentSchema(IServiceProvider services) : IHostedService
    {
        public async Task StartAsync(CancellationToken cancellationToken)
        {
            await using var scope = services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<ReportingDbContext>();
            var pending = (await db.Database.GetPendingMigrationsAsync(cancellationToken)).ToList();
            if (pending.Count > 0)
            {
                throw new StartupProblemException(
                    $"Not starting: the database schema lacks {pending.Count} migration(s), the last {pending[^1]}; run the migrate step as the owning role first.");
            }

            // A deployment that gives the service the owner's or a superuser's connection would let
            // it rewrite its own audit trail: it must run as its own role.
            var connection = (NpgsqlConnection)db.Database.GetDbConnection();
            await db.Database.OpenConnectionAsync(cancellationToken);
            var mayRewrite = await SqlCommands.ScalarAsync<bool>(
                connection,
                """
                SELECT r.rolsuper OR has_table_privilege(current_user, 'accreditation.audit_events', 'UPDATE')
                FROM pg_roles r WHERE r.rolname = current_user
                """,
                cancellationToken);
            await db.Database.CloseConnectionAsync();
            if (mayRewrite)
            {
                throw new StartupProblemException(
                    $"Not starting: ConnectionStrings:Postgres connects as {connection.UserName}, a role that can change the audit trail (a superuser or the schema's owner); give the service its own role (README, \"Database roles\").");
            }
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    private sealed class MigrateOnStartup(IServiceProvider services) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => services.MigrateDatabaseAsync(cancellationToken);

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
