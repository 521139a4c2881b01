using System.Text;
using System.Text.Json;
using AccreditationReporting.Storage;
using CsvHelper;
using Npgsql;

namespace AccreditationReporting.Exports;

/// <summary>A stored batch file an erasure replaced with a redacted copy.</summary>
/// <param name="OriginalSha256">The file as made and sent: the record of what the recipient holds.</param>
/// <param name="Sha256">The redacted copy, now the one served.</param>
public sealed record RedactedBatch(long BatchId, string OriginalSha256, string Sha256, int RowsRedacted);

/// <summary>
/// After an erasure no download may return the erased values, yet what each recipient was sent must
/// stay on record. So each earlier file holding rows of the erased completions is replaced by a copy
/// with those rows' erased cells emptied and every other byte as it was; the batch keeps the sent
/// file's SHA-256 (<c>original_sha256</c>, set by the first redaction only) as the record of what was sent.
/// </summary>
/// <remarks>
/// The copy is made in the erasure's transaction, so the erasure and its redactions commit together.
/// Files can be hundreds of megabytes: the old file is read chunk by chunk on a second connection
/// (it still sees the committed file while the transaction replaces it) and the copy is written in
/// 1 MiB chunks as it grows, through the same sink a batch writes its file with.
/// </remarks>
internal sealed class BatchRedaction(ExportCatalog catalog)
{
    private static readonly byte[] NewLine = Encoding.ASCII.GetBytes(BatchWriter.NewLine);

    /// <param name="connection">The erasure's connection, inside its transaction.</param>
    /// <param name="readConnectionString">Where the second connection reads the files from.</param>
    /// <param name="completionIds">The completions the erasure scrubbed.</param>
    /// <param name="erasedFields">Per recipient, the export fields whose values in its files the erasure deleted.</param>
    public async Task<List<RedactedBatch>> RedactAsync(
        NpgsqlConnection connection, string readConnectionString, IReadOnlyCollection<long> completionIds,
        Func<string, IReadOnlySet<string>> erasedFields, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await WaitForBatchesInProgressAsync(connection, cancellationToken);
        var files = await FilesHoldingAsync(connection, completionIds, cancellationToken);
        var redacted = new List<RedactedBatch>();
        if (files.Count == 0)
        {
            return redacted;
        }

        await using var reads = new NpgsqlConnection(readConnectionString);
        await reads.OpenAsync(cancellationToken);
        foreach (var file in files)
        {
            var erasedColumns = file.Fields.Select((field, column) => (field, column))
                .Where(f => erasedFields(file.Recipient).Contains(f.field)).Select(f => f.column).ToHashSet();
            if (erasedColumns.Count > 0 && await RedactAsync(connection, reads, file, erasedColumns, now, cancellationToken) is { } done)
            {
                redacted.Add(done);
            }
        }

        return redacted;
    }

