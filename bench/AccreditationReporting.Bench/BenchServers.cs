using AccreditationReporting.Storage;
using AccreditationReporting.Tests.Fixtures;
using Npgsql;

namespace AccreditationReporting.Bench;

/// <summary>
/// The PostgreSQL server and RabbitMQ broker for the whole run: existing ones named in the
/// environment, or throwaway local ones. The throwaway PostgreSQL keeps fsync on, as production does,
/// or the database would look far cheaper than it is.
/// </summary>
internal sealed class BenchServers : IAsyncDisposable
{
    public const string PostgresVariable = "ACCREDITATION_BENCH_POSTGRES";
    public const string RabbitMqVariable = "ACCREDITATION_BENCH_RABBITMQ";

    private readonly IAsyncDisposable? _ownedPostgres;
    private readonly IAsyncDisposable? _ownedBroker;

    private BenchServers(string postgres, string amqpUri, IAsyncDisposable? ownedPostgres, IAsyncDisposable? ownedBroker)
    {
        PostgresConnectionString = postgres;
        AmqpUri = amqpUri;
        _ownedPostgres = ownedPostgres;
        _ownedBroker = ownedBroker;
    }

    /// <summary>
    /// A maintenance connection (any database) on the server, as a role that may create roles and
    /// databases (the throwaway server's superuser); it also seeds, and watches the service's sessions.
    /// </summary>
    public string PostgresConnectionString { get; }

    public string AmqpUri { get; }

    /// <summary>How the server CPU meters find the servers' processes.</summary>
    public CpuMeter BrokerCpu() =>
        // LocalRabbitMq names its node after its AMQP port; a broker from the environment is any beam.smp here.
        CpuMeter.Broker(_ownedBroker is null ? null : $"accreditation{new Uri(AmqpUri).Port}@localhost");

    public CpuMeter PostgresCpu() => CpuMeter.Postgres(new NpgsqlConnectionStringBuilder(PostgresConnectionString).Port);

    public static async Task<BenchServers> StartAsync()
    {
        var postgres = Environment.GetEnvironmentVariable(PostgresVariable);
        var rabbitMq = Environment.GetEnvironmentVariable(RabbitMqVariable);
        var localPostgres = string.IsNullOrWhiteSpace(postgres) ? LocalPostgres.StartAsync(durable: true) : null;
        var localBroker = string.IsNullOrWhiteSpace(rabbitMq) ? LocalRabbitMq.StartAsync() : null;
        try
        {
            await Task.WhenAll(new Task?[] { localPostgres, localBroker }.OfType<Task>());
        }
        catch
        {
            await DisposeStarted(localPostgres);
            await DisposeStarted(localBroker);
            throw;
        }

        return new BenchServers(
            localPostgres is null ? postgres! : localPostgres.Result.ConnectionString,
            localBroker is null ? rabbitMq! : localBroker.Result.AmqpUri,
            localPostgres?.Result,
            localBroker?.Result);
    }

    /// <summary>
    /// For the owning and service roles when the server is not the throwaway local one, which trusts
    /// loopback. Roles are per server and kept if they exist, with whatever password they already have.
    /// </summary>
    public const string RolePasswordVariable = "ACCREDITATION_BENCH_ROLE_PASSWORD";

    /// <summary>
    /// A fresh, empty database, so the stored-event count of a run starts at zero, set up as a
    /// deployment's DBA would: owned by the owning role, which the migrate step runs as, with the
    /// service's own login role beside it (<see cref="DatabaseRoles.CreateAsync"/>).
    /// </summary>
    public async Task<BenchDatabase> CreateDatabaseAsync(string name)
    {
        var password = Environment.GetEnvironmentVariable(RolePasswordVariable) is { Length: > 0 } given ? given : "accreditation-bench";
        await DatabaseRoles.CreateAsync(PostgresConnectionString, name, password, CancellationToken.None);
        var admin = new NpgsqlConnectionStringBuilder(PostgresConnectionString) { Database = name }.ConnectionString;
        string As(string role) => new NpgsqlConnectionStringBuilder(admin) { Username = role, Password = password }.ConnectionString;
        return new BenchDatabase(name, admin, Owner: As(DatabaseRoles.Owner), Service: As(DatabaseRoles.Service));
    }

    /// <summary>
    /// Whether the maintenance role sees what other roles' sessions are running in pg_stat_activity
    /// (a superuser, or a member of pg_read_all_stats): the service connects as a role of its own.
    /// </summary>
    public async Task<bool> SeesOtherSessionsAsync()
    {
        await using var connection = new NpgsqlConnection(PostgresConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT pg_has_role('pg_read_all_stats', 'USAGE')", connection);
        return (bool)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>
    /// Readies the server for the sustained run. PostgreSQL records when each transaction commits
    /// (<c>track_commit_timestamp</c>), which the run reads back per event; and the throwaway server
    /// gets the buffer cache a deployment would give it (<paramref name="sharedBuffers"/>): with the
    /// default 128 MB a database of a million events is read and written past its cache, and the run
    /// would measure an untuned server. Both need a restart, so a server from the environment is used
    /// as it is and must have commit timestamps on already.
    /// </summary>
    /// <returns>The server's <c>shared_buffers</c>, for the report.</returns>
    public async Task<string> PrepareForSustainedAsync(string sharedBuffers)
    {
        if (_ownedPostgres is not LocalPostgres local)
        {
            return await ShowAsync("track_commit_timestamp") == "on"
                ? await ShowAsync("shared_buffers")
                : throw new InvalidOperationException(
                    $"The server in {PostgresVariable} does not record commit timestamps: set track_commit_timestamp = on and restart it.");
        }

        await ExecuteAsync("ALTER SYSTEM SET track_commit_timestamp = on");
        await ExecuteAsync($"ALTER SYSTEM SET shared_buffers = '{sharedBuffers}'");
        await local.StopAsync();
        await local.RestartAsync();

        // Pooled connections died with the old server.
        NpgsqlConnection.ClearAllPools();
        return await ShowAsync("track_commit_timestamp") == "on"
            ? await ShowAsync("shared_buffers")
            : throw new InvalidOperationException("track_commit_timestamp is still off after a restart of the throwaway server.");
    }

    private async Task<string> ShowAsync(string setting)
    {
        await using var connection = new NpgsqlConnection(PostgresConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"SHOW {setting}", connection);
        return (string)(await command.ExecuteScalarAsync())!;
    }

    public Task DropDatabaseAsync(string name) => ExecuteAsync($"DROP DATABASE IF EXISTS {name} WITH (FORCE)");

    private async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(PostgresConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (_ownedBroker is not null)
        {
            await _ownedBroker.DisposeAsync();
        }

        if (_ownedPostgres is not null)
        {
            await _ownedPostgres.DisposeAsync();
        }
    }

    private static async Task DisposeStarted<T>(Task<T>? starting) where T : IAsyncDisposable
    {
        if (starting is { IsCompletedSuccessfully: true })
        {
            await starting.Result.DisposeAsync();
        }
    }
}
