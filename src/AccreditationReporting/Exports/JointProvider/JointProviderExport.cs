using AccreditationReporting.Credits;
using AccreditationReporting.Storage;
using CsvHelper;
using Npgsql;

namespace AccreditationReporting.Exports.JointProvider;

/// <summary>
/// Recipient D, one per joint provider: learners who claimed AMA PRA Category 1 Credit for an
/// activity jointly provided with this organisation (seed 001: "if you claim AMA PRA Category 1
/// credits"), under a policy that lets their data go to it. A completion sent earlier and since
/// superseded or erased is withdrawn by its record ID alone; one whose learner's name or identifiers
/// changed after it was sent is withdrawn and sent again as a new record.
/// </summary>
internal sealed class JointProviderExport(
    RecipientFormat format, RecordGates gates, JointProviderOrganisation provider, IReadOnlyList<string> configuredProviders)
    : RecipientExport<JointProviderRow>(format, gates, provider.Recipient)
{
    private const string AmaClaim = "ama-pra-category-1";

    public JointProviderOrganisation Provider { get; } = provider;

    public override IReadOnlyCollection<string> UnderstoodClaims => [AmaClaim];

    /// <summary>
    /// Before joint providers were recipients of their own, they shared one, <c>joint-provider</c>.
    /// What that recipient was sent of this provider's activities is this provider's now, so it is
    /// neither sent again nor left without its withdrawals. Runs before the batch reads anything.
    /// </summary>
    public override async Task PrepareAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = SqlCommands.Named(
            connection,
            """
            UPDATE accreditation.export_lines x
            SET recipient = @recipient
            FROM accreditation.completions c
            JOIN accreditation.activities a ON a.id = c.activity_key
            WHERE x.recipient = @shared_recipient AND x.completion_id = c.id AND x.action IN (@add, @delete)
                AND lower(a.joint_provider) IN (SELECT lower(named) FROM unnest(@provider::text[]) named)
            """,
            ("recipient", Recipient), ("shared_recipient", Recipients.JointProvider), ("add", ExportLine.Add),
            ("delete", ExportLine.Delete), ("provider", Provider.NamedAs));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public override async Task WriteAsync(BatchContext batch, CsvWriter csv)
    {
        var changed = HeldCompletions.ToDelete(await HeldCompletions.ReadAsync(batch, Recipient), this);
        var sent = await SentRows.ReadAsync(batch, changed);
        foreach (var withdrawal in changed)
        {
            // A withdrawal names the record as it was sent, and nothing else about the learner.
            var recordId = sent[(withdrawal.SentBatch, withdrawal.SentFirstLine)].GetValueOrDefault("record-id");
            Write(csv, new JointProviderRow { RecordId = recordId, RecordStatus = "withdrawn", PolicyVersion = withdrawal.PolicyVersion });
            batch.Ledger.Wrote(withdrawal.CompletionId, ExportLine.Delete, 1);
            await batch.Ledger.ThrottleAsync();
        }

        var corrected = changed.Where(c => !c.Withdrawn).Select(c => c.CompletionId).ToArray();
        await using var query = Query(batch, corrected);
        var row = new JointProviderRow { RecordStatus = "new" };
        await LearnerLevelLines.RecordAsync(batch, query, row, reader =>
        {
            var (recordId, firstName, lastName, activityId, activityTitle, completedOn, claimed, score, passing, evaluated) = (
                reader.GetOrdinal("record_id"), reader.GetOrdinal("first_name"), reader.GetOrdinal("last_name"),
                reader.GetOrdinal("activity_id"), reader.GetOrdinal("activity_title"), reader.GetOrdinal("completed_on"),
                reader.GetOrdinal("credits_claimed"), reader.GetOrdinal("assessment_score"), reader.GetOrdinal("passing_score"),
                reader.GetOrdinal("evaluation_completed"));
            var (birthMonth, birthDay, licenseState, licenseIdOrNpi, boards, boardIds) = (
                reader.GetOrdinal("birth_month"), reader.GetOrdinal("birth_day"), reader.GetOrdinal("license_state"),
                reader.GetOrdinal("license_id_or_npi"), reader.GetOrdinal("boards"), reader.GetOrdinal("board_ids"));
            return reader =>
            {
                row.RecordId = reader.GetGuid(recordId).ToString();
                row.FirstName = reader.GetString(firstName);
                row.LastName = reader.GetString(lastName);
                row.ActivityId = reader.GetString(activityId);
                row.ActivityTitle = reader.GetString(activityTitle);
                row.CompletionDate = Cells.IsoDate(reader.GetFieldValue<DateOnly>(completedOn));
                row.CreditsClaimed = Cells.Credits(reader.NullableField<decimal>(claimed));
                var quizScore = reader.NullableField<decimal>(score);
                var passingScore = reader.NullableField<decimal>(passing);
                row.QuizScore = Cells.Credits(quizScore);
                row.AssessmentPassed = passingScore is null ? null : Cells.YesNo(quizScore >= passingScore);
                row.EvaluationCompleted = Cells.YesNo(reader.GetBoolean(evaluated));
                row.BirthMonthDay = Cells.MonthDay(reader.GetInt32(birthMonth), reader.GetInt32(birthDay));
                row.LicensingState = reader.Field<string>(licenseState);
                row.LicensingIdOrNpi = reader.Field<string>(licenseIdOrNpi);
                row.CertifyingBoard = reader.Field<string>(boards);
                row.CertifyingBoardId = reader.Field<string>(boardIds);
                Write(csv, row);
            };
        });
    }

    /// <summary>
    /// Every completion not yet handled for this joint provider, and the ones being corrected, in ID
    /// order, each with its exclusion reason or its row. The policy rules come as arrays indexed by
    /// the policy's position in <c>@versions</c>, looked up per completion without a join.
    /// </summary>
    /// <remarks>
    /// Every join keeps the completions' ID order (lookups per row, memoised per activity and per
    /// learner profile), so the first row leaves at once and the writers work while the database
    /// reads. Claims of completions above the highest already handled are summed in one ordered
    /// pass; an older completion (committed late, or being corrected) looks its own up.
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
            -- How activities may name this joint provider and the configured ones, folded as the
            -- database folds the activities' values.
            named AS (
                SELECT (SELECT array_agg(lower(n)) FROM unnest(@provider::text[]) n) AS this_provider,
                    (SELECT array_agg(lower(n)) FROM unnest(@configured_providers::text[]) n) AS configured),
            recent_claims AS (
                SELECT w.completion_id, sum(w.claimed) AS ama_claimed
                FROM accreditation.credit_awards w
                WHERE w.completion_id > (SELECT up_to FROM handled) AND w.credit_type = @ama AND w.claimed > 0
                GROUP BY w.completion_id)
            SELECT d.id AS completion_id, d.reason, d.policy_version, d.board_reporting_consent, d.state_board_reporting_consent,
                CASE WHEN d.corrected THEN md5(d.event_id::text || '/' || @batch_id::text)::uuid ELSE d.event_id END AS record_id,
                p.first_name, p.last_name, a.activity_id, a.title AS activity_title, d.completed_on,
                d.ama_claimed AS credits_claimed, d.assessment_score, a.passing_score, d.evaluation_completed,
                p.birth_month, p.birth_day, p.license_state, p.license_id_or_npi, p.boards, p.board_ids
            FROM (
                SELECT c.*, claims.ama_claimed, c.id = ANY(@corrected) AS corrected,
                    CASE
                        WHEN c.erased_at IS NOT NULL THEN @erased
                        WHEN c.superseded_by IS NOT NULL THEN @superseded
                        WHEN j.joint_provider IS NULL THEN @not_jointly_provided
                        WHEN lower(j.joint_provider) <> ALL(named.this_provider) AND lower(j.joint_provider) = ANY(named.configured)
                            THEN @another_joint_provider
                        WHEN lower(j.joint_provider) <> ALL(named.this_provider) THEN @joint_provider_not_configured
                        WHEN policy.position IS NULL THEN @policy_does_not_allow_recipient
                        WHEN (@policy_names_another::bool[])[policy.position] THEN @policy_names_another_joint_provider
                        WHEN coalesce(claims.ama_claimed, 0) = 0 THEN @no_qualifying_claim
                        WHEN (@needs_consent::bool[])[policy.position] AND NOT (
                            (c.board_reporting_consent AND (@accepts_board_reporting::bool[])[policy.position])
                            OR (c.state_board_reporting_consent AND (@accepts_state_board_reporting::bool[])[policy.position]))
                            THEN @no_consent
                    END AS reason
                FROM accreditation.completions c
                CROSS JOIN named
                JOIN accreditation.activities j ON j.id = c.activity_key
                CROSS JOIN LATERAL (SELECT array_position(@versions::text[], c.policy_version::text) AS position) policy
                LEFT JOIN recent_claims rc ON rc.completion_id = c.id
                LEFT JOIN LATERAL (
                    SELECT sum(w.claimed) AS ama_claimed
                    FROM accreditation.credit_awards w
                    WHERE c.id <= (SELECT up_to FROM handled) AND w.completion_id = c.id AND w.credit_type = @ama AND w.claimed > 0) oc ON true
                CROSS JOIN LATERAL (SELECT coalesce(rc.ama_claimed, oc.ama_claimed) AS ama_claimed) claims
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
                    coalesce(p.license_id, p.npi) AS license_id_or_npi, b.boards, b.board_ids
                FROM accreditation.learner_profiles p
                LEFT JOIN LATERAL (
                    SELECT string_agg(m->>'board', ';' ORDER BY m->>'board') AS boards,
                        string_agg(m->>'boardId', ';' ORDER BY m->>'board') AS board_ids
                    FROM jsonb_array_elements(p.boards) m) b ON true
                WHERE p.learner_key = d.learner_key AND p.policy_version = d.policy_version
                OFFSET 0) p ON d.reason IS NULL
            ORDER BY d.id
            """,
            ("recipient", Recipient), ("batch_id", batch.BatchId), ("cutoff", batch.Cutoff), ("corrected", corrected),
            ("provider", Provider.NamedAs), ("configured_providers", configuredProviders.ToArray()),
            ("versions", policies.Select(p => p.Version).ToArray()),
            ("policy_names_another", policies.Select(p => !p.Rule.Permission.AllowsJointProvider(Provider.Name)).ToArray()),
            ("needs_consent", policies.Select(p => p.Rule.NeedsConsent).ToArray()),
            ("accepts_board_reporting", policies.Select(p => p.Rule.Accepts(Privacy.Consents.BoardReporting)).ToArray()),
            ("accepts_state_board_reporting", policies.Select(p => p.Rule.Accepts(Privacy.Consents.StateBoardReporting)).ToArray()),
            ("ama", nameof(CreditType.AmaPraCategory1)), ("add", ExportLine.Add), ("excluded", ExportLine.Excluded),
            ("erased", ExclusionReasons.Erased), ("superseded", ExclusionReasons.Superseded),
            ("not_jointly_provided", ExclusionReasons.NotJointlyProvided), ("another_joint_provider", ExclusionReasons.AnotherJointProvider),
            ("joint_provider_not_configured", ExclusionReasons.JointProviderNotConfigured),
            ("policy_does_not_allow_recipient", ExclusionReasons.PolicyDoesNotAllowRecipient),
            ("policy_names_another_joint_provider", ExclusionReasons.PolicyNamesAnotherJointProvider),
            ("no_qualifying_claim", ExclusionReasons.NoQualifyingClaim), ("no_consent", ExclusionReasons.NoConsent));
    }
}
