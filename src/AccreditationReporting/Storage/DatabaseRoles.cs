using System.Text.RegularExpressions;
using Npgsql;

namespace AccreditationReporting.Storage;

/// <summary>
/// Least privilege in PostgreSQL. The owning role runs migrations; the service's login role gets,
/// after every migration, what it needs and nothing more: rows of the service's tables, no DDL, and
/// on the audit trail only INSERT and SELECT. Its oldest entries go only through
/// <c>purge_audit_trail</c>, which also writes the purge's anchor (<c>audit_purges</c>, which the
/// role may only read). Applied after each migration so a new table is covered.
/// </summary>
public static partial class DatabaseRoles
{
    public const string Owner = "accreditation_owner";
    public const string Service = "accreditation_service";

    /// <summary>The role to grant to (<c>Database:ServiceRole</c>); by default the user of <c>ConnectionStrings:Postgres</c>.</summary>
    public const string ServiceRoleSetting = "Database:ServiceRole";

    /// <summary>Grants the service's role its rows. Nothing to do when the service connects as the owner itself (a single-role development setup).</summary>
    public static async Task GrantServiceRoleAsync(string ownerConnectionString, string serviceRole, CancellationToken cancellationToken)
    {
        if (!RoleName().IsMatch(serviceRole))
        {
            throw new InvalidOperationException($"{ServiceRoleSetting} must be a plain PostgreSQL role name (lower-case letters, digits, _)");
        }

        await using var connection = new NpgsqlConnection(ownerConnectionString);
        await connection.OpenAsync(cancellationToken);
        if (serviceRole == connection.UserName)
        {
            return;
        }

        await SqlCommands.ExecuteAsync(
            connection,
            $"""
            GRANT USAGE ON SCHEMA {ReportingDbContext.Schema} TO {serviceRole};
            GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {ReportingDbContext.Schema} TO {serviceRole};
            GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {ReportingDbContext.Schema} TO {serviceRole};
            REVOKE INSERT, UPDATE, DELETE ON {ReportingDbContext.Schema}.ef_migrations_history FROM {serviceRole};
            REVOKE UPDATE, DELETE ON {ReportingDbContext.Schema}.audit_events FROM {serviceRole};
            REVOKE UPDATE, DELETE ON {ReportingDbContext.Schema}.erasure_requests FROM {serviceRole};
            REVOKE INSERT, UPDATE, DELETE ON {ReportingDbContext.Schema}.audit_purges FROM {serviceRole};
            GRANT EXECUTE ON FUNCTION {ReportingDbContext.Schema}.purge_audit_trail(timestamptz) TO {serviceRole};
            REVOKE TRUNCATE, REFERENCES, TRIGGER ON ALL TABLES IN SCHEMA {ReportingDbContext.Schema} FROM {serviceRole};
            """,
            cancellationToken);
    }

    /// <summary>
    /// Creates both login roles and a database the owner owns, on a server where we are superuser: a
    /// throwaway server, a test fixture. A deployment's DBA does the same once (README).
    /// </summary>
    public static async Task CreateAsync(string superuserConnectionString, string database, string? password, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(superuserConnectionString);
        await connection.OpenAsync(cancellationToken);
        var withPassword = password is null ? "" : $" PASSWORD '{password.Replace("'", "''", StringComparison.Ordinal)}'";
        foreach (var role in new[] { Owner, Service })
        {
            // Roles are per server: another database on it may have made them already.
            await SqlCommands.ExecuteAsync(
                connection,
                $"""
                DO $$ BEGIN
                    CREATE ROLE {role} LOGIN{withPassword};
                EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
                END $$
                """,
                cancellationToken);
        }

        await SqlCommands.ExecuteAsync(connection, $"CREATE DATABASE {database} OWNER {Owner}", cancellationToken);
    }

    [GeneratedRegex("^[a-z_][a-z0-9_]{0,62}$")]
    private static partial Regex RoleName();
}
