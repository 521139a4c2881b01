using AccreditationReporting.Storage;

namespace AccreditationReporting.Exports;

/// <summary>
/// Decides, in one statement, what a learner-level batch does with each completion it has not yet
/// handled for the recipient: Delete (sent earlier, since superseded or erased), Add, or Excluded with a reason.
/// Deletes come first in the file so a recipient that matches records removes the old before the new arrives.
/// An erased completion is never added again; counts-only recipients (CountedLines) keep counting it.
/// </summary>
internal static class LearnerLevelLines
{
    /// <param name="qualifies">SQL over award <c>w</c> and rule <c>r</c>: the award is a qualifying claim.</param>
    /// <param name="rows">SQL over the lateral <c>aw</c>: how many file rows an added completion takes.</param>
    /// <param name="recipientExclusion">A CASE branch over activity <c>a</c> for the recipient's own reason, or empty.</param>
    public static async Task DecideAsync(BatchContext batch, string recipient, RecordGates gates, string qualifies, string rows, string recipientExclusion)
    {
        var (versions, creditTypes, consents) = gates.Parameters(recipient);
        await using var command = SqlCommands.Create(
            batch.Connection,
            $"""
            WITH rules AS (
                SELECT v AS policy_version, string_to_array(nullif(t, ''), ',') AS credit_types, string_to_array(nullif(p, ''), ',') AS consents
                FROM unnest($4::text[], $5::text[], $6::text[]) AS r(v, t, p)),
            decided AS (
                SELECT c.id AS completion_id,
                    CASE
                        WHEN c.erased_at IS NOT NULL THEN '{ExclusionReasons.Erased}'
                        WHEN c.superseded_by IS NOT NULL THEN '{ExclusionReasons.Superseded}'
                        WHEN r.policy_version IS NULL THEN '{ExclusionReasons.PolicyDoesNotAllowRecipient}'
                        WHEN NOT coalesce(aw.qualifies, false) THEN '{ExclusionReasons.NoQualifyingClaim}'
                        WHEN r.consents IS NOT NULL AND NOT (
                            (c.board_reporting_consent AND 'board-reporting' = ANY (r.consents))
                            OR (c.state_board_reporting_consent AND 'state-board-reporting' = ANY (r.consents)))
                            THEN '{ExclusionReasons.NoConsent}'
                        {recipientExclusion}
                    END AS reason,
                    {rows} AS rows
                FROM accreditation.completions c
                JOIN accreditation.activities a ON a.id = c.activity_key
                LEFT JOIN rules r ON r.policy_version = c.policy_version
                LEFT JOIN LATERAL (
                    SELECT bool_or({qualifies}) AS qualifies,
                        count(*) FILTER (WHERE w.credit_type = 'Moc' AND w.awarded > 0) AS moc_awards
                    FROM accreditation.credit_awards w WHERE w.completion_id = c.id) aw ON true
                WHERE c.received_at <= $3
                    AND NOT EXISTS (
                        SELECT 1 FROM accreditation.export_lines x
                        WHERE x.recipient = $1 AND x.completion_id = c.id AND x.action IN ('Add', 'Excluded'))),
            withdrawn AS (
                SELECT x.completion_id, x.line_count AS rows
                FROM accreditation.completions c
                JOIN accreditation.export_lines x ON x.recipient = $1 AND x.completion_id = c.id AND x.action = 'Add'
                WHERE (c.superseded_by IS NOT NULL OR c.erased_at IS NOT NULL)
                    AND NOT EXISTS (
                        SELECT 1 FROM accreditation.export_lines d
                        WHERE d.recipient = $1 AND d.completion_id = c.id AND d.action = 'Delete')),
            lines AS (
                SELECT completion_id, 'Delete' AS action, NULL::text AS reason, rows, 0 AS part FROM withdrawn
                UNION ALL
                SELECT completion_id, CASE WHEN reason IS NULL THEN 'Add' ELSE 'Excluded' END, reason,
                    CASE WHEN reason IS NULL THEN rows END, 1
                FROM decided)
            INSERT INTO accreditation.export_lines (recipient, completion_id, action, batch_id, reason, first_line, line_count)
            SELECT $1, completion_id, action, $2, reason,
                CASE WHEN rows IS NOT NULL THEN (sum(rows) OVER (ORDER BY part, completion_id) - rows + 1)::int END,
                rows::int
            FROM lines
            """,
            recipient, batch.BatchId, batch.Cutoff, versions, creditTypes, consents);
        await command.ExecuteNonQueryAsync(batch.CancellationToken);
    }
}
