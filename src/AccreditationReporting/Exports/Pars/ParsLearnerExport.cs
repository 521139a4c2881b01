using AccreditationReporting.Storage;
using CsvHelper;

namespace AccreditationReporting.Exports.Pars;

/// <summary>
/// Recipient A. Physicians awarded AMA PRA Category 1 Credit or MOC points, under a policy that lets
/// their data go to ACCME and with the permission it asks for. One row per completion, or one per
/// MOC award when there are several (PARS takes one board and credit type per row); the CME credits
/// are on the first. A completion sent earlier and since superseded is deleted with the very rows
/// that were sent, read back from that batch's file: PARS matches a Delete on what it holds.
/// </summary>
internal sealed class ParsLearnerExport(RecipientFormat format, RecordGates gates) : RecipientExport<ParsLearnerRow>(format, gates)
{
    public override Task DecideAsync(BatchContext batch) =>
        LearnerLevelLines.DecideAsync(
            batch,
            Recipient,
            Gates,
            qualifies: "w.credit_type = ANY (r.credit_types) AND w.awarded > 0",
            rows: "greatest(1, coalesce(aw.moc_awards, 0))",
            recipientExclusion: $"WHEN a.accme_activity_id IS NULL THEN '{ExclusionReasons.NoAccmeActivityId}'");

    public override async Task WriteRowsAsync(BatchContext batch, CsvWriter csv)
    {
        await WriteDeletesAsync(batch, csv);
        await WriteAddsAsync(batch, csv);
    }

    private async Task WriteAddsAsync(BatchContext batch, CsvWriter csv)
    {
        await using var export = await batch.ExportAsync(
            $"""
            COPY (
                SELECT a.accme_activity_id, c.completed_on, l.first_name, l.last_name, l.birth_month, l.birth_day,
                    l.license_state, coalesce(l.license_id, l.npi), CASE WHEN m.n IS NULL OR m.n = 1 THEN ama.awarded END,
                    m.board, (SELECT b->>'boardId' FROM jsonb_array_elements(l.boards) b WHERE b->>'board' = m.board LIMIT 1),
                    m.board_total, m.moc_credit_type, m.awarded,
                    c.policy_version, c.board_reporting_consent, c.state_board_reporting_consent
                FROM accreditation.export_lines x
                JOIN accreditation.completions c ON c.id = x.completion_id
                JOIN accreditation.learners l ON l.id = c.learner_key
                JOIN accreditation.activities a ON a.id = c.activity_key
                LEFT JOIN LATERAL (
                    SELECT sum(w.awarded) AS awarded FROM accreditation.credit_awards w
                    WHERE w.completion_id = c.id AND w.credit_type = 'AmaPraCategory1' AND w.awarded > 0) ama ON true
                LEFT JOIN LATERAL (
                    SELECT w.board, w.moc_credit_type, w.awarded, sum(w.awarded) OVER (PARTITION BY w.board) AS board_total,
                        row_number() OVER (ORDER BY w.board, w.moc_credit_type, w.id) AS n
                    FROM accreditation.credit_awards w
                    WHERE w.completion_id = c.id AND w.credit_type = 'Moc' AND w.awarded > 0) m ON true
                WHERE x.batch_id = {batch.BatchId} AND x.action = 'Add'
                ORDER BY x.first_line, m.n
            ) TO STDOUT (FORMAT BINARY)
            """);

        var row = new ParsLearnerRow { RecordAction = "Add" };
        while (await export.StartRowAsync(batch.CancellationToken) != -1)
        {
            row.AccmeActivityId = export.Read<string>();
            row.CompletionDate = Cells.UsDate(export.Read<DateOnly>());
            row.FirstName = export.Read<string>();
            row.LastName = export.Read<string>();
            row.BirthMonthDay = Cells.MonthDay(export.Read<int>(), export.Read<int>());
            row.LicensingState = export.Next<string>();
            row.LicensingIdOrNpi = export.Next<string>();
            row.CmeCredits = Cells.Credits(export.NextValue<decimal>());
            row.CertifyingBoard = export.Next<string>();
            row.CertifyingBoardId = export.Next<string>();
            row.TotalBoardCredits = Cells.Credits(export.NextValue<decimal>());
            row.MocCreditType = export.Next<string>();
            row.MocCredits = Cells.Credits(export.NextValue<decimal>());
            row.PolicyVersion = export.Read<string>();
            row.BoardReporting = export.Read<bool>();
            row.StateBoardReporting = export.Read<bool>();
            Write(csv, row);
        }
    }

