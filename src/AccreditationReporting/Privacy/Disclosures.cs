using System.Data;
using System.Text.Json;
using AccreditationReporting.Audit;
using AccreditationReporting.Exports;
using AccreditationReporting.Storage;
using CsvHelper;
using Npgsql;
using static AccreditationReporting.Privacy.AccessCopyLayout;

namespace AccreditationReporting.Privacy;

/// <summary>
/// What recipients received of a learner's completions (GDPR Art. 15(1)(c)), from the export ledger:
/// every Add or Delete line of the learner's completions, the fields those rows held (read back from
/// the batch's file, as a correction reads what it deletes), and how each batch left: downloaded by
/// staff, pushed to the recipient, submitted.
/// </summary>
/// <remarks>
/// Counted lines are no disclosure: a counts-only file holds totals, in which no learner appears. They
/// are summed per recipient so the learner can see where they were counted. Excluded lines sent nothing.
/// </remarks>
internal static class Disclosures
{
    private static readonly string[] LedgerActions = [ExportLine.Add, ExportLine.Delete, ExportLine.Counted];

    private sealed record SentLine(
        string Recipient, long BatchId, string Action, int? FirstLine, int? LineCount, string EventId, string ActivityId,
        DateTimeOffset BatchCreatedAt, string FileName, string ContentType, List<string> FileColumns,
        DateTimeOffset? RedactedAt, DateTimeOffset? FilePurgedAt, DateTimeOffset? DeliveredAt, string? DeliveredTo)
    {
        public IEnumerable<int> Lines => FirstLine is { } first ? Enumerable.Range(first, LineCount ?? 0) : [];
    }

    public static async Task<(List<Disclosure> Disclosures, List<CountsOnly> CountedIn)> ReadAsync(
        NpgsqlConnection connection, long learnerKey, CancellationToken cancellationToken)
    {
        var lines = await LinesAsync(connection, learnerKey, cancellationToken);
        var sent = lines.Where(l => l.Action != ExportLine.Counted).ToList();
        var batchIds = sent.Select(l => l.BatchId).Distinct().ToArray();
        var downloads = await DownloadsAsync(connection, batchIds, cancellationToken);
        var submissions = await SubmissionsAsync(connection, batchIds, cancellationToken);

        var fieldsByLine = new Dictionary<(long Batch, int Line), HashSet<string>>();
        foreach (var batch in sent.Where(l => l.FilePurgedAt is null).GroupBy(l => l.BatchId))
        {
            var wanted = batch.SelectMany(l => l.Lines).ToHashSet();
            var first = batch.First();
            await foreach (var (line, cells) in SentRows.RowsAsync(
                connection, batch.Key, first.FileColumns, RecipientFormat.SeparatorOf(first.ContentType), wanted, cancellationToken))
            {
                // Cells are read only to test for emptiness: the copy names fields; the profiles and
                // completions above hold the values.
                fieldsByLine[(batch.Key, line)] = cells.Where(c => c.Value.Length > 0).Select(c => c.Key).ToHashSet();
            }
        }

        var disclosures = sent.Select(l => new Disclosure(
            l.Recipient,
            l.BatchId,
            l.BatchCreatedAt,
            l.FileName,
            l.EventId,
            l.ActivityId,
            l.Action == ExportLine.Add ? "add" : "delete",
            l.LineCount ?? 0,
            l.FilePurgedAt is not null ? "purged" : l.RedactedAt is not null ? "redacted" : "kept",
            FieldsSent(l, fieldsByLine),
            l.FileColumns,
            downloads.GetValueOrDefault(l.BatchId) ?? [],
            l.DeliveredAt is { } deliveredAt ? new Delivery(deliveredAt, l.DeliveredTo) : null,
            submissions.GetValueOrDefault(l.BatchId) ?? [])).ToList();

        var countedIn = lines.Where(l => l.Action == ExportLine.Counted)
            .GroupBy(l => l.Recipient, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new CountsOnly(g.Key, g.Select(l => l.EventId).Distinct().Count(), g.Select(l => l.BatchId).Distinct().Count()))
            .ToList();
        return (disclosures, countedIn);
    }

    /// <summary>The fields with a value in any of the line's rows, in column order; null when a row is not in the stored file.</summary>
    private static List<string>? FieldsSent(SentLine line, Dictionary<(long Batch, int Line), HashSet<string>> fieldsByLine)
    {
        if (line.FilePurgedAt is not null)
        {
            return null;
        }

        var filled = new HashSet<string>(StringComparer.Ordinal);
        foreach (var row in line.Lines)
        {
            if (!fieldsByLine.TryGetValue((line.BatchId, row), out var fields))
            {
                return null;
            }

            filled.UnionWith(fields);
        }

        return line.FileColumns.Where(filled.Contains).ToList();
    }

