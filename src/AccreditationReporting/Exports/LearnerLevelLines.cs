using System.Data;
using AccreditationReporting.Storage;
using Npgsql;

namespace AccreditationReporting.Exports;

/// <summary>
/// How a learner-level batch reads what it sends, in one pass. First the withdrawals: completions
/// sent earlier and since superseded or erased, which get Delete rows; an erased completion is never
/// added again (counts-only recipients, <see cref="CountedLines"/>, keep counting it). Then every completion not yet handled
/// for the recipient, in ID order, each either excluded with a reason or added with its rows. The
/// batch's ledger records each as its rows are written, so the lines say exactly what the file holds.
/// </summary>
internal static class LearnerLevelLines
{
    /// <summary>A completion to withdraw, and where its rows are in the batch that sent them.</summary>
    public sealed record Withdrawal(
        long CompletionId, long SentBatch, int SentFirstLine, int SentLineCount, string RecordId,
        string PolicyVersion, bool BoardReporting, bool StateBoardReporting);

    public static async Task<List<Withdrawal>> WithdrawalsAsync(BatchContext batch, string recipient)
    {
        await using var command = SqlCommands.Create(
            batch.Reads,
            """
            SELECT sent.completion_id, sent.batch_id, sent.first_line, sent.line_count, c.event_id::text,
                c.policy_version, c.board_reporting_consent, c.state_board_reporting_consent
            FROM accreditation.completions c
            JOIN accreditation.export_lines sent ON sent.recipient = $1 AND sent.completion_id = c.id AND sent.action = 'Add'
            WHERE (c.superseded_by IS NOT NULL OR c.erased_at IS NOT NULL)
                AND NOT EXISTS (
                    SELECT 1 FROM accreditation.export_lines d
                    WHERE d.recipient = $1 AND d.completion_id = c.id AND d.action = 'Delete')
            ORDER BY c.id
            """,
            recipient);
        var withdrawals = new List<Withdrawal>();
        await using var reader = await command.ExecuteReaderAsync(batch.CancellationToken);
        while (await reader.ReadAsync(batch.CancellationToken))
        {
            withdrawals.Add(new Withdrawal(
                reader.GetInt64(0), reader.GetInt64(1), reader.GetInt32(2), reader.GetInt32(3), reader.GetString(4),
                reader.GetString(5), reader.GetBoolean(6), reader.GetBoolean(7)));
        }

        return withdrawals;
    }

    /// <summary>What a recipient adds to the shared selection of completions not yet handled.</summary>
    /// <param name="Qualifies">SQL over award <c>w</c> and rule <c>r</c>: the award is a qualifying claim.</param>
    /// <param name="Awards">Aggregates over the completion's awards <c>w</c>, named, for the row columns.</param>
    /// <param name="Exclusion">A CASE branch over activity <c>a</c> for the recipient's own reason, or empty.</param>
    /// <param name="Columns">The row columns, over the decided completion <c>d</c> (its completion and award columns),
    /// activity <c>a</c>, learner <c>l</c> (null when excluded) and <paramref name="Joins"/>.</param>
    /// <param name="Joins">More joins for the columns, or empty.</param>
    /// <param name="Order">Columns that order a completion's rows after its ID, or empty.</param>
    public sealed record Selection(string Qualifies, string Awards, string Exclusion, string Columns, string Joins = "", string Order = "");

    /// <summary>
    /// Streams every completion not yet handled for the recipient, in ID order: columns 0 and 1 are
    /// its ID and its exclusion reason (null when it is added), then <see cref="Selection.Columns"/>.
    /// <paramref name="writeRow"/> writes one row of an added completion; a completion may take several.
    /// </summary>
    public static async Task AddAsync(BatchContext batch, string recipient, RecordGates gates, Selection selection, Action<NpgsqlDataReader> writeRow)
    {
        var (versions, creditTypes, consents) = gates.Parameters(recipient);
        await using var command = SqlCommands.Create(
            batch.Reads,
            $"""
            WITH rules AS (
                SELECT v AS policy_version, string_to_array(nullif(t, ''), ',') AS credit_types, string_to_array(nullif(p, ''), ',') AS consents
                FROM unnest($3::text[], $4::text[], $5::text[]) AS r(v, t, p)),
            decided AS (
                SELECT c.*, aw.*,
                    CASE
                        WHEN c.erased_at IS NOT NULL THEN '{ExclusionReasons.Erased}'
                        WHEN c.superseded_by IS NOT NULL THEN '{ExclusionReasons.Superseded}'
                        WHEN r.policy_version IS NULL THEN '{ExclusionReasons.PolicyDoesNotAllowRecipient}'
                        WHEN NOT coalesce(aw.qualifies, false) THEN '{ExclusionReasons.NoQualifyingClaim}'
                        WHEN r.consents IS NOT NULL AND NOT (
                            (c.board_reporting_consent AND 'board-reporting' = ANY (r.consents))
                            OR (c.state_board_reporting_consent AND 'state-board-reporting' = ANY (r.consents)))
                            THEN '{ExclusionReasons.NoConsent}'
                        {selection.Exclusion}
                    END AS reason
                FROM accreditation.completions c
                JOIN accreditation.activities a ON a.id = c.activity_key
                LEFT JOIN rules r ON r.policy_version = c.policy_version
                LEFT JOIN LATERAL (
                    SELECT bool_or({selection.Qualifies}) AS qualifies, {selection.Awards}
                    FROM accreditation.credit_awards w WHERE w.completion_id = c.id) aw ON true
                WHERE c.received_at <= $2
                    AND NOT EXISTS (
                        SELECT 1 FROM accreditation.export_lines x
                        WHERE x.recipient = $1 AND x.completion_id = c.id AND x.action IN ('Add', 'Excluded')))
            SELECT d.id, d.reason, {selection.Columns}
            FROM decided d
            JOIN accreditation.activities a ON a.id = d.activity_key
            -- An excluded completion brings nothing about its learner.
            LEFT JOIN accreditation.learners l ON d.reason IS NULL AND l.id = d.learner_key
            {selection.Joins}
            ORDER BY d.id{(selection.Order.Length > 0 ? ", " + selection.Order : string.Empty)}
            """,
            recipient, batch.Cutoff, versions, creditTypes, consents);

        var ledger = batch.Ledger;
        await using var reader = await command.ExecuteReaderAsync(CommandBehavior.SequentialAccess, batch.CancellationToken);
        long current = 0;
        var (rows, excluded) = (0, false);
        while (await reader.ReadAsync(batch.CancellationToken))
        {
            var id = reader.GetInt64(0);
            if (id != current)
            {
                if (rows > 0)
                {
                    ledger.Wrote(current, ExportLine.Add, rows);
                }

                (current, rows, excluded) = (id, 0, !reader.IsDBNull(1));
                if (excluded)
                {
                    ledger.Excluded(id, reader.GetString(1));
                }
            }

            if (excluded)
            {
                continue;
            }

            writeRow(reader);
            rows++;
            await ledger.ThrottleAsync();
        }

        if (rows > 0)
        {
            ledger.Wrote(current, ExportLine.Add, rows);
        }
    }

    /// <summary>Reads a column that may be null.</summary>
    public static T? Field<T>(this NpgsqlDataReader reader, int ordinal) where T : class =>
        reader.IsDBNull(ordinal) ? null : reader.GetFieldValue<T>(ordinal);

    public static T? NullableField<T>(this NpgsqlDataReader reader, int ordinal) where T : struct =>
        reader.IsDBNull(ordinal) ? null : reader.GetFieldValue<T>(ordinal);
}
