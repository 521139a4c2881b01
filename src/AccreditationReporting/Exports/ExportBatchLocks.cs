using AccreditationReporting.Storage;
using Npgsql;

namespace AccreditationReporting.Exports;

/// <summary>
/// The export batch lock of a recipient, which <see cref="ExportBatches"/> holds from a batch's first
/// read to its commit. Export lines have no foreign key to completions, and a batch reads in a
/// snapshot taken once it holds its lock: whatever else changes what a batch may have read (an
/// erasure redacting files, the retention purge deleting completions and files) takes the locks of
/// the recipients concerned, so it waits for batches in progress and the next ones wait for it.
/// </summary>
internal static class ExportBatchLocks
{
    /// <summary>
    /// Takes the recipients' locks for the rest of the transaction, sorted by PostgreSQL: everyone
    /// takes them in that one order, so no two transactions wait for each other in a circle.
    /// </summary>
    public static Task TakeAsync(NpgsqlConnection connection, IEnumerable<string> recipients, CancellationToken cancellationToken) =>
        SqlCommands.ExecuteAsync(
            connection,
            """
            SELECT pg_advisory_xact_lock(hashtextextended('export-batch/' || r, 0))
            FROM unnest($1::text[]) AS r
            ORDER BY r
            """,
            cancellationToken,
            (object)recipients.ToArray());

    /// <summary>Every recipient's lock: the configured ones and every one that has batches, also one no longer configured.</summary>
    /// <param name="configured">The recipients batches can be made for now (<c>ExportCatalog</c>).</param>
    /// <returns>The recipients locked.</returns>
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

        await TakeAsync(connection, recipients, cancellationToken);
        return recipients.ToArray();
    }
}
