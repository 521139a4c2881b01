using AccreditationReporting.Credits;
using AccreditationReporting.Storage;
using CsvHelper;
using Npgsql;

namespace AccreditationReporting.Exports.Pars;

/// <summary>
/// Recipient A. Physicians awarded AMA PRA Category 1 Credit or MOC points, under a policy that lets
/// their data go to ACCME and with the permission it asks for. One row per completion, or one per
/// MOC award when there are several (PARS takes one board and credit type per row); the CME credits
/// are on the first. A completion sent earlier and since superseded or erased is deleted with the
/// very rows that were sent, read back from that batch's file: PARS matches a Delete on what it
/// holds. One whose learner's name or identifiers changed after it was sent is deleted the same way
/// and added again with the new values (PARS never edits a record).
/// </summary>
internal sealed class ParsLearnerExport(RecipientFormat format, RecordGates gates) : RecipientExport<ParsLearnerRow>(format, gates)
{
    private const string AmaClaim = "ama-pra-category-1";
    private const string MocClaim = "moc";

    public override IReadOnlyCollection<string> UnderstoodClaims => [AmaClaim, MocClaim];

    public override async Task WriteAsync(BatchContext batch, CsvWriter csv)
    {
        var changed = HeldCompletions.ToDelete(await HeldCompletions.ReadAsync(batch, Recipient), this);
        await WriteDeletesAsync(batch, csv, changed);

        var corrected = changed.Where(c => !c.Withdrawn).Select(c => c.CompletionId).ToArray();
        await using var query = Query(batch, corrected);
        var row = new ParsLearnerRow { RecordAction = "Add" };
        await LearnerLevelLines.RecordAsync(batch, query, row, reader =>
        {
            var (activity, completedOn, firstName, lastName, birthMonth, birthDay, licenseState, licenseIdOrNpi) = (
                reader.GetOrdinal("accme_activity_id"), reader.GetOrdinal("completed_on"), reader.GetOrdinal("first_name"),
                reader.GetOrdinal("last_name"), reader.GetOrdinal("birth_month"), reader.GetOrdinal("birth_day"),
                reader.GetOrdinal("license_state"), reader.GetOrdinal("license_id_or_npi"));
            var (cmeCredits, board, boardId, boardTotal, mocCreditType, mocCredits) = (
                reader.GetOrdinal("cme_credits"), reader.GetOrdinal("certifying_board"), reader.GetOrdinal("certifying_board_id"),
                reader.GetOrdinal("total_board_credits"), reader.GetOrdinal("moc_credit_type"), reader.GetOrdinal("moc_credits"));
            return reader =>
            {
                row.AccmeActivityId = reader.GetString(activity);
                row.CompletionDate = Cells.UsDate(reader.GetFieldValue<DateOnly>(completedOn));
                row.FirstName = reader.GetString(firstName);
                row.LastName = reader.GetString(lastName);
                row.BirthMonthDay = Cells.MonthDay(reader.GetInt32(birthMonth), reader.GetInt32(birthDay));
                row.LicensingState = reader.Field<string>(licenseState);
                row.LicensingIdOrNpi = reader.Field<string>(licenseIdOrNpi);
                row.CmeCredits = Cells.Credits(reader.NullableField<decimal>(cmeCredits));
                row.CertifyingBoard = reader.Field<string>(board);
                row.CertifyingBoardId = reader.Field<string>(boardId);
                row.TotalBoardCredits = Cells.Credits(reader.NullableField<decimal>(boardTotal));
                row.MocCreditType = reader.Field<string>(mocCreditType);
                row.MocCredits = Cells.Credits(reader.NullableField<decimal>(mocCredits));
                Write(csv, row);
            };
        });
    }

