using AccreditationReporting.Storage;
using Npgsql;

namespace AccreditationReporting.Retention;

/// <summary>What the audit trail's purge deleted: entries 1..<paramref name="PurgedThrough"/> of what was left, and the hash the next one links to.</summary>
public sealed record AuditTrailPurged(long PurgedThrough, string LastHash, int Entries);

/// <summary>
/// Deletes the audit trail's oldest entries through <c>accreditation.purge_audit_trail</c>, the one
/// way entries can go (the service's role may not DELETE them, and a trigger refuses everyone
/// else). The function deletes only a gapless prefix, refuses a cut-off less than 6 years before
/// the database's own clock, and writes the anchor (<c>audit_purges</c>) the verifier starts from.
/// </summary>
internal static class AuditTrailPurge
{
    /// <summary>Runs inside the purge's transaction; null when no entry is older than <paramref name="olderThan"/>.</summary>
    public static async Task<AuditTrailPurged?> PurgeAsync(NpgsqlConnection connection, DateTimeOffset olderThan, CancellationToken cancellationToken)
    {
        // Asked first, so a run with nothing to delete needs no call that the database could refuse
        // for a clock of the service's that runs ahead of its own.
        var oldestIsOlder = await SqlCommands.ScalarAsync<bool>(
            connection,
            "SELECT coalesce((SELECT e.at < $1 FROM accreditation.audit_events e ORDER BY e.id LIMIT 1), false)",
            cancellationToken,
            olderThan);
        if (!oldestIsOlder)
        {
            return null;
        }

        await using var purge = SqlCommands.Create(
            connection, "SELECT purged_through, last_hash, entries FROM accreditation.purge_audit_trail($1)", olderThan);
        await using var reader = await purge.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new AuditTrailPurged(
                reader.GetInt64(reader.GetOrdinal("purged_through")),
                reader.GetString(reader.GetOrdinal("last_hash")),
                reader.GetInt32(reader.GetOrdinal("entries")))
            : null;
    }
}