    private static async Task<List<SentLine>> LinesAsync(NpgsqlConnection connection, long learnerKey, CancellationToken cancellationToken)
    {
        // export_lines is keyed by recipient first. Naming each recipient that has a batch (a handful)
        // finds a completion's lines through that key instead of reading every line ever written.
        await using var command = SqlCommands.Create(
            connection,
            """
            SELECT x.recipient, x.batch_id, x.action, x.first_line, x.line_count, c.event_id, a.activity_id,
                b.created_at, b.file_name, b.content_type, b.fields::text AS file_columns, b.redacted_at, b.file_purged_at,
                b.delivered_at, b.delivered_to
            FROM accreditation.completions c
            JOIN accreditation.activities a ON a.id = c.activity_key
            JOIN (SELECT DISTINCT recipient FROM accreditation.export_batches) r ON true
            JOIN accreditation.export_lines x ON x.recipient = r.recipient AND x.completion_id = c.id
            JOIN accreditation.export_batches b ON b.id = x.batch_id
            WHERE c.learner_key = $1 AND x.action = ANY($2)
            ORDER BY x.batch_id, c.completed_on, c.id, x.action
            """,
            learnerKey,
            LedgerActions);
        var lines = new List<SentLine>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            lines.Add(new SentLine(
                reader.GetFieldValue<string>("recipient"),
                reader.GetFieldValue<long>("batch_id"),
                reader.GetFieldValue<string>("action"),
                reader.ValueOrNull<int>("first_line"),
                reader.ValueOrNull<int>("line_count"),
                reader.GetFieldValue<Guid>("event_id").ToString(),
                reader.GetFieldValue<string>("activity_id"),
                reader.GetFieldValue<DateTimeOffset>("created_at"),
                reader.GetFieldValue<string>("file_name"),
                reader.GetFieldValue<string>("content_type"),
                JsonSerializer.Deserialize<List<string>>(reader.GetFieldValue<string>("file_columns"), StoredJson.Options) ?? [],
                reader.ValueOrNull<DateTimeOffset>("redacted_at"),
                reader.ValueOrNull<DateTimeOffset>("file_purged_at"),
                reader.ValueOrNull<DateTimeOffset>("delivered_at"),
                reader.TextOrNull("delivered_to")));
        }

        return lines;
    }

    /// <summary>Completed downloads only: a started or cancelled one has its own entry in the trail, and may have sent nothing.</summary>
    private static async Task<Dictionary<long, List<Download>>> DownloadsAsync(NpgsqlConnection connection, long[] batchIds, CancellationToken cancellationToken)
    {
        await using var command = SqlCommands.Create(
            connection,
            """
            SELECT target, at, coalesce(actor_name, actor_subject) AS actor
            FROM accreditation.audit_events
            WHERE target = ANY($1) AND action = $2 AND outcome = $3
            ORDER BY id
            """,
            batchIds.Select(AuditEntry.Batch).ToArray(),
            AuditActions.BatchDownload,
            AuditOutcomes.Completed);
        var byTarget = batchIds.ToDictionary(AuditEntry.Batch, id => id, StringComparer.Ordinal);
        var downloads = new Dictionary<long, List<Download>>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var batchId = byTarget[reader.GetFieldValue<string>("target")];
            downloads.TryAdd(batchId, []);
            downloads[batchId].Add(new Download(reader.GetFieldValue<DateTimeOffset>("at"), reader.GetFieldValue<string>("actor")));
        }

        return downloads;
    }

    private static async Task<Dictionary<long, List<Submission>>> SubmissionsAsync(NpgsqlConnection connection, long[] batchIds, CancellationToken cancellationToken)
    {
        await using var command = SqlCommands.Create(
            connection,
            """
            SELECT batch_id, submitted_at, method, submitted_by, outcome
            FROM accreditation.export_submissions
            WHERE batch_id = ANY($1)
            ORDER BY submitted_at, id
            """,
            batchIds);
        var submissions = new Dictionary<long, List<Submission>>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var batchId = reader.GetFieldValue<long>("batch_id");
            submissions.TryAdd(batchId, []);
            submissions[batchId].Add(new Submission(
                reader.GetFieldValue<DateTimeOffset>("submitted_at"),
                reader.GetFieldValue<string>("method"),
                reader.GetFieldValue<string>("submitted_by"),
                AccessCopyWords.Of(Enum.Parse<SubmissionOutcome>(reader.GetFieldValue<string>("outcome")))));
        }

        return submissions;
    }
}
