using CsvHelper;

namespace AccreditationReporting.Exports.Eaccme;

/// <summary>
/// Recipient C. For every EACCME event a batch counted completions of, the event's totals over every
/// completion counted so far: ECMECs granted, participants, and feedback forms completed (EACCME
/// asks for a feedback summary; the form's answers are not stored here, only whether it was done).
/// </summary>
internal sealed class EaccmeEventExport(RecipientFormat format, RecordGates gates) : RecipientExport<EaccmeEventRow>(format, gates)
{
    public override async Task WriteAsync(BatchContext batch, CsvWriter csv)
    {
        await CountedLines.DecideAsync(batch, Recipient, "a.eaccme_event_code IS NOT NULL", ExclusionReasons.NoEaccmeEventCode);
        await using var export = await batch.ExportAsync(
            $"""
            COPY (
                WITH touched AS (
                    SELECT DISTINCT c.activity_key
                    FROM accreditation.export_lines x JOIN accreditation.completions c ON c.id = x.completion_id
                    WHERE x.batch_id = {batch.BatchId} AND x.action = 'Counted')
                SELECT a.eaccme_event_code, a.title, a.start_date, a.end_date,
                    coalesce(sum(w.awarded) FILTER (WHERE c.superseded_by IS NULL), 0),
                    count(DISTINCT c.learner_key),
                    count(DISTINCT c.learner_key) FILTER (WHERE c.evaluation_completed)
                FROM touched t
                JOIN accreditation.activities a ON a.id = t.activity_key
                JOIN accreditation.completions c ON c.activity_key = t.activity_key
                JOIN accreditation.export_lines x ON x.recipient = '{Recipients.EaccmeEvents}' AND x.completion_id = c.id AND x.action = 'Counted'
                LEFT JOIN accreditation.credit_awards w ON w.completion_id = c.id AND w.credit_type = 'Ecmec'
                GROUP BY a.id
                ORDER BY a.eaccme_event_code, a.id
            ) TO STDOUT (FORMAT BINARY)
            """);

        var row = new EaccmeEventRow();
        while (await export.StartRowAsync(batch.CancellationToken) != -1)
        {
            row.EventCode = export.Read<string>();
            row.EventTitle = export.Read<string>();
            row.StartDate = Cells.IsoDate(export.Read<DateOnly>());
            row.EndDate = Cells.IsoDate(export.Read<DateOnly>());
            row.EcmecGranted = Cells.Credits(export.Read<decimal>());
            row.Participants = Cells.Count(export.Read<long>());
            row.FeedbackFormsCompleted = Cells.Count(export.Read<long>());
            Write(csv, row);
        }
    }
}
