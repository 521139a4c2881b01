using AccreditationReporting.Exports;
using AccreditationReporting.Storage;
using Npgsql;

namespace AccreditationReporting.Retention;

/// <summary>
/// Deletes the files of batches past their retention. The batch row stays, marked
/// <c>file_purged_at</c>: its manifest (file name, SHA-256, rows), counts, delivery and submissions
/// remain the record of what was sent, without the personal data the file held.
/// </summary>
internal static class BatchFilePurge
{
    /// <summary>
    /// Runs in a transaction of its own that holds every recipient's export batch lock
    /// (<see cref="Exports.ExportBatchLocks"/>): an erasure redacting a file, or a batch reading Delete rows
    /// back from one, is not in progress. Returns the batches whose files went. A file's retention
    /// ends <paramref name="months"/> after its batch was made, counted forward as PostgreSQL adds
    /// months (a batch of 30 November kept two months is kept until 30 January).
    /// </summary>
    /// <remarks>
    /// A learner-level file that added a completion still stored is kept until that completion is
    /// purged (the verification purge deletes its lines first), whenever its activity ended: a
    /// correction or an erasure of that completion writes PARS Delete rows read back from the file
    /// that sent it, so the file must be there. With <c>Retention:BatchFileMonths</c> shorter than
    /// the verification records' retention, the setting in effect reaches only counts-only files and
    /// the learner-level files none of whose added completions is left. A batch still waiting for its
    /// push delivery keeps its file too: the deliverer sends it from there.
    /// </remarks>
    public static async Task<int> PurgeAsync(NpgsqlConnection connection, int months, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var batches = new List<long>();
        await using (var marked = SqlCommands.Create(
            connection,
            """
            UPDATE accreditation.export_batches b
            SET file_purged_at = $2
            WHERE b.created_at + make_interval(months => $1) < $2 AND b.file_purged_at IS NULL AND b.file_name <> '' AND b.delivery_status <> $3
                AND NOT EXISTS (
                    SELECT 1
                    FROM accreditation.export_lines line
                    JOIN accreditation.completions c ON c.id = line.completion_id
                    WHERE line.batch_id = b.id AND line.action = $4)
            RETURNING b.id
            """,
            months, now, nameof(DeliveryStatus.Pending), ExportLine.Add))
        await using (var reader = await marked.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                batches.Add(reader.GetInt64(reader.GetOrdinal("id")));
            }
        }

        if (batches.Count > 0)
        {
            await SqlCommands.ExecuteAsync(
                connection,
                "DELETE FROM accreditation.export_file_chunks WHERE batch_id = ANY($1)",
                cancellationToken,
                batches.ToArray());
        }

        return batches.Count;
    }
}
