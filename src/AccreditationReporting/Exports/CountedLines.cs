using AccreditationReporting.Storage;

namespace AccreditationReporting.Exports;

/// <summary>
/// Counts-only batches count every completion not yet counted for the recipient, whatever policy it
/// was collected under: no learner appears in these files (../shared/DOMAIN.md). Activities the
/// recipient cannot identify are left out with the recipient's reason.
/// </summary>
internal static class CountedLines
{
    /// <param name="identified">SQL over activity <c>a</c>: the recipient can name the activity.</param>
    public static async Task DecideAsync(BatchContext batch, string recipient, string identified, string reason)
    {
        await using var command = SqlCommands.Create(
            batch.Connection,
            $"""
            INSERT INTO accreditation.export_lines (recipient, completion_id, action, batch_id, reason)
            SELECT $1, c.id, CASE WHEN {identified} THEN 'Counted' ELSE 'Excluded' END, $2,
                CASE WHEN {identified} THEN NULL ELSE $4 END
            FROM accreditation.completions c
            JOIN accreditation.activities a ON a.id = c.activity_key
            WHERE c.received_at <= $3
                AND NOT EXISTS (SELECT 1 FROM accreditation.export_lines x WHERE x.recipient = $1 AND x.completion_id = c.id)
            """,
            recipient, batch.BatchId, batch.Cutoff, reason);
        await command.ExecuteNonQueryAsync(batch.CancellationToken);
    }
}
