using System.Text.Json;
using AccreditationReporting.Hosting;
using AccreditationReporting.Storage;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace AccreditationReporting.Audit;

/// <summary>
/// Appends to the one audit trail. An append takes the trail's lock for the rest of its transaction,
/// reads the last entry and links the new one to it, so entries are numbered and chained in commit
/// order. Callers whose change must not happen unrecorded append inside the change's own
/// transaction, as its last statement (the lock is then held only until the commit).
/// </summary>
public sealed class AuditTrail(ReportingDbContext db, AuditChainKey key, TimeProvider time, ServiceMetrics metrics)
{
    /// <summary>Appends on the context's connection: inside its current transaction if it has one, else in one of its own.</summary>
    public async Task<long> AppendAsync(AuditEntry entry, CancellationToken cancellationToken)
    {
        await db.Database.OpenConnectionAsync(cancellationToken);
        try
        {
            var connection = (NpgsqlConnection)db.Database.GetDbConnection();
            if (db.Database.CurrentTransaction is not null)
            {
                return await AppendInTransactionAsync(connection, entry, cancellationToken);
            }

            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            var id = await AppendInTransactionAsync(connection, entry, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return id;
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    /// <summary>Appends inside the transaction open on <paramref name="connection"/>; it commits or rolls back with it.</summary>
    /// <remarks>Counted once written; an entry whose transaction then rolls back is counted too (and its change did not happen).</remarks>
    public async Task<long> AppendInTransactionAsync(NpgsqlConnection connection, AuditEntry entry, CancellationToken cancellationToken)
    {
        var id = await AppendInTransactionAsync(connection, entry, key, time.GetUtcNow(), cancellationToken);
        metrics.AuditEntry(entry.Action, entry.Outcome);
        return id;
    }

    /// <summary>The append itself, for a writer with no context of its own (the migrate step's fold of legacy accesses).</summary>
    public static async Task<long> AppendInTransactionAsync(
        NpgsqlConnection connection, AuditEntry entry, AuditChainKey key, DateTimeOffset at, CancellationToken cancellationToken)
    {
        // Two statements, not one: under READ COMMITTED a statement sees the data as of its start, so
        // the last entry must be read by a statement that starts after the lock is held.
        await SqlCommands.ExecuteAsync(connection, "SELECT pg_advisory_xact_lock(hashtextextended('audit-trail', 0))", cancellationToken);

        long lastId = 0;
        var lastHash = AuditChain.Genesis;
        await using (var last = SqlCommands.Create(connection, "SELECT id, hash FROM accreditation.audit_events ORDER BY id DESC LIMIT 1"))
        await using (var reader = await last.ExecuteReaderAsync(cancellationToken))
        {
            if (await reader.ReadAsync(cancellationToken))
            {
                lastId = reader.GetInt64(reader.GetOrdinal("id"));
                lastHash = reader.GetString(reader.GetOrdinal("hash"));
            }
        }

        var stored = new AuditEvent
        {
            Id = lastId + 1,
            At = AuditChain.ToStoredPrecision(at),
            ActorSubject = entry.Actor.Subject,
            ActorName = entry.Actor.Name,
            ActorRoles = entry.Actor.Roles.ToList(),
            ActorClient = entry.Actor.ClientId,
            Peer = entry.Actor.Peer,
            Action = entry.Action,
            Target = entry.Target,
            Outcome = entry.Outcome,
            RowCount = entry.RowCount,
            Sha256 = entry.Sha256,
            Details = entry.Details?.ToDictionary(StringComparer.Ordinal) ?? [],
            PreviousHash = lastHash,
            Hash = "",
        };
        var hash = AuditChain.Hash(key, lastHash, stored);

        await SqlCommands.ExecuteAsync(
            connection,
            """
            INSERT INTO accreditation.audit_events (id, at, actor_subject, actor_name, actor_roles, actor_client, peer, action, target,
                outcome, row_count, sha256, details, previous_hash, hash)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13::jsonb, $14, $15)
            """,
            cancellationToken,
            stored.Id, stored.At, stored.ActorSubject, Nullable(stored.ActorName), stored.ActorRoles.ToArray(), Nullable(stored.ActorClient),
            Nullable(stored.Peer), stored.Action, Nullable(stored.Target), stored.Outcome, (object?)stored.RowCount ?? DBNull.Value,
            Nullable(stored.Sha256), JsonSerializer.Serialize(stored.Details), stored.PreviousHash, hash);
        return stored.Id;
    }

    private static object Nullable(string? value) => (object?)value ?? DBNull.Value;
}