    private sealed record SentRows(long Batch, int FirstLine, int LineCount, string PolicyVersion, bool BoardReporting, bool StateBoardReporting);

    private async Task WriteDeletesAsync(BatchContext batch, CsvWriter csv)
    {
        var deletes = new List<SentRows>();
        await using (var command = SqlCommands.Create(
            batch.Connection,
            """
            SELECT sent.batch_id, sent.first_line, sent.line_count, c.policy_version, c.board_reporting_consent, c.state_board_reporting_consent
            FROM accreditation.export_lines x
            JOIN accreditation.export_lines sent ON sent.recipient = x.recipient AND sent.completion_id = x.completion_id AND sent.action = 'Add'
            JOIN accreditation.completions c ON c.id = x.completion_id
            WHERE x.batch_id = $1 AND x.action = 'Delete'
            ORDER BY x.first_line
            """,
            batch.BatchId))
        {
            await using var reader = await command.ExecuteReaderAsync(batch.CancellationToken);
            while (await reader.ReadAsync(batch.CancellationToken))
            {
                deletes.Add(new SentRows(reader.GetInt64(0), reader.GetInt32(1), reader.GetInt32(2), reader.GetString(3), reader.GetBoolean(4), reader.GetBoolean(5)));
            }
        }

        var sent = new Dictionary<(long Batch, int Line), Dictionary<string, string>>();
        foreach (var group in deletes.GroupBy(d => d.Batch))
        {
            var wanted = group.SelectMany(d => Enumerable.Range(d.FirstLine, d.LineCount)).ToHashSet();
            await foreach (var (line, fields) in ReadSentAsync(batch, group.Key, wanted))
            {
                sent[(group.Key, line)] = fields;
            }
        }

        foreach (var delete in deletes)
        {
            for (var line = delete.FirstLine; line < delete.FirstLine + delete.LineCount; line++)
            {
                var row = new ParsLearnerRow
                {
                    PolicyVersion = delete.PolicyVersion, BoardReporting = delete.BoardReporting, StateBoardReporting = delete.StateBoardReporting,
                };
                foreach (var (field, value) in sent[(delete.Batch, line)])
                {
                    if (RowSetters<ParsLearnerRow>.Fields.TryGetValue(field, out var set))
                    {
                        set(row, value.Length == 0 ? null : value);
                    }
                }

                row.RecordAction = "Delete";
                Write(csv, row);
            }
        }
    }

    /// <summary>The wanted rows of an earlier batch's file, by line, keyed by the fields that batch had.</summary>
    private async IAsyncEnumerable<(int Line, Dictionary<string, string> Fields)> ReadSentAsync(BatchContext batch, long batchId, HashSet<int> wanted)
    {
        List<string> fields;
        char separator;
        await using (var command = SqlCommands.Create(batch.Connection, "SELECT fields::text, content_type FROM accreditation.export_batches WHERE id = $1", batchId))
        {
            await using var reader = await command.ExecuteReaderAsync(batch.CancellationToken);
            await reader.ReadAsync(batch.CancellationToken);
            fields = System.Text.Json.JsonSerializer.Deserialize<List<string>>(reader.GetString(0), StoredJson.Options)!;
            separator = RecipientFormat.SeparatorOf(reader.GetString(1));
        }

        await using var file = await BatchFiles.OpenReadAsync(batch.Connection, batchId, batch.CancellationToken);
        using var csv = CsvReader.Create(file, BatchWriter.ReaderOptions(separator), leaveOpen: true);
        var line = 0;
        while (await csv.ReadAsync(batch.CancellationToken) && wanted.Count > 0)
        {
            line++;
            if (wanted.Remove(line))
            {
                yield return (line, fields.Select((f, i) => (f, i)).ToDictionary(p => p.f, p => csv.GetString(p.i)));
            }
        }
    }
}
