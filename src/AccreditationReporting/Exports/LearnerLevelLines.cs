using AccreditationReporting.Credits;
using AccreditationReporting.Privacy;
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
    /// <param name="Claims">SQL over award <c>w</c>: the award counts as a claim of its credit type for this recipient.</param>
    /// <param name="Awards">Aggregates over a completion's awards <c>w</c>, by the name the columns use (<c>d.name</c>).</param>
    /// <param name="Exclusion">A CASE branch over activity <c>a</c> for the recipient's own reason, or empty.</param>
    /// <param name="Columns">The row columns, over the decided completion <c>d</c> (its completion columns, awards
    /// and reason), activity <c>a</c>, learner <c>l</c> (null when excluded) and <paramref name="Joins"/>.</param>
    /// <param name="LearnerColumns">More columns per learner <c>l</c>, computed once per learner, or empty.</param>
    /// <param name="LearnerJoins">Joins for <paramref name="LearnerColumns"/>, or empty.</param>
    /// <param name="Joins">More joins for the columns, or empty.</param>
    /// <param name="Order">Columns that order a completion's rows after its ID, or empty.</param>
    public sealed record Selection(
        string Claims, IReadOnlyList<(string Name, string Sql)> Awards, string Exclusion, string Columns,
        string LearnerColumns = "", string LearnerJoins = "", string Joins = "", string Order = "");

    /// <summary>
    /// Streams every completion not yet handled for the recipient, in ID order: columns 0 and 1 are
    /// its ID and its exclusion reason (null when it is added); 2 to 4 what decides its conditional
    /// fields, which are set on <paramref name="row"/>; then <see cref="Selection.Columns"/>, from 5.
    /// <paramref name="writeRow"/> writes one row of an added completion; a completion may take several.
    /// </summary>
    /// <remarks>
    /// Every join keeps the completions' ID order (merge joins on ordered scans, lookups per row), so
    /// the first row leaves at once and the writers work while the database reads; a sort would hold
    /// everything back until the last row was read. Awards of completions above the highest already
    /// handled are aggregated in one ordered pass; an older completion (one committed late) looks its
    /// own up.
    /// </remarks>
    public static async Task AddAsync(BatchContext batch, string recipient, RecordGates gates, Selection selection, LearnerRecord row, Action<NpgsqlDataReader> writeRow)
    {
        var (versions, creditTypes, consents) = gates.Parameters(recipient);

        // Each policy's rule as arrays indexed by the policy's position, looked up per completion
        // without a join. Credit types are bits: a completion qualifies when its claimed types and
        // the policy's share one.
        var creditMasks = creditTypes.Select(types => types.Split(',', StringSplitOptions.RemoveEmptyEntries)
            .Aggregate(0, (mask, type) => mask | CreditBit(Enum.Parse<CreditType>(type)))).ToArray();
        var permissions = consents.Select(c => c.Split(',', StringSplitOptions.RemoveEmptyEntries)).ToList();
        var needsPermission = permissions.Select(p => p.Length > 0).ToArray();
        var boardPermits = permissions.Select(p => p.Contains(Consents.BoardReporting)).ToArray();
        var statePermits = permissions.Select(p => p.Contains(Consents.StateBoardReporting)).ToArray();
        var bits = string.Join(" ", Enum.GetValues<CreditType>().Select(t => $"WHEN '{t}' THEN {CreditBit(t)}"));
        var awards = selection.Awards.Prepend(("claim_bits", $"bit_or(CASE w.credit_type {bits} END) FILTER (WHERE {selection.Claims})")).ToList();
        var aggregates = string.Join(", ", awards.Select(a => $"{a.Item2} AS {a.Item1}"));
        await using var command = SqlCommands.Create(
            batch.Reads,
            $"""
            WITH handled AS (
                SELECT coalesce(max(x.completion_id), 0) AS up_to FROM accreditation.export_lines x WHERE x.recipient = $1),
            recent_awards AS (
                SELECT w.completion_id, {aggregates}
                FROM accreditation.credit_awards w
                WHERE w.completion_id > (SELECT up_to FROM handled)
                GROUP BY w.completion_id)
            SELECT d.id, d.reason, d.policy, d.board_reporting_consent, d.state_board_reporting_consent, {selection.Columns}
            FROM (
                -- The policy version as its index in $3: a number per row rather than a string.
                SELECT c.*, p.position - 1 AS policy, {string.Join(", ", awards.Select(a => $"coalesce(ra.{a.Item1}, oa.{a.Item1}) AS {a.Item1}"))},
                    CASE
                        WHEN c.erased_at IS NOT NULL THEN '{ExclusionReasons.Erased}'
                        WHEN c.superseded_by IS NOT NULL THEN '{ExclusionReasons.Superseded}'
                        WHEN p.position IS NULL THEN '{ExclusionReasons.PolicyDoesNotAllowRecipient}'
                        WHEN coalesce(coalesce(ra.claim_bits, oa.claim_bits) & ($4::int[])[p.position], 0) = 0 THEN '{ExclusionReasons.NoQualifyingClaim}'
                        WHEN ($5::bool[])[p.position] AND NOT (
                            (c.board_reporting_consent AND ($6::bool[])[p.position])
                            OR (c.state_board_reporting_consent AND ($7::bool[])[p.position]))
                            THEN '{ExclusionReasons.NoConsent}'
                        {selection.Exclusion}
                    END AS reason
                FROM accreditation.completions c
                JOIN accreditation.activities a ON a.id = c.activity_key
                CROSS JOIN LATERAL (SELECT array_position($3::text[], c.policy_version::text) AS position) p
                LEFT JOIN recent_awards ra ON ra.completion_id = c.id
                LEFT JOIN LATERAL (
                    SELECT {aggregates}
                    FROM accreditation.credit_awards w
                    WHERE c.id <= (SELECT up_to FROM handled) AND w.completion_id = c.id) oa ON true
                WHERE c.received_at <= $2
                    AND NOT EXISTS (
                        SELECT 1 FROM accreditation.export_lines x
                        WHERE x.recipient = $1 AND x.completion_id = c.id AND x.action IN ('Add', 'Excluded'))
                ORDER BY c.id
                OFFSET 0) d
            CROSS JOIN LATERAL (SELECT a.* FROM accreditation.activities a WHERE a.id = d.activity_key OFFSET 0) a
            -- Once per learner (memoised), and only for a completion that is added: an excluded one
            -- brings nothing about its learner.
            LEFT JOIN LATERAL (
                SELECT l.first_name, l.last_name, l.birth_month, l.birth_day, l.license_state,
                    coalesce(l.license_id, l.npi) AS license_id_or_npi, l.boards{selection.LearnerColumns}
                FROM accreditation.learners l
                {selection.LearnerJoins}
                WHERE l.id = d.learner_key
                OFFSET 0) l ON d.reason IS NULL
            {selection.Joins}
            ORDER BY d.id{(selection.Order.Length > 0 ? ", " + selection.Order : string.Empty)}
            """,
            recipient, batch.Cutoff, versions, creditMasks, needsPermission, boardPermits, statePermits);

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

            (row.PolicyVersion, row.BoardReporting, row.StateBoardReporting) = (versions[reader.GetInt32(2)], reader.GetBoolean(3), reader.GetBoolean(4));
            writeRow(reader);
            rows++;
            await ledger.ThrottleAsync();
        }

        if (rows > 0)
        {
            ledger.Wrote(current, ExportLine.Add, rows);
        }
    }

    private static int CreditBit(CreditType type) => 1 << (int)type;

    /// <summary>Reads a column that may be null.</summary>
    public static T? Field<T>(this NpgsqlDataReader reader, int ordinal) where T : class =>
        reader.IsDBNull(ordinal) ? null : reader.GetFieldValue<T>(ordinal);

    public static T? NullableField<T>(this NpgsqlDataReader reader, int ordinal) where T : struct =>
        reader.IsDBNull(ordinal) ? null : reader.GetFieldValue<T>(ordinal);
}
