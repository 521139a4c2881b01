using CsvHelper;

namespace AccreditationReporting.Exports.JointProvider;

/// <summary>
/// Recipient D. Learners who claimed AMA PRA Category 1 Credit for an activity the joint provider
/// certifies (seed 001: "if you claim AMA PRA Category 1 credits"). A completion sent earlier and
/// since superseded is withdrawn by its record ID alone: the joint provider already has the rest.
/// </summary>
internal sealed class JointProviderExport(RecipientFormat format, RecordGates gates) : RecipientExport<JointProviderRow>(format, gates)
{
    private static readonly LearnerLevelLines.Selection Selection = new(
        Claims: "w.claimed > 0",
        Awards: [("ama_claimed", "sum(w.claimed) FILTER (WHERE w.credit_type = 'AmaPraCategory1')")],
        Exclusion: $"WHEN a.joint_provider IS NULL THEN '{ExclusionReasons.NotJointlyProvided}'",
        Columns: """
            d.event_id, l.first_name, l.last_name, a.activity_id, a.title, d.completed_on,
            d.ama_claimed, d.assessment_score, a.passing_score, d.evaluation_completed,
            l.birth_month, l.birth_day, l.license_state, l.license_id_or_npi, l.boards_text, l.board_ids,
            d.policy, d.board_reporting_consent, d.state_board_reporting_consent
            """,
        LearnerColumns: ", bd.boards_text, bd.board_ids",
        LearnerJoins: """
            LEFT JOIN LATERAL (
                SELECT string_agg(b->>'board', ';' ORDER BY b->>'board') AS boards_text,
                    string_agg(b->>'boardId', ';' ORDER BY b->>'board') AS board_ids
                FROM jsonb_array_elements(l.boards) b) bd ON true
            """);

    public override async Task WriteAsync(BatchContext batch, CsvWriter csv)
    {
        foreach (var withdrawal in await LearnerLevelLines.WithdrawalsAsync(batch, Recipient))
        {
            // A withdrawal names the record and nothing else about the learner.
            Write(csv, new JointProviderRow { RecordId = withdrawal.RecordId, RecordStatus = "withdrawn", PolicyVersion = withdrawal.PolicyVersion });
            batch.Ledger.Wrote(withdrawal.CompletionId, ExportLine.Delete, 1);
            await batch.Ledger.ThrottleAsync();
        }

        var row = new JointProviderRow { RecordStatus = "new" };
        var policies = Gates.Parameters(Recipient).Versions;
        await LearnerLevelLines.AddAsync(batch, Recipient, Gates, Selection, reader =>
        {
            row.RecordId = reader.GetGuid(2).ToString();
            row.FirstName = reader.GetString(3);
            row.LastName = reader.GetString(4);
            row.ActivityId = reader.GetString(5);
            row.ActivityTitle = reader.GetString(6);
            row.CompletionDate = Cells.IsoDate(reader.GetFieldValue<DateOnly>(7));
            var claimed = reader.NullableField<decimal>(8);
            var score = reader.NullableField<decimal>(9);
            var passing = reader.NullableField<decimal>(10);
            row.CreditsClaimed = Cells.Credits(claimed);
            row.QuizScore = Cells.Credits(score);
            row.AssessmentPassed = passing is null ? null : Cells.YesNo(score >= passing);
            row.EvaluationCompleted = Cells.YesNo(reader.GetBoolean(11));
            row.BirthMonthDay = Cells.MonthDay(reader.GetInt32(12), reader.GetInt32(13));
            row.LicensingState = reader.Field<string>(14);
            row.LicensingIdOrNpi = reader.Field<string>(15);
            row.CertifyingBoard = reader.Field<string>(16);
            row.CertifyingBoardId = reader.Field<string>(17);
            row.PolicyVersion = policies[reader.GetInt32(18)];
            row.BoardReporting = reader.GetBoolean(19);
            row.StateBoardReporting = reader.GetBoolean(20);
            Write(csv, row);
        });
    }
}
