using Microsoft.Extensions.Logging;

namespace AccreditationReporting.Storage;

/// <summary>
/// Where the service's database is, and as whom it connects. The service works as a login role that
/// can only read and write rows (<c>ConnectionStrings:Postgres</c>); migrations run as the role that
/// owns the schema (<c>ConnectionStrings:PostgresMigrations</c>, or the first when the deployment's
/// <c>migrate</c> step is given the owner's). With neither set, in Development and the <c>demo</c>
/// verb only, a throwaway local server with both roles is started on first use and stopped with the service.
/// </summary>
public sealed class PostgresServer(string? service, string? migrations, ILogger<PostgresServer> logger) : IAsyncDisposable
{
    private readonly Lazy<LocalPostgres?> _local = new(() =>
    {
        if (!string.IsNullOrWhiteSpace(service))
        {
            return null;
        }

        logger.LogWarning("ConnectionStrings:Postgres is not set: starting a throwaway local PostgreSQL; its data is deleted at shutdown.");
        return LocalPostgres.StartAsync().GetAwaiter().GetResult();
    });

    /// <summary>The service's own role: rows only, no DDL, the audit trail append-only.</summary>
    public string ConnectionString => _local.Value?.ServiceConnectionString ?? service!;

    /// <summary>The schema owner's, for migrations.</summary>
    public string MigrationConnectionString =>
        _local.Value?.OwnerConnectionString ?? (string.IsNullOrWhiteSpace(migrations) ? service! : migrations);

    public async ValueTask DisposeAsync()
    {
        if (_local is { IsValueCreated: true, Value: { } local })
        {
            await local.DisposeAsync();
        }
    }
}
