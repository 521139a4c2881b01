using System.Data;
using AccreditationReporting.Audit;
using AccreditationReporting.Exports.Delivery;
using AccreditationReporting.Hosting;
using AccreditationReporting.Storage;
using CsvHelper;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace AccreditationReporting.Exports;

public enum BatchTrigger
{
    OnDemand,
    Schedule,
}

/// <summary>
/// Makes batches. One transaction per batch, holding the recipient's lock from the first read to
/// the commit: a second instance asking for the same recipient at the same moment waits, then finds
/// every completion already taken and takes only what came after.
/// </summary>
internal sealed class ExportBatches(
    ReportingDbContext db, ExportCatalog catalog, DeliveryEndpoints deliveries, AuditTrail audit, TimeProvider time, ServiceMetrics metrics,
    ILogger<ExportBatches> logger)
{
    /// <summary>The new batch, or null when nothing has happened since the last one.</summary>
    /// <param name="actor">Who asked for it; the audit entry commits with the batch.</param>
    public Task<ExportBatch?> CreateAsync(
        string recipient, DateTimeOffset? cutoff, BatchTrigger trigger, AuditActor actor, CancellationToken cancellationToken) =>
        CreateAsync(recipient, cutoff, trigger, actor, null, cancellationToken);

    /// <summary>
    /// The batch of a schedule's occurrence, its cut-off the occurrence. The occurrence is claimed in the
    /// batch's own transaction, so it is run once by whichever instance commits first, and an attempt
    /// that never commits (stopped, the database lost) leaves it unclaimed for the schedule to make late.
    /// Null when another instance ran it, when nothing is new, or when a batch with a later cut-off
    /// already took what it would have (a late occurrence after an on-demand batch): claimed then too.
    /// </summary>
    public Task<ExportBatch?> CreateScheduledAsync(string recipient, ScheduledOccurrence occurrence, CancellationToken cancellationToken) =>
        CreateAsync(recipient, occurrence.At, BatchTrigger.Schedule, AuditActor.Service("export-schedule"), occurrence, cancellationToken);

    private async Task<ExportBatch?> CreateAsync(
        string recipient, DateTimeOffset? cutoff, BatchTrigger trigger, AuditActor actor, ScheduledOccurrence? occurrence, CancellationToken cancellationToken)
    {
        // Checked before anything is measured: a recipient is a metric tag, and only configured ones may be.
        var export = catalog.Find(recipient) ?? throw new ArgumentException($"unknown recipient '{recipient}'", nameof(recipient));
        using var span = ServiceTelemetry.Source.StartActivity("export batch");
        span?.SetTag("accreditation.recipient", recipient);
        span?.SetTag("accreditation.trigger", TriggerName(trigger));
        var started = time.GetTimestamp();
        var outcome = "failed";
        ExportBatch? batch = null;
        try
        {
            (batch, var ran) = await CreateAsync(export, recipient, cutoff, trigger, actor, occurrence, cancellationToken);
            outcome = batch is not null ? "created" : ran ? "nothing-new" : "run-elsewhere";
            return batch;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            outcome = "cancelled";
            throw;
        }
        finally
        {
            span?.SetTag("accreditation.outcome", outcome);
            metrics.BatchMade(recipient, outcome, time.GetElapsedTime(started), batch?.RowCount);
        }
    }

    /// <returns>The batch, if one was made; whether this call ran (false: the occurrence was another instance's).</returns>
    private async Task<(ExportBatch? Batch, bool Ran)> CreateAsync(
        RecipientExport export, string recipient, DateTimeOffset? cutoff, BatchTrigger trigger, AuditActor actor,
        ScheduledOccurrence? occurrence, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var upTo = cutoff ?? now;

        // Connections of its own without a command timeout: a batch of millions runs longer than any
        // timeout, and Npgsql applies the connection's to the start of a COPY (a counts-only batch
        // sorts before its first row). The caller's token bounds it instead.
        var settings = new NpgsqlConnectionStringBuilder(db.Database.GetConnectionString()) { CommandTimeout = 0 };
        await using var connection = new NpgsqlConnection(settings.ConnectionString);
        await connection.OpenAsync(cancellationToken);

        // Committed before the batch begins: the batch reads in a snapshot of its own transaction,
        // which does not show that transaction's own changes.
        await using (var preparation = await connection.BeginTransactionAsync(cancellationToken))
        {
            await LockAsync(connection, recipient, cancellationToken);
            await export.PrepareAsync(connection, cancellationToken);
            await preparation.CommitAsync(cancellationToken);
        }

        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

        // JIT compiling these few statements cost more than it saved on every batch size measured.
        await SqlCommands.ExecuteAsync(connection, "SET LOCAL jit = off", cancellationToken);
        await LockAsync(connection, recipient, cancellationToken);
        if (occurrence is not null)
        {
            if (!await ClaimAsync(connection, recipient, occurrence, cancellationToken))
            {
                return (null, false);
            }

            if (await SqlCommands.ScalarAsync<object>(connection, LatestCoveringBatch, cancellationToken, recipient, occurrence.At) is long covering)
            {
                logger.LogInformation("The {Occurrence} occurrence for {Recipient} is covered by batch {BatchId}, cut off later", occurrence.At, recipient, covering);
                await transaction.CommitAsync(cancellationToken);
                return (null, true);
            }
        }

        var batchId = await SqlCommands.ScalarAsync<long>(
            connection,
            """
            INSERT INTO accreditation.export_batches (recipient, created_at, cutoff, trigger, file_name, content_type, fields, headers,
                row_count, byte_length, sha256, included, corrections, exclusions, delivery_status, delivery_attempts)
            VALUES ($1, $2, $3, $4, '', $5, $6::jsonb, $7::jsonb, 0, 0, '', 0, 0, '[]', $8, 0)
            RETURNING id
            """,
            cancellationToken,
            recipient, now, upTo, TriggerName(trigger), export.Format.ContentType,
            StoredJson.Serialize(export.Format.Fields.ToList()), StoredJson.Serialize(export.Format.Columns.Select(c => c.Header).ToList()),
            deliveries.IsConfigured(recipient) ? nameof(DeliveryStatus.Pending) : nameof(DeliveryStatus.NotConfigured));

        await using var sink = new BatchSink(connection, batchId, cancellationToken);
        var ledger = new BatchLedger(sink, recipient, batchId);
        await using var reads = export.IsLearnerLevel ? await OpenSnapshotAsync(connection, batchId, settings.ConnectionString, cancellationToken) : null;
        var context = new BatchContext(connection, reads?.Connection ?? connection, batchId, upTo, ledger, cancellationToken);
        if (export.IsLearnerLevel)
        {
            // Lines and chunks go in on this connection while the rows come in on the other.
            sink.Start();
        }

        long rows;
        string sha256;
        long length;
        await using (var file = new BatchFileStream(sink))
        {
            await using (var csv = CsvWriter.Create(file, BatchWriter.WriterOptions(export.Format), leaveOpen: true))
            {
                csv.WriteHeader(export.Format.Columns.Select(c => c.Header).ToArray());
                await export.WriteAsync(context, csv);
                await csv.FlushAsync(cancellationToken);
                rows = csv.RecordCount - 1;
            }

            ledger.Complete();
            (sha256, length) = file.Complete();
        }

        await sink.CompleteAsync();
        var summary = ledger.Lines > 0 ? ledger.Summary() : await SummariseAsync(connection, batchId, cancellationToken);
        if (summary.Lines == 0)
        {
            await transaction.RollbackAsync(cancellationToken);

            // The occurrence ran, with nothing to send: claimed on its own (not to a savepoint: the batch's
            // snapshot export refuses a subtransaction). Stopped before this, it runs again, to the same end.
            return (null, occurrence is null || await ClaimAsync(connection, recipient, occurrence, cancellationToken));
        }

        // A joint provider's recipient ID has a '/', which no file name may.
        var fileName = $"{recipient.Replace('/', '-')}-{batchId:D6}.{export.Format.FileExtension}";
        await SqlCommands.ExecuteAsync(
            connection,
            """
            UPDATE accreditation.export_batches
            SET file_name = $2, row_count = $3, byte_length = $4, sha256 = $5, included = $6, corrections = $7, exclusions = $8::jsonb
            WHERE id = $1
            """,
            cancellationToken,
            batchId, fileName, (int)rows, length, sha256, summary.Included, summary.Corrections, StoredJson.Serialize(summary.Exclusions));

        // A scheduled batch's cut-off is its occurrence, claimed above in this transaction.
        if (occurrence is not null)
        {
            await SqlCommands.ExecuteAsync(
                connection,
                "UPDATE accreditation.scheduled_runs SET batch_id = $1 WHERE recipient = $2 AND occurrence = $3",
                cancellationToken,
                batchId, recipient, upTo);
        }

        // Last, so the trail's lock is held only for the commit.
        await audit.AppendInTransactionAsync(
            connection,
            new AuditEntry(actor, AuditActions.BatchCreate, AuditOutcomes.Ok, AuditEntry.Batch(batchId))
            {
                RowCount = (int)rows,
                Sha256 = sha256,
                Details = new Dictionary<string, string>
                {
                    ["recipient"] = recipient,
                    ["trigger"] = TriggerName(trigger),
                    ["included"] = summary.Included.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    ["corrections"] = summary.Corrections.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    ["excluded"] = summary.Exclusions.Sum(e => e.Count).ToString(System.Globalization.CultureInfo.InvariantCulture),
                },
            },
            cancellationToken);
        await transaction.CommitAsync(cancellationToken);

        logger.LogInformation(
            "Export batch {BatchId} for {Recipient}: {Rows} rows, {Included} included, {Corrections} corrections, {Excluded} excluded",
            batchId, recipient, rows, summary.Included, summary.Corrections, summary.Exclusions.Sum(e => e.Count));
        db.ChangeTracker.Clear();
        return (await db.ExportBatches.AsNoTracking().Include(b => b.Submissions).SingleAsync(b => b.Id == batchId, cancellationToken), true);
    }

    /// <summary>The recipient's latest batch cut off at or after an occurrence: it took all the occurrence would.</summary>
    private const string LatestCoveringBatch =
        """
        SELECT max(id) FROM accreditation.export_batches
        WHERE recipient = $1 AND file_name <> '' AND cutoff >= $2
        """;

    /// <summary>
    /// Claims the occurrence for this transaction. Under the recipient's lock, so an instance that woke
    /// for it too waits here until this transaction ends, then finds it claimed (or, rolled back, free).
    /// </summary>
    private static async Task<bool> ClaimAsync(NpgsqlConnection connection, string recipient, ScheduledOccurrence occurrence, CancellationToken cancellationToken) =>
        await SqlCommands.RowsAsync(
            connection,
            """
            INSERT INTO accreditation.scheduled_runs (recipient, occurrence, claimed_by, claimed_at)
            VALUES ($1, $2, $3, $4)
            ON CONFLICT DO NOTHING
            """,
            cancellationToken,
            recipient, occurrence.At, occurrence.Instance, occurrence.ClaimedAt) == 1;

    /// <summary>
    /// A read-only transaction on a second connection that sees exactly what the batch's transaction
    /// saw once it held the recipient's lock: every earlier batch's lines, nothing later. The batch
    /// keeps that snapshot too: a profile change whose transaction it did not see was not in the
    /// rows it sent, so a later batch corrects them (<see cref="HeldCompletions"/>).
    /// </summary>
    private static async Task<SnapshotReads> OpenSnapshotAsync(NpgsqlConnection batch, long batchId, string connectionString, CancellationToken cancellationToken)
    {
        var snapshot = await SqlCommands.ScalarAsync<string>(
            batch,
            """
            UPDATE accreditation.export_batches SET profiles_snapshot = pg_current_snapshot() WHERE id = $1
            RETURNING pg_export_snapshot()
            """,
            cancellationToken,
            batchId);
        var connection = new NpgsqlConnection(connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            var transaction = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken);
            // work_mem: the row query remembers each learner's columns once (about 150 bytes a learner)
            // instead of looking them up for every completion; the default 4 MB holds too few.
            await SqlCommands.ExecuteAsync(
                connection,
                $"SET TRANSACTION READ ONLY; SET TRANSACTION SNAPSHOT '{snapshot}'; SET LOCAL jit = off; SET LOCAL work_mem = '64MB'",
                cancellationToken);
            return new SnapshotReads(transaction);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    private sealed class SnapshotReads(NpgsqlTransaction transaction) : IAsyncDisposable
    {
        public NpgsqlConnection Connection { get; } = transaction.Connection!;

        public async ValueTask DisposeAsync()
        {
            await transaction.DisposeAsync();
            await Connection.DisposeAsync();
        }
    }

    /// <summary>The recipient's lock, held to the end of the transaction: one batch of a recipient at a time.</summary>
    private static Task LockAsync(NpgsqlConnection connection, string recipient, CancellationToken cancellationToken) =>
        ExportBatchLocks.TakeAsync(connection, [recipient], cancellationToken);

    private static string TriggerName(BatchTrigger trigger) => trigger == BatchTrigger.Schedule ? "schedule" : "on-demand";

    private static async Task<BatchSummary> SummariseAsync(NpgsqlConnection connection, long batchId, CancellationToken cancellationToken)
    {
        await using var command = SqlCommands.Create(
            connection,
            "SELECT action, coalesce(reason, ''), count(*)::int FROM accreditation.export_lines WHERE batch_id = $1 GROUP BY 1, 2 ORDER BY 1, 2",
            batchId);
        var counts = new List<(string Action, string? Reason, int Count)>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            counts.Add((reader.GetString(0), reader.GetString(1), reader.GetInt32(2)));
        }

        return BatchSummary.Of(counts);
    }
}
