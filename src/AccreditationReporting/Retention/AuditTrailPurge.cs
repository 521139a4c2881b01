using AccreditationReporting.Storage;
using Npgsql;

namespace AccreditationReporting.Retention;

/// <summary>What the audit trail's purge deleted: entries 1..<paramref name="PurgedThrough"/> of what was left, and the hash the next one links to.</summary>
public sealed record AuditTrailPurged(long PurgedThrough, string LastHash, int Entries);

/// <summary>
/// Deletes the audit trail's oldest entries through <c>accreditation.purge_audit_trail</c>, the one
/// way entries can go (the service's role may not DELETE them, and a trigger refuses everyone
/// else). The function deletes only a gapless prefix, lowers a cut-off less than 6 years before the
/// database's own clock to that, and writes the anchor (<c>audit_purges</c>) the verifier starts from.
/// </summary>
internal static class AuditTrailPurge
{
    /// <summary>Runs inside the audit trail part's transaction; null when no entry is older than <paramref name="olderThan"/>.</summary>
    public static async Task<AuditTrailPurged?> PurgeAsync(NpgsqlConnection connection, DateTimeOffset olderThan, CancellationToken cancellationToken)
    {
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