    /// <summary>
    /// A batch being made now may have read the learner before the erasure and would commit a file
    /// holding the erased values after it. Each recipient's batch lock (the one
    /// <see cref="ExportBatches"/> holds from its first read to its commit) makes the erasure wait
    /// for such a batch, whose rows it then redacts too, and makes the next batch wait for the
    /// erasure. Taken in one order, so two erasures cannot deadlock.
    /// </summary>
    private async Task WaitForBatchesInProgressAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var learnerLevel = catalog.Exports.Values.Where(e => e.IsLearnerLevel).Select(e => e.Recipient);
        await ExportBatchLocks.TakeAsync(connection, learnerLevel, cancellationToken);
    }

    private sealed record StoredFile(long BatchId, string Recipient, List<string> Fields, char Separator, string Sha256, int RowCount, HashSet<int> Rows);

    /// <summary>
    /// The files still stored that hold rows of the completions (added, or deleted again), and which
    /// rows. Every recipient that ever had a batch is looked at, also one no longer configured.
    /// </summary>
    private static async Task<List<StoredFile>> FilesHoldingAsync(
        NpgsqlConnection connection, IReadOnlyCollection<long> completionIds, CancellationToken cancellationToken)
    {
        await using var command = SqlCommands.Create(
            connection,
            """
            SELECT b.id, b.recipient, b.fields::text AS fields, b.content_type, b.sha256, b.row_count, x.first_line, x.line_count
            FROM (SELECT DISTINCT recipient FROM accreditation.export_batches) r
            JOIN accreditation.export_lines x
                ON x.recipient = r.recipient AND x.completion_id = ANY($1) AND x.action = ANY($2) AND x.line_count > 0
            JOIN accreditation.export_batches b ON b.id = x.batch_id
            WHERE b.file_purged_at IS NULL
            ORDER BY b.id
            """,
            completionIds.ToArray(),
            new[] { ExportLine.Add, ExportLine.Delete });
        var files = new List<StoredFile>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var batchId = reader.GetInt64(reader.GetOrdinal("id"));
            if (files.Count == 0 || files[^1].BatchId != batchId)
            {
                files.Add(new StoredFile(
                    batchId,
                    reader.GetString(reader.GetOrdinal("recipient")),
                    JsonSerializer.Deserialize<List<string>>(reader.GetString(reader.GetOrdinal("fields")), StoredJson.Options)!,
                    RecipientFormat.SeparatorOf(reader.GetString(reader.GetOrdinal("content_type"))),
                    reader.GetString(reader.GetOrdinal("sha256")),
                    reader.GetInt32(reader.GetOrdinal("row_count")),
                    []));
            }

            var first = reader.GetInt32(reader.GetOrdinal("first_line"));
            files[^1].Rows.UnionWith(Enumerable.Range(first, reader.GetInt32(reader.GetOrdinal("line_count"))));
        }

        return files;
    }

    /// <summary>The batch's file with the rows' erased cells emptied, in place of the stored one; null when that changed nothing.</summary>
    private static async Task<RedactedBatch?> RedactAsync(
        NpgsqlConnection connection, NpgsqlConnection reads, StoredFile file, HashSet<int> erasedColumns, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        // A file whose rows held none of the values (a learner without a licence) keeps its chunks and manifest.
        await SqlCommands.ExecuteAsync(connection, "SAVEPOINT batch_redaction", cancellationToken);
        await SqlCommands.ExecuteAsync(connection, "DELETE FROM accreditation.export_file_chunks WHERE batch_id = $1", cancellationToken, file.BatchId);

        byte[] separator = [(byte)file.Separator];
        var row = 0;
        string sha256;
        long length;
        await using (var sink = new BatchSink(connection, file.BatchId, cancellationToken))
        {
            sink.Start();
            using (var copy = new BatchFileStream(sink))
            {
                await using var original = await BatchFiles.OpenReadAsync(reads, file.BatchId, cancellationToken);
                using var csv = CsvReader.Create(original, BatchWriter.ReaderOptions(file.Separator, hasHeader: false), leaveOpen: true);

                // Record 0 is the header; data rows are numbered from 1, as export lines count them.
                for (var record = 0; await csv.ReadAsync(cancellationToken); record++)
                {
                    if (record > 0 && file.Rows.Contains(record))
                    {
                        for (var column = 0; column < csv.FieldCount; column++)
                        {
                            if (column > 0)
                            {
                                copy.Write(separator);
                            }

                            if (!erasedColumns.Contains(column))
                            {
                                copy.Write(csv.GetRawSpan(column));
                            }
                        }
                    }
                    else
                    {
                        copy.Write(csv.RawRecord);
                    }

                    copy.Write(NewLine);
                    row = record;
                    await sink.ThrottleAsync();
                }

                (sha256, length) = copy.Complete();
            }

            await sink.CompleteAsync();
        }

        // Export lines and the manifest count the rows the file was written with; a file that does
        // not match them is not one this can redact safely.
        if (row != file.RowCount || file.Rows.Max() > row)
        {
            throw new InvalidOperationException(
                $"Export batch {file.BatchId}: its stored file has {row} data rows, its manifest {file.RowCount}; not redacted.");
        }

        if (sha256 == file.Sha256)
        {
            await SqlCommands.ExecuteAsync(connection, "ROLLBACK TO SAVEPOINT batch_redaction", cancellationToken);
            return null;
        }

        await SqlCommands.ExecuteAsync(connection, "RELEASE SAVEPOINT batch_redaction", cancellationToken);
        var originalSha256 = await SqlCommands.ScalarAsync<string>(
            connection,
            """
            UPDATE accreditation.export_batches
            SET sha256 = $2, byte_length = $3, original_sha256 = coalesce(original_sha256, sha256), redacted_at = $4
            WHERE id = $1
            RETURNING original_sha256
            """,
            cancellationToken,
            file.BatchId, sha256, length, now);
        return new RedactedBatch(file.BatchId, originalSha256, sha256, file.Rows.Count);
    }
}
