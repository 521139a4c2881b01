using CsvHelper;

namespace AccreditationReporting.Exports.Pars;

/// <summary>
/// Recipient B. For every activity and reporting year a batch counted completions of, the totals PARS
/// asks for, over every completion counted so far: each file gives the current totals, never a delta.
/// A learner counts once per activity and year, whatever the number of re-takes.
/// </summary>
internal sealed class ParsActivityExport(RecipientFormat format, RecordGates gates) : RecipientExport<ParsActivityRow>(format, gates)
{
    public override async Task WriteAsync(BatchContext batch, CsvWriter csv)
    {
        await CountedLines.DecideAsync(batch, Recipient, "a.accme_activity_id IS NOT NULL", ExclusionReasons.NoAccmeActivityId);
        await using var export = await batch.ExportAsync(
            $"""
            COPY (
                WITH touched AS (
                    SELECT DISTINCT c.activity_key, extract(year FROM c.completed_on)::int AS year
                    FROM accreditation.export_lines x JOIN accreditation.completions c ON c.id = x.completion_id
                    WHERE x.batch_id = {batch.BatchId} AND x.action = 'Counted')
                SELECT a.accme_activity_id, a.title, a.format, a.start_date, a.end_date, t.year, a.ama_pra_category1_credits,
                    a.joint_provider IS NOT NULL,
                    count(DISTINCT c.learner_key) FILTER (WHERE l.profession = 'Physician'),
                    count(DISTINCT c.learner_key) FILTER (WHERE l.profession <> 'Physician')
                FROM touched t
                JOIN accreditation.activities a ON a.id = t.activity_key
                JOIN accreditation.completions c ON c.activity_key = t.activity_key AND extract(year FROM c.completed_on)::int = t.year
                JOIN accreditation.export_lines x ON x.recipient = '{Recipients.ParsActivities}' AND x.completion_id = c.id AND x.action = 'Counted'
                JOIN accreditation.learners l ON l.id = c.learner_key
                GROUP BY a.id, t.year
                ORDER BY a.accme_activity_id, t.year, a.id
            ) TO STDOUT (FORMAT BINARY)
            """);

        var row = new ParsActivityRow();
        while (await export.StartRowAsync(batch.CancellationToken) != -1)
        {
            row.AccmeActivityId = export.Read<string>();
            row.ActivityTitle = export.Read<string>();
            row.ActivityFormat = export.Read<string>();
            row.StartDate = Cells.UsDate(export.Read<DateOnly>());
            row.EndDate = Cells.UsDate(export.Read<DateOnly>());
            row.ReportingYear = Cells.Count(export.Read<int>());
            row.AmaCreditsDesignated = Cells.Credits(export.NextValue<decimal>());
            row.Providership = export.Read<bool>() ? "Jointly provided" : "Directly provided";
            row.PhysicianLearners = Cells.Count(export.Read<long>());
            row.OtherLearners = Cells.Count(export.Read<long>());
            Write(csv, row);
        }
    }
}
