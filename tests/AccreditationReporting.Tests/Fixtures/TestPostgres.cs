using AccreditationReporting.Storage;
using Npgsql;
using Testcontainers.PostgreSql;

namespace AccreditationReporting.Tests.Fixtures;

/// <summary>
/// One PostgreSQL server per test run (from <c>ACCREDITATION_TEST_POSTGRES</c>, Testcontainers or a
/// local throwaway), and a fresh database on it for each test class.
/// </summary>
internal static class TestPostgres
{
    public const string EnvironmentVariable = "ACCREDITATION_TEST_POSTGRES";

    private static readonly Lazy<Task<string>> Server = new(async () =>
    {
        var (connectionString, owner) = await ServerSource.ChooseAsync(
            EnvironmentVariable,
            async () =>
            {
                var container = new PostgreSqlBuilder("postgres:15-alpine").Build();
                await container.StartAsync();
                return (container.GetConnectionString(), container);
            },
            async () =>
            {
                var local = await LocalPostgres.StartAsync();
                return (local.ConnectionString, local);
            });
        ServerSource.StopAtExit(owner);
        return connectionString;
    });

    public static async Task<string> CreateDatabaseAsync()
    {
        var server = await Server.Value;
        var name = $"test_{Guid.NewGuid():N}";
        await using (var connection = new NpgsqlConnection(server))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            await create.ExecuteNonQueryAsync();
        }

        return new NpgsqlConnectionStringBuilder(server) { Database = name }.ConnectionString;
    }
}