    /// <summary>
    /// Every completion not yet handled for PARS, and the ones being corrected, in ID order, each with
    /// its exclusion reason or its rows. The policy rules come as arrays indexed by the policy's
    /// position in <c>@versions</c>, looked up per completion without a join.
    /// </summary>
    /// <remarks>
    /// Every join keeps the completions' ID order (lookups per row, memoised per activity and per
    /// learner profile), so the first row leaves at once and the writers work while the database
    /// reads. Awards of completions above the highest already handled are summed in one ordered
    /// pass; an older completion (committed late, or being corrected) looks its own up. Only
    /// completions with MOC awards look their awards up again, one row per board and credit type.
    /// </remarks>
    private NpgsqlCommand Query(BatchContext batch, long[] corrected)
    {
        var policies = Gates.For(Format.Id);
        return SqlCommands.Named(
            batch.Reads,
            """
            WITH handled AS (
                SELECT coalesce(max(x.completion_id), 0) AS up_to
                FROM accreditation.export_lines x
                WHERE x.recipient = @recipient),
            recent_awards AS (
                SELECT w.completion_id,
                    sum(w.awarded) FILTER (WHERE w.credit_type = @ama) AS ama_awarded,
                    count(*) FILTER (WHERE w.credit_type = @moc) AS moc_awards
                FROM accreditation.credit_awards w
                WHERE w.completion_id > (SELECT up_to FROM handled) AND w.awarded > 0
                GROUP BY w.completion_id)
            SELECT d.id AS completion_id, d.reason, d.policy_version, d.board_reporting_consent, d.state_board_reporting_consent,
                a.accme_activity_id, d.completed_on, p.first_name, p.last_name, p.birth_month, p.birth_day,
                p.license_state, p.license_id_or_npi,
                CASE WHEN m.n IS NULL OR m.n = 1 THEN d.ama_awarded END AS cme_credits,
                m.board AS certifying_board,
                CASE WHEN m.board IS NOT NULL THEN (
                    SELECT b->>'boardId' FROM jsonb_array_elements(p.boards) b WHERE b->>'board' = m.board LIMIT 1) END AS certifying_board_id,
                m.board_total AS total_board_credits, m.moc_credit_type, m.awarded AS moc_credits
            FROM (
                SELECT c.*, awards.ama_awarded, awards.moc_awards,
                    CASE
                        WHEN c.erased_at IS NOT NULL THEN @erased
                        WHEN c.superseded_by IS NOT NULL THEN @superseded
                        WHEN policy.position IS NULL THEN @policy_does_not_allow_recipient
                        WHEN NOT (
                            ((@claims_ama::bool[])[policy.position] AND coalesce(awards.ama_awarded, 0) > 0)
                            OR ((@claims_moc::bool[])[policy.position] AND coalesce(awards.moc_awards, 0) > 0))
                            THEN @no_qualifying_claim
                        WHEN (@needs_consent::bool[])[policy.position] AND NOT (
                            (c.board_reporting_consent AND (@accepts_board_reporting::bool[])[policy.position])
                            OR (c.state_board_reporting_consent AND (@accepts_state_board_reporting::bool[])[policy.position]))
                            THEN @no_consent
                        WHEN j.accme_activity_id IS NULL THEN @no_accme_activity_id
                    END AS reason
                FROM accreditation.completions c
                JOIN accreditation.activities j ON j.id = c.activity_key
                CROSS JOIN LATERAL (SELECT array_position(@versions::text[], c.policy_version::text) AS position) policy
                LEFT JOIN recent_awards ra ON ra.completion_id = c.id
                LEFT JOIN LATERAL (
                    SELECT sum(w.awarded) FILTER (WHERE w.credit_type = @ama) AS ama_awarded,
                        count(*) FILTER (WHERE w.credit_type = @moc) AS moc_awards
                    FROM accreditation.credit_awards w
                    WHERE c.id <= (SELECT up_to FROM handled) AND w.completion_id = c.id AND w.awarded > 0) oa ON true
                CROSS JOIN LATERAL (
                    SELECT coalesce(ra.ama_awarded, oa.ama_awarded) AS ama_awarded, coalesce(ra.moc_awards, oa.moc_awards) AS moc_awards) awards
                -- A completion being corrected is sent again whatever the cut-off: its Delete is in this batch.
                WHERE (c.received_at <= @cutoff OR c.id = ANY(@corrected))
                    AND NOT EXISTS (
                        SELECT 1 FROM accreditation.export_lines x
                        WHERE x.recipient = @recipient AND x.completion_id = c.id AND x.action IN (@add, @excluded)
                            AND x.completion_id <> ALL(@corrected))
                ORDER BY c.id
                OFFSET 0) d
            CROSS JOIN LATERAL (SELECT a.* FROM accreditation.activities a WHERE a.id = d.activity_key OFFSET 0) a
            -- Only for a completion that is added (an excluded one brings nothing about its learner), and
            -- only the profile collected under the completion's own policy.
            LEFT JOIN LATERAL (
                SELECT p.first_name, p.last_name, p.birth_month, p.birth_day, p.license_state,
                    coalesce(p.license_id, p.npi) AS license_id_or_npi, p.boards
                FROM accreditation.learner_profiles p
                WHERE p.learner_key = d.learner_key AND p.policy_version = d.policy_version
                OFFSET 0) p ON d.reason IS NULL
            LEFT JOIN LATERAL (
                SELECT w.board, w.moc_credit_type, w.awarded, sum(w.awarded) OVER (PARTITION BY w.board) AS board_total,
                    row_number() OVER (ORDER BY w.board, w.moc_credit_type, w.id) AS n
                FROM accreditation.credit_awards w
                WHERE d.reason IS NULL AND d.moc_awards > 0 AND w.completion_id = d.id AND w.credit_type = @moc AND w.awarded > 0) m ON true
            ORDER BY d.id, m.n
            """,
            ("recipient", Recipient), ("cutoff", batch.Cutoff), ("corrected", corrected),
            ("versions", policies.Select(p => p.Version).ToArray()),
            ("claims_ama", policies.Select(p => p.Rule.Claims(AmaClaim)).ToArray()),
            ("claims_moc", policies.Select(p => p.Rule.Claims(MocClaim)).ToArray()),
            ("needs_consent", policies.Select(p => p.Rule.NeedsConsent).ToArray()),
            ("accepts_board_reporting", policies.Select(p => p.Rule.Accepts(Privacy.Consents.BoardReporting)).ToArray()),
            ("accepts_state_board_reporting", policies.Select(p => p.Rule.Accepts(Privacy.Consents.StateBoardReporting)).ToArray()),
            ("ama", nameof(CreditType.AmaPraCategory1)), ("moc", nameof(CreditType.Moc)),
            ("add", ExportLine.Add), ("excluded", ExportLine.Excluded),
            ("erased", ExclusionReasons.Erased), ("superseded", ExclusionReasons.Superseded),
            ("policy_does_not_allow_recipient", ExclusionReasons.PolicyDoesNotAllowRecipient),
            ("no_qualifying_claim", ExclusionReasons.NoQualifyingClaim), ("no_consent", ExclusionReasons.NoConsent),
            ("no_accme_activity_id", ExclusionReasons.NoAccmeActivityId));
    }

    /// <summary>Deletes exactly the rows that were sent, read back from the batch that sent them.</summary>
    private async Task WriteDeletesAsync(BatchContext batch, CsvWriter csv, List<HeldCompletions.Changed> changed)
    {
        var sent = await SentRows.ReadAsync(batch, changed);
        foreach (var deletion in changed)
        {
            for (var line = deletion.SentFirstLine; line < deletion.SentFirstLine + deletion.SentLineCount; line++)
            {
                var row = new ParsLearnerRow
                {
                    PolicyVersion = deletion.PolicyVersion, BoardReporting = deletion.BoardReporting, StateBoardReporting = deletion.StateBoardReporting,
                };
                foreach (var (field, value) in sent[(deletion.SentBatch, line)])
                {
                    if (RowSetters<ParsLearnerRow>.Fields.TryGetValue(field, out var set))
                    {
                        set(row, value.Length == 0 ? null : value);
                    }
                }

                row.RecordAction = "Delete";
                Write(csv, row);
            }

            batch.Ledger.Wrote(deletion.CompletionId, ExportLine.Delete, deletion.SentLineCount);
            await batch.Ledger.ThrottleAsync();
        }
    }
}
