using AccreditationReporting.Completions;
using AccreditationReporting.Storage;
using CsvHelper;

namespace AccreditationReporting.Exports.Pars;

/// <summary>
/// Recipient B. For every activity and reporting year a batch counted completions of, the totals PARS
/// asks for, over every completion counted so far: each file gives the current totals, never a delta.
/// A learner counts once per activity and year, whatever the number of re-takes. Every completion
/// counts whatever policy it was collected under: no learner appears in this file (../shared/DOMAIN.md).
/// </summary>
internal sealed class ParsActivityExport(RecipientFormat format, RecordGates gates) : RecipientExport<ParsActivityRow>(format, gates)
{
    public override async Task WriteAsync(BatchContext batch, CsvWriter csv)
    {
        await using (var count = SqlCommands.Named(
            batch.Connection,
            """
            INSERT INTO accreditation.export_lines (recipient, completion_id, action, batch_id, reason)
            SELECT @recipient, c.id,
                CASE WHEN a.accme_activity_id IS NOT NULL THEN @counted ELSE @excluded END, @batch_id,
                CASE WHEN a.accme_activity_id IS NULL THEN @no_accme_activity_id END
            FROM accreditation.completions c
            JOIN accreditation.activities a ON a.id = c.activity_key
            WHERE c.received_at <= @cutoff
                AND NOT EXISTS (SELECT 1 FROM accreditation.export_lines x WHERE x.recipient = @recipient AND x.completion_id = c.id)
            """,
            ("recipient", Recipient), ("batch_id", batch.BatchId), ("cutoff", batch.Cutoff), ("counted", ExportLine.Counted),
            ("excluded", ExportLine.Excluded), ("no_accme_activity_id", ExclusionReasons.NoAccmeActivityId)))
        {
            await count.ExecuteNonQueryAsync(batch.CancellationToken);
        }

        await using var totals = SqlCommands.Named(
            batch.Connection,
            """
            WITH touched AS (
                SELECT DISTINCT c.activity_key, extract(year FROM c.completed_on)::int AS year
                FROM accreditation.export_lines x
                JOIN accreditation.completions c ON c.id = x.completion_id
                WHERE x.batch_id = @batch_id AND x.recipient = @recipient AND x.action = @counted)
            SELECT a.accme_activity_id, a.title, a.format, a.start_date, a.end_date, t.year AS reporting_year,
                a.ama_pra_category1_credits, a.joint_provider IS NOT NULL AS jointly_provided,
                count(DISTINCT c.learner_key) FILTER (WHERE l.profession = @physician) AS physician_learners,
                count(DISTINCT c.learner_key) FILTER (WHERE l.profession <> @physician) AS other_learners
            FROM touched t
            JOIN accreditation.activities a ON a.id = t.activity_key
            JOIN accreditation.completions c ON c.activity_key = t.activity_key AND extract(year FROM c.completed_on)::int = t.year
            JOIN accreditation.export_lines x ON x.recipient = @recipient AND x.completion_id = c.id AND x.action = @counted
            JOIN accreditation.learners l ON l.id = c.learner_key
            GROUP BY a.id, t.year
            ORDER BY a.accme_activity_id, t.year, a.id
            """,
            ("recipient", Recipient), ("batch_id", batch.BatchId), ("counted", ExportLine.Counted), ("physician", nameof(Profession.Physician)));
        await using var reader = await totals.ExecuteReaderAsync(batch.CancellationToken);
        var row = new ParsActivityRow();
        while (await reader.ReadAsync(batch.CancellationToken))
        {
            row.AccmeActivityId = reader.GetString(reader.GetOrdinal("accme_activity_id"));
            row.ActivityTitle = reader.GetString(reader.GetOrdinal("title"));
            row.ActivityFormat = reader.GetString(reader.GetOrdinal("format"));
            row.StartDate = Cells.UsDate(reader.GetFieldValue<DateOnly>(reader.GetOrdinal("start_date")));
            row.EndDate = Cells.UsDate(reader.GetFieldValue<DateOnly>(reader.GetOrdinal("end_date")));
            row.ReportingYear = Cells.Count(reader.GetInt32(reader.GetOrdinal("reporting_year")));
            row.AmaCreditsDesignated = Cells.Credits(reader.NullableField<decimal>(reader.GetOrdinal("ama_pra_category1_credits")));
            row.Providership = reader.GetBoolean(reader.GetOrdinal("jointly_provided")) ? "Jointly provided" : "Directly provided";
            row.PhysicianLearners = Cells.Count(reader.GetInt64(reader.GetOrdinal("physician_learners")));
            row.OtherLearners = Cells.Count(reader.GetInt64(reader.GetOrdinal("other_learners")));
            Write(csv, row);
        }
    }
}
