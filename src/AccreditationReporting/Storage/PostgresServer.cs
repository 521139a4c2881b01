using Microsoft.Extensions.Logging;

namespace AccreditationReporting.Storage;

/// <summary>
/// Where the service's database is: <c>ConnectionStrings:Postgres</c> when configured, otherwise a
/// throwaway local server started on first use and stopped with the service (the embedded default).
/// </summary>
public sealed class PostgresServer(string? configuredConnectionString, ILogger<PostgresServer> logger) : IAsyncDisposable
{
    private readonly Lazy<LocalPostgres?> _local = new(() =>
    {
        if (!string.IsNullOrWhiteSpace(configuredConnectionString))
        {
            return null;
        }

        logger.LogWarning("ConnectionStrings:Postgres is not set: starting a throwaway local PostgreSQL; its data is deleted at shutdown.");
        return LocalPostgres.StartAsync().GetAwaiter().GetResult();
    });

    public string ConnectionString => _local.Value?.ConnectionString ?? configuredConnectionString!;

    public async ValueTask DisposeAsync()
    {
        if (_local is { IsValueCreated: true, Value: { } local })
        {
            await local.DisposeAsync();
        }
    }
}
