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
            l.birth_month, l.birth_day, l.license_state, l.license_id_or_npi, l.boards_text, l.board_ids
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
        await LearnerLevelLines.AddAsync(batch, Recipient, Gates, Selection, row, reader =>
        {
            row.RecordId = reader.GetGuid(5).ToString();
            row.FirstName = reader.GetString(6);
            row.LastName = reader.GetString(7);
            row.ActivityId = reader.GetString(8);
            row.ActivityTitle = reader.GetString(9);
            row.CompletionDate = Cells.IsoDate(reader.GetFieldValue<DateOnly>(10));
            var claimed = reader.NullableField<decimal>(11);
            var score = reader.NullableField<decimal>(12);
            var passing = reader.NullableField<decimal>(13);
            row.CreditsClaimed = Cells.Credits(claimed);
            row.QuizScore = Cells.Credits(score);
            row.AssessmentPassed = passing is null ? null : Cells.YesNo(score >= passing);
            row.EvaluationCompleted = Cells.YesNo(reader.GetBoolean(14));
            row.BirthMonthDay = Cells.MonthDay(reader.GetInt32(15), reader.GetInt32(16));
            row.LicensingState = reader.Field<string>(17);
            row.LicensingIdOrNpi = reader.Field<string>(18);
            row.CertifyingBoard = reader.Field<string>(19);
            row.CertifyingBoardId = reader.Field<string>(20);
            Write(csv, row);
        });
    }
}
