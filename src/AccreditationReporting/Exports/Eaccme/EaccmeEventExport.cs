using AccreditationReporting.Credits;
using AccreditationReporting.Storage;
using CsvHelper;

namespace AccreditationReporting.Exports.Eaccme;

/// <summary>
/// Recipient C. For every EACCME event a batch counted completions of, the event's totals over every
/// completion counted so far: ECMECs granted, participants, and feedback forms completed (EACCME
/// asks for a feedback summary; the form's answers are not stored here, only whether it was done).
/// Every completion counts whatever policy it was collected under: no learner appears in this file.
/// </summary>
internal sealed class EaccmeEventExport(RecipientFormat format, RecordGates gates) : RecipientExport<EaccmeEventRow>(format, gates)
{
    public override async Task WriteAsync(BatchContext batch, CsvWriter csv)
    {
        await using (var count = SqlCommands.Named(
            batch.Connection,
            """
            INSERT INTO accreditation.export_lines (recipient, completion_id, action, batch_id, reason)
            SELECT @recipient, c.id,
                CASE WHEN a.eaccme_event_code IS NOT NULL THEN @counted ELSE @excluded END, @batch_id,
                CASE WHEN a.eaccme_event_code IS NULL THEN @no_eaccme_event_code END
            FROM accreditation.completions c
            JOIN accreditation.activities a ON a.id = c.activity_key
            WHERE c.received_at <= @cutoff
                AND NOT EXISTS (SELECT 1 FROM accreditation.export_lines x WHERE x.recipient = @recipient AND x.completion_id = c.id)
            """,
            ("recipient", Recipient), ("batch_id", batch.BatchId), ("cutoff", batch.Cutoff), ("counted", ExportLine.Counted),
            ("excluded", ExportLine.Excluded), ("no_eaccme_event_code", ExclusionReasons.NoEaccmeEventCode)))
        {
            await count.ExecuteNonQueryAsync(batch.CancellationToken);
        }

        await using var totals = SqlCommands.Named(
            batch.Connection,
            """
            WITH touched AS (
                SELECT DISTINCT c.activity_key
                FROM accreditation.export_lines x
                JOIN accreditation.completions c ON c.id = x.completion_id
                WHERE x.batch_id = @batch_id AND x.recipient = @recipient AND x.action = @counted)
            SELECT a.eaccme_event_code, a.title, a.start_date, a.end_date,
                coalesce(sum(w.awarded) FILTER (WHERE c.superseded_by IS NULL), 0) AS ecmec_granted,
                count(DISTINCT c.learner_key) AS participants,
                count(DISTINCT c.learner_key) FILTER (WHERE c.evaluation_completed) AS feedback_forms_completed
            FROM touched t
            JOIN accreditation.activities a ON a.id = t.activity_key
            JOIN accreditation.completions c ON c.activity_key = t.activity_key
            JOIN accreditation.export_lines x ON x.recipient = @recipient AND x.completion_id = c.id AND x.action = @counted
            LEFT JOIN accreditation.credit_awards w ON w.completion_id = c.id AND w.credit_type = @ecmec
            GROUP BY a.id
            ORDER BY a.eaccme_event_code, a.id
            """,
            ("recipient", Recipient), ("batch_id", batch.BatchId), ("counted", ExportLine.Counted), ("ecmec", nameof(CreditType.Ecmec)));
        await using var reader = await totals.ExecuteReaderAsync(batch.CancellationToken);
        var row = new EaccmeEventRow();
        while (await reader.ReadAsync(batch.CancellationToken))
        {
            row.EventCode = reader.GetString(reader.GetOrdinal("eaccme_event_code"));
            row.EventTitle = reader.GetString(reader.GetOrdinal("title"));
            row.StartDate = Cells.IsoDate(reader.GetFieldValue<DateOnly>(reader.GetOrdinal("start_date")));
            row.EndDate = Cells.IsoDate(reader.GetFieldValue<DateOnly>(reader.GetOrdinal("end_date")));
            row.EcmecGranted = Cells.Credits(reader.GetDecimal(reader.GetOrdinal("ecmec_granted")));
            row.Participants = Cells.Count(reader.GetInt64(reader.GetOrdinal("participants")));
            row.FeedbackFormsCompleted = Cells.Count(reader.GetInt64(reader.GetOrdinal("feedback_forms_completed")));
            Write(csv, row);
        }
    }
}
