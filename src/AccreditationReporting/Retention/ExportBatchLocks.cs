using AccreditationReporting.Storage;
using Npgsql;

namespace AccreditationReporting.Retention;

/// <summary>
/// Every recipient's export batch lock, the one <see cref="Exports.ExportBatches"/> holds from a
/// batch's first read to its commit. Export lines have no foreign key to completions, and a batch
/// reads in a snapshot taken once it holds its lock: a batch in progress could write lines and file
/// rows for completions a purge deletes meanwhile, and the file purge could delete a file an erasure
/// is redacting. Holding every lock makes the purge wait for batches (and erasures) in progress,
/// and the next ones wait for the purge.
/// </summary>
internal static class ExportBatchLocks
{
    /// <summary>
    /// Takes the locks for the rest of the transaction, in the order <see cref="Exports.BatchRedaction"/>
    /// takes them (sorted by PostgreSQL), so the two never wait for each other in a circle.
    /// </summary>
    /// <param name="configured">The recipients batches can be made for now (<c>ExportCatalog</c>).</param>
    /// <returns>Those and every recipient that has batches, also one no longer configured.</returns>
    public static async Task<string[]> TakeAllAsync(NpgsqlConnection connection, IEnumerable<string> configured, CancellationToken cancellationToken)
    {
        // A recipient's first batch can only be made for a configured one: read before its lock, the
        // list still names every recipient whose batch could be in progress.
        var recipients = new List<string>();
        await using (var command = SqlCommands.Create(
            connection,
            "SELECT r.recipient FROM (SELECT unnest($1::text[]) UNION SELECT recipient FROM accreditation.export_batches) AS r(recipient)",
            (object)configured.ToArray()))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                recipients.Add(reader.GetString(reader.GetOrdinal("recipient")));
            }
        }

        await SqlCommands.ExecuteAsync(
            connection,
            """
            SELECT pg_advisory_xact_lock(hashtextextended('export-batch/' || r, 0))
            FROM unnest($1::text[]) AS r
            ORDER BY r
            """,
            cancellationToken,
            (object)recipients.ToArray());
        return recipients.ToArray();
    }
}
