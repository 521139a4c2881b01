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

    /// <summary>For the two roles on a server from the environment or a container; a local server trusts loopback.</summary>
    private const string RolePassword = "accreditation-test";

    /// <summary>A fresh database owned by the owning role; the connection string is the owner's (migrations, and tests that look behind the service's back).</summary>
    public static async Task<string> CreateDatabaseAsync()
    {
        var server = await Server.Value;
        var name = $"test_{Guid.NewGuid():N}";
        await DatabaseRoles.CreateAsync(server, name, RolePassword, CancellationToken.None);
        return new NpgsqlConnectionStringBuilder(server) { Database = name, Username = DatabaseRoles.Owner, Password = RolePassword }.ConnectionString;
    }

    /// <summary>The same database as the service's own login role, which can only read and write rows.</summary>
    public static string AsServiceRole(string ownerConnectionString) =>
        new NpgsqlConnectionStringBuilder(ownerConnectionString) { Username = DatabaseRoles.Service }.ConnectionString;
}
