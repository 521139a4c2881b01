using System.Globalization;
using AccreditationReporting.Storage;
using Npgsql;

namespace AccreditationReporting.Audit;

/// <summary>
/// Before the audit trail, downloads, pushes and delivery retries were recorded in
/// <c>export_accesses</c>, under the actor the caller declared (<c>x-actor</c>). The migration keeps
/// that table as <c>legacy_export_accesses</c>; the migrate step folds its rows into the trail, in
/// their order, saying they were declared and not verified, and drops it, in one transaction, so
/// the trail is the one place to look and no access is lost.
/// </summary>
internal static class LegacyAccesses
{
    public const string DeclaredActor = "legacy:declared";
    public const string Outcome = "recorded-before-audit-trail";

    public static async Task<int> FoldIntoTrailAsync(string ownerConnectionString, Lazy<AuditChainKey> key, TimeProvider time, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(ownerConnectionString);
        await connection.OpenAsync(cancellationToken);
        if (!await SqlCommands.ScalarAsync<bool>(connection, "SELECT to_regclass('accreditation.legacy_export_accesses') IS NOT NULL", cancellationToken))
        {
            return 0;
        }

        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var accesses = new List<(long BatchId, DateTimeOffset At, string Kind, string Actor)>();
        await using (var command = SqlCommands.Create(connection, "SELECT batch_id, at, kind, actor FROM accreditation.legacy_export_accesses ORDER BY id"))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                accesses.Add((
                    reader.GetInt64(reader.GetOrdinal("batch_id")), reader.GetFieldValue<DateTimeOffset>(reader.GetOrdinal("at")),
                    reader.GetString(reader.GetOrdinal("kind")), reader.GetString(reader.GetOrdinal("actor"))));
            }
        }

        if (accesses.Count == 0)
        {
            await SqlCommands.ExecuteAsync(connection, "DROP TABLE accreditation.legacy_export_accesses", cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return 0;
        }

        foreach (var access in accesses)
        {
            var declared = access.Actor.Length > AuditActor.MaxLength ? access.Actor[..AuditActor.MaxLength] : access.Actor;
            await AuditTrail.AppendInTransactionAsync(
                connection,
                new AuditEntry(new AuditActor(DeclaredActor, declared, [], null, null), ActionOf(access.Kind), Outcome, AuditEntry.Batch(access.BatchId))
                {
                    Details = new Dictionary<string, string>
                    {
                        ["recorded_at"] = access.At.UtcDateTime.ToString("O", CultureInfo.InvariantCulture),
                        ["kind"] = access.Kind,
                        ["actor"] = "as the caller declared it (x-actor), not verified",
                    },
                },
                key.Value,
                time.GetUtcNow(),
                cancellationToken);
        }

        await SqlCommands.ExecuteAsync(connection, "DROP TABLE accreditation.legacy_export_accesses", cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return accesses.Count;
    }

    private static string ActionOf(string kind) => kind switch
    {
        "download" => AuditActions.BatchDownload,
        "push" => AuditActions.DeliveryPush,
        "retry-delivery" => AuditActions.DeliveryRetry,
        _ => "legacy-access",
    };
}
