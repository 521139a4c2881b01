using AccreditationReporting.Storage;
using Npgsql;

namespace AccreditationReporting.Exports;

/// <summary>
/// What a learner-level recipient holds that has changed since it was sent: completions since
/// superseded or erased, which it must withdraw, and completions whose learner's profile (under
/// the completion's policy) changed after the batch that sent them read it, which it may need
/// corrected. A recipient holds a completion from an Add line until a Delete line after it.
/// </summary>
internal static class HeldCompletions
{
    /// <summary>A held completion that changed, and where the rows it was last sent as are.</summary>
    /// <param name="Withdrawn">Superseded or erased: deleted and never sent again.</param>
    /// <param name="RevisedFields">Export fields of the learner's profile that changed after it was sent; empty when none.</param>
    public sealed record Changed(
        long CompletionId, string PolicyVersion, bool BoardReporting, bool StateBoardReporting,
        long SentBatch, int SentFirstLine, int SentLineCount, bool Withdrawn, IReadOnlyList<string> RevisedFields);

    public static async Task<List<Changed>> ReadAsync(BatchContext batch, string recipient)
    {
        // Candidates come from the small sides (superseded or erased completions, learners with a
        // revision), so a batch never walks every line the recipient holds. A revision is after the
        // send when the sending batch's snapshot did not see the transaction that wrote it (a batch
        // made before profiles had snapshots saw none). One the recipient's previous batch saw has
        // been dealt with by it, so only later ones make candidates.
        await using var command = SqlCommands.Named(
            batch.Reads,
            """
            WITH previous AS (
                SELECT b.profiles_snapshot FROM accreditation.export_batches b
                WHERE b.recipient = @recipient AND b.profiles_snapshot IS NOT NULL
                ORDER BY b.id DESC
                LIMIT 1),
            candidates AS (
                SELECT c.id FROM accreditation.completions c
                WHERE c.superseded_by IS NOT NULL OR c.erased_at IS NOT NULL
                UNION
                SELECT c.id
                FROM (
                    SELECT DISTINCT r.learner_key, r.policy_version
                    FROM accreditation.profile_revisions r
                    WHERE NOT coalesce(pg_visible_in_snapshot(r.written_by, (SELECT profiles_snapshot FROM previous)), false)) revised
                JOIN accreditation.completions c ON c.learner_key = revised.learner_key AND c.policy_version = revised.policy_version)
            SELECT c.id AS completion_id, c.policy_version, c.board_reporting_consent, c.state_board_reporting_consent,
                c.superseded_by IS NOT NULL OR c.erased_at IS NOT NULL AS withdrawn,
                sent.batch_id AS sent_batch, sent.first_line AS sent_first_line, sent.line_count AS sent_line_count,
                coalesce(revised.fields, '{}') AS revised_fields
            FROM candidates
            JOIN accreditation.completions c ON c.id = candidates.id
            CROSS JOIN LATERAL (
                SELECT x.batch_id, x.first_line, x.line_count
                FROM accreditation.export_lines x
                WHERE x.recipient = @recipient AND x.completion_id = c.id AND x.action = @add
                ORDER BY x.batch_id DESC
                LIMIT 1) sent
            LEFT JOIN LATERAL (
                SELECT array_agg(DISTINCT field ORDER BY field) AS fields
                FROM accreditation.profile_revisions r
                CROSS JOIN LATERAL unnest(r.fields) AS field
                JOIN accreditation.export_batches b ON b.id = sent.batch_id
                WHERE r.learner_key = c.learner_key AND r.policy_version = c.policy_version
                    AND NOT coalesce(pg_visible_in_snapshot(r.written_by, b.profiles_snapshot), false)) revised ON true
            WHERE (c.superseded_by IS NOT NULL OR c.erased_at IS NOT NULL OR revised.fields IS NOT NULL)
                AND NOT EXISTS (
                    SELECT 1 FROM accreditation.export_lines deleted
                    WHERE deleted.recipient = @recipient AND deleted.completion_id = c.id AND deleted.action = @delete
                        AND (deleted.batch_id, deleted.first_line) > (sent.batch_id, sent.first_line))
            ORDER BY c.id
            """,
            ("recipient", recipient), ("add", ExportLine.Add), ("delete", ExportLine.Delete));

        var changed = new List<Changed>();
        await using var reader = await command.ExecuteReaderAsync(batch.CancellationToken);
        while (await reader.ReadAsync(batch.CancellationToken))
        {
            changed.Add(new Changed(
                reader.GetInt64(reader.GetOrdinal("completion_id")),
                reader.GetString(reader.GetOrdinal("policy_version")),
                reader.GetBoolean(reader.GetOrdinal("board_reporting_consent")),
                reader.GetBoolean(reader.GetOrdinal("state_board_reporting_consent")),
                reader.GetInt64(reader.GetOrdinal("sent_batch")),
                reader.GetInt32(reader.GetOrdinal("sent_first_line")),
                reader.GetInt32(reader.GetOrdinal("sent_line_count")),
                reader.GetBoolean(reader.GetOrdinal("withdrawn")),
                reader.GetFieldValue<string[]>(reader.GetOrdinal("revised_fields"))));
        }

        return changed;
    }

    /// <summary>
    /// The held completions this recipient must delete: the withdrawn, and the revised ones whose rows
    /// carried a field that changed (a recipient that never received the old value gets nothing).
    /// </summary>
    public static List<Changed> ToDelete(IEnumerable<Changed> changed, RecipientExport export) =>
        changed.Where(c => c.Withdrawn || c.RevisedFields.Any(f => export.Carries(f, c.PolicyVersion, c.BoardReporting, c.StateBoardReporting)))
            .ToList();
}
