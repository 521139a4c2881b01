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
    private static readonly LearnerLevelLines.Selection Selection = new(
        Claims: "w.awarded > 0",
        Awards:
        [
            ("ama_awarded", "sum(w.awarded) FILTER (WHERE w.credit_type = 'AmaPraCategory1' AND w.awarded > 0)"),
            ("moc_awards", "count(*) FILTER (WHERE w.credit_type = 'Moc' AND w.awarded > 0)"),
        ],
        Exclusion: $"WHEN a.accme_activity_id IS NULL THEN '{ExclusionReasons.NoAccmeActivityId}'",
        Columns: """
            a.accme_activity_id, d.completed_on, l.first_name, l.last_name, l.birth_month, l.birth_day,
            l.license_state, l.license_id_or_npi, CASE WHEN m.n IS NULL OR m.n = 1 THEN d.ama_awarded END,
            m.board, CASE WHEN m.board IS NOT NULL THEN (SELECT b->>'boardId' FROM jsonb_array_elements(l.boards) b WHERE b->>'board' = m.board LIMIT 1) END,
            m.board_total, m.moc_credit_type, m.awarded
            """,
        // Only completions with MOC awards look their awards up again: PARS takes one board and credit type per row.
        Joins: """
            LEFT JOIN LATERAL (
                SELECT w.board, w.moc_credit_type, w.awarded, sum(w.awarded) OVER (PARTITION BY w.board) AS board_total,
                    row_number() OVER (ORDER BY w.board, w.moc_credit_type, w.id) AS n
                FROM accreditation.credit_awards w
                WHERE d.reason IS NULL AND d.moc_awards > 0 AND w.completion_id = d.id AND w.credit_type = 'Moc' AND w.awarded > 0) m ON true
            """,
        Order: "m.n");

    public override async Task WriteAsync(BatchContext batch, CsvWriter csv)
    {
        await WriteDeletesAsync(batch, csv, await LearnerLevelLines.WithdrawalsAsync(batch, Recipient));

        var row = new ParsLearnerRow { RecordAction = "Add" };
        await LearnerLevelLines.AddAsync(batch, Recipient, Gates, Selection, row, reader =>
        {
            row.AccmeActivityId = reader.GetString(5);
            row.CompletionDate = Cells.UsDate(reader.GetFieldValue<DateOnly>(6));
            row.FirstName = reader.GetString(7);
            row.LastName = reader.GetString(8);
            row.BirthMonthDay = Cells.MonthDay(reader.GetInt32(9), reader.GetInt32(10));
            row.LicensingState = reader.Field<string>(11);
            row.LicensingIdOrNpi = reader.Field<string>(12);
            row.CmeCredits = Cells.Credits(reader.NullableField<decimal>(13));
            row.CertifyingBoard = reader.Field<string>(14);
            row.CertifyingBoardId = reader.Field<string>(15);
            row.TotalBoardCredits = Cells.Credits(reader.NullableField<decimal>(16));
            row.MocCreditType = reader.Field<string>(17);
            row.MocCredits = Cells.Credits(reader.NullableField<decimal>(18));
            Write(csv, row);
        });
    }

    private async Task WriteDeletesAsync(BatchContext batch, CsvWriter csv, List<LearnerLevelLines.Withdrawal> withdrawals)
    {
        var sent = new Dictionary<(long Batch, int Line), Dictionary<string, string>>();
        foreach (var group in withdrawals.GroupBy(d => d.SentBatch))
        {
            var wanted = group.SelectMany(d => Enumerable.Range(d.SentFirstLine, d.SentLineCount)).ToHashSet();
            await foreach (var (line, fields) in ReadSentAsync(batch, group.Key, wanted))
            {
                sent[(group.Key, line)] = fields;
            }
        }

        foreach (var withdrawal in withdrawals)
        {
            for (var line = withdrawal.SentFirstLine; line < withdrawal.SentFirstLine + withdrawal.SentLineCount; line++)
            {
                var row = new ParsLearnerRow
                {
                    PolicyVersion = withdrawal.PolicyVersion, BoardReporting = withdrawal.BoardReporting, StateBoardReporting = withdrawal.StateBoardReporting,
                };
                foreach (var (field, value) in sent[(withdrawal.SentBatch, line)])
                {
                    if (RowSetters<ParsLearnerRow>.Fields.TryGetValue(field, out var set))
                    {
                        set(row, value.Length == 0 ? null : value);
                    }
                }

                row.RecordAction = "Delete";
                Write(csv, row);
            }

            batch.Ledger.Wrote(withdrawal.CompletionId, ExportLine.Delete, withdrawal.SentLineCount);
            await batch.Ledger.ThrottleAsync();
        }
    }

    /// <summary>The wanted rows of an earlier batch's file, by line, keyed by the fields that batch had.</summary>
    private async IAsyncEnumerable<(int Line, Dictionary<string, string> Fields)> ReadSentAsync(BatchContext batch, long batchId, HashSet<int> wanted)
    {
        List<string> fields;
        char separator;
        await using (var command = SqlCommands.Create(batch.Reads, "SELECT fields::text, content_type FROM accreditation.export_batches WHERE id = $1", batchId))
        {
            await using var reader = await command.ExecuteReaderAsync(batch.CancellationToken);
            await reader.ReadAsync(batch.CancellationToken);
            fields = System.Text.Json.JsonSerializer.Deserialize<List<string>>(reader.GetString(0), StoredJson.Options)!;
            separator = RecipientFormat.SeparatorOf(reader.GetString(1));
        }

        await using var file = await BatchFiles.OpenReadAsync(batch.Reads, batchId, batch.CancellationToken);
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
