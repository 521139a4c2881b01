using CsvHelper;

namespace AccreditationReporting.Exports.JointProvider;

/// <summary>
/// Recipient D. Learners who claimed AMA PRA Category 1 Credit for an activity the joint provider
/// certifies (seed 001: "if you claim AMA PRA Category 1 credits"). A completion sent earlier and
/// since superseded is withdrawn by its record ID alone: the joint provider already has the rest.
/// </summary>
internal sealed class JointProviderExport(RecipientFormat format, RecordGates gates) : RecipientExport<JointProviderRow>(format, gates)
{
    public override Task DecideAsync(BatchContext batch) =>
        LearnerLevelLines.DecideAsync(
            batch,
            Recipient,
            Gates,
            qualifies: "w.credit_type = ANY (r.credit_types) AND w.claimed > 0",
            rows: "1",
            recipientExclusion: $"WHEN a.joint_provider IS NULL THEN '{ExclusionReasons.NotJointlyProvided}'");

    public override async Task WriteRowsAsync(BatchContext batch, CsvWriter csv)
    {
        // COPY takes no parameters; the batch ID is a number this service generated.
        await using var export = await batch.ExportAsync(
            $"""
            COPY (
                SELECT x.action, c.event_id::text, l.first_name, l.last_name, a.activity_id, a.title, c.completed_on,
                    ama.claimed, c.assessment_score, a.passing_score, c.evaluation_completed,
                    l.birth_month, l.birth_day, l.license_state, coalesce(l.license_id, l.npi), bd.boards, bd.board_ids,
                    c.policy_version, c.board_reporting_consent, c.state_board_reporting_consent
                FROM accreditation.export_lines x
                JOIN accreditation.completions c ON c.id = x.completion_id
                JOIN accreditation.learners l ON l.id = c.learner_key
                JOIN accreditation.activities a ON a.id = c.activity_key
                -- Joins rather than subqueries in the select list: the planner can cache the board
                -- strings per learner instead of building them for every row.
                LEFT JOIN LATERAL (
                    SELECT sum(w.claimed) AS claimed FROM accreditation.credit_awards w
                    WHERE w.completion_id = c.id AND w.credit_type = 'AmaPraCategory1') ama ON true
                LEFT JOIN LATERAL (
                    SELECT string_agg(b->>'board', ';' ORDER BY b->>'board') AS boards,
                        string_agg(b->>'boardId', ';' ORDER BY b->>'board') AS board_ids
                    FROM jsonb_array_elements(l.boards) b) bd ON true
                WHERE x.batch_id = {batch.BatchId} AND x.first_line IS NOT NULL
                ORDER BY x.first_line
            ) TO STDOUT (FORMAT BINARY)
            """);

        var row = new JointProviderRow();
        while (await export.StartRowAsync(batch.CancellationToken) != -1)
        {
            var withdrawn = export.Read<string>() == ExportLine.Delete;
            row.RecordId = export.Read<string>();
            row.RecordStatus = withdrawn ? "withdrawn" : "new";
            row.FirstName = export.Read<string>();
            row.LastName = export.Read<string>();
            row.ActivityId = export.Read<string>();
            row.ActivityTitle = export.Read<string>();
            row.CompletionDate = Cells.IsoDate(export.Read<DateOnly>());
            var claimed = export.NextValue<decimal>();
            var score = export.NextValue<decimal>();
            var passing = export.NextValue<decimal>();
            row.CreditsClaimed = Cells.Credits(claimed);
            row.QuizScore = Cells.Credits(score);
            row.AssessmentPassed = passing is null ? null : Cells.YesNo(score >= passing);
            row.EvaluationCompleted = Cells.YesNo(export.Read<bool>());
            row.BirthMonthDay = Cells.MonthDay(export.Read<int>(), export.Read<int>());
            row.LicensingState = export.Next<string>();
            row.LicensingIdOrNpi = export.Next<string>();
            row.CertifyingBoard = export.Next<string>();
            row.CertifyingBoardId = export.Next<string>();
            row.PolicyVersion = export.Read<string>();
            row.BoardReporting = export.Read<bool>();
            row.StateBoardReporting = export.Read<bool>();
            if (withdrawn)
            {
                // A withdrawal names the record and nothing else about the learner.
                Write(csv, new JointProviderRow
                {
                    RecordId = row.RecordId, RecordStatus = row.RecordStatus, PolicyVersion = row.PolicyVersion,
                });
                continue;
            }

            Write(csv, row);
        }
    }
}
