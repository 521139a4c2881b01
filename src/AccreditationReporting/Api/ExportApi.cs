using AccreditationReporting.Access;
using AccreditationReporting.Api.V1;
using AccreditationReporting.Audit;
using AccreditationReporting.Exports;
using AccreditationReporting.Exports.Delivery;
using AccreditationReporting.Hosting;
using System.Data;
using AccreditationReporting.Storage;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.AspNetCore.Authorization;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using ExportBatch = AccreditationReporting.Exports.ExportBatch;
using Exclusion = AccreditationReporting.Api.V1.Exclusion;
using Submission = AccreditationReporting.Api.V1.Submission;
using SubmissionOutcome = AccreditationReporting.Exports.SubmissionOutcome;

namespace AccreditationReporting.Api;

internal sealed class ExportApi(
    ReportingDbContext db, ExportBatches batches, ExportCatalog catalog, DeliveryEndpoints deliveries, DownloadSlots downloads, CallAudit audit, TimeProvider time,
    ServiceMetrics metrics)
    : ExportService.ExportServiceBase
{
    /// <summary>Within grpc-dotnet's advice of 16-64 KiB per message for streamed files.</summary>
    public const int DownloadChunkSize = 64 * 1024;

    [Authorize(Policy = AccessPolicies.CreateBatches)]
    [Audited(AuditActions.BatchCreate)]
    public override async Task<CreateBatchResponse> CreateBatch(CreateBatchRequest request, ServerCallContext context)
    {
        var recipient = KnownRecipient(request.Recipient);
        audit.Details["recipient"] = recipient;
        var batch = await batches.CreateAsync(recipient, request.Cutoff?.ToDateTimeOffset(), BatchTrigger.OnDemand, audit.Actor, context.CancellationToken);
        if (batch is null)
        {
            audit.Details["created"] = "false";
            return new CreateBatchResponse { Created = false };
        }

        // The batch's entry was written in the batch's own transaction.
        audit.RecordedElsewhere();
        return new CreateBatchResponse { Created = true, Batch = Describe(batch) };
    }

    [Authorize(Policy = AccessPolicies.ReadBatchSummaries)]
    [Audited(AuditActions.BatchList)]
    public override async Task<ListBatchesResponse> ListBatches(ListBatchesRequest request, ServerCallContext context)
    {
        var pageSize = Paging.PageSize(request.PageSize);
        var before = Paging.LastSeen(request.PageToken, first: long.MaxValue);

        var query = db.ExportBatches.AsNoTracking().Include(b => b.Submissions).Where(b => b.Id < before && b.FileName != "");
        if (request.Recipient.Length > 0)
        {
            // Batches outlive configuration: the shared joint-provider recipient of earlier versions,
            // and a joint provider no longer configured, still have theirs listed.
            var recipient = Recipients.IsJointProvider(request.Recipient) ? request.Recipient : KnownRecipient(request.Recipient);
            query = query.Where(b => b.Recipient == recipient);
        }

        var page = await query.OrderByDescending(b => b.Id).Take(pageSize + 1).ToListAsync(context.CancellationToken);
        var response = new ListBatchesResponse { Batches = { page.Take(pageSize).Select(Describe) } };
        audit.Details["batches"] = response.Batches.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (page.Count > pageSize)
        {
            response.NextPageToken = Paging.Token(page[pageSize - 1].Id);
        }

        return response;
    }

    [Authorize(Policy = AccessPolicies.ReadBatchSummaries)]
    [Audited(AuditActions.BatchRead)]
    public override async Task<V1.ExportBatch> GetBatch(GetBatchRequest request, ServerCallContext context) =>
        Describe(await FindAsync(request.BatchId, context.CancellationToken));

    [Authorize(Policy = AccessPolicies.DownloadBatches)]
    [Audited(AuditActions.BatchDownload)]
    public override async Task DownloadBatch(DownloadBatchRequest request, IServerStreamWriter<DownloadBatchResponse> responseStream, ServerCallContext context)
    {
        // Counted with the outcome its closing audit entry records (the interceptor's, for a refusal before the first byte).
        var outcome = AuditOutcomes.Completed;
        try
        {
            await SendBatchAsync(request, responseStream, context);
        }
        catch (Exception e)
        {
            outcome = context.CancellationToken.IsCancellationRequested
                ? AuditOutcomes.Cancelled
                : AuditInterceptor.StatusName(e is RpcException rpc ? rpc.StatusCode : StatusCode.Internal);
            throw;
        }
        finally
        {
            metrics.Download("api", outcome);
        }
    }

    private async Task SendBatchAsync(DownloadBatchRequest request, IServerStreamWriter<DownloadBatchResponse> responseStream, ServerCallContext context)
    {
        var batch = await FindAsync(request.BatchId, context.CancellationToken);
        if (batch.FilePurgedAt is { } purgedAt)
        {
            throw FilePurged(batch.Id, purgedAt);
        }

        // Each download holds a database connection while it streams: a bound keeps slow readers
        // from taking the pool that ingestion and batches need.
        using var slot = downloads.TryTake() ?? throw new RpcException(new Status(
            StatusCode.ResourceExhausted, $"{downloads.Limit} downloads are in progress (Exports:MaxConcurrentDownloads); try again shortly"));

        // Recorded before the first byte leaves: an interrupted download was still an access.
        await audit.RecordAsync(AuditActions.BatchDownload, AuditOutcomes.Started, context.CancellationToken, batch.RowCount, batch.Sha256);
        long sent = 0;
        var outcome = AuditOutcomes.Cancelled;
        try
        {
            await responseStream.WriteAsync(new DownloadBatchResponse { Manifest = Manifest(batch) }, context.CancellationToken);
            var connection = (NpgsqlConnection)db.Database.GetDbConnection();
            await db.Database.OpenConnectionAsync(context.CancellationToken);

            // The bytes from the snapshot that still has the manifest sent above (and recorded): an
            // erasure may have redacted the file since it was read, or the retention purge deleted
            // it (the snapshot would then hold no bytes at all).
            await using var snapshot = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, context.CancellationToken);
            var (sha256, purgedSince) = await FileInSnapshotAsync(connection, batch.Id, context.CancellationToken);
            if (purgedSince is { } purged)
            {
                throw FilePurged(batch.Id, purged);
            }

            if (sha256 != batch.Sha256)
            {
                throw new RpcException(new Status(StatusCode.Aborted, $"export batch {batch.Id}'s file was redacted as the download began; download it again"));
            }

            await using var file = await BatchFiles.OpenReadAsync(connection, batch.Id, context.CancellationToken);
            var buffer = new byte[DownloadChunkSize];
            int read;
            while ((read = await file.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, context.CancellationToken)) > 0)
            {
                await responseStream.WriteAsync(
                    new DownloadBatchResponse { Chunk = ByteString.CopyFrom(buffer, 0, read) }, context.CancellationToken);
                sent += read;
            }

            outcome = AuditOutcomes.Completed;
        }
        catch (Exception e) when (!context.CancellationToken.IsCancellationRequested)
        {
            outcome = AuditInterceptor.StatusName(e is RpcException rpc ? rpc.StatusCode : StatusCode.Internal);
            throw;
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
            audit.Details["bytes_sent"] = sent.ToString(System.Globalization.CultureInfo.InvariantCulture);
            await audit.RecordAsync(
                AuditActions.BatchDownload, outcome, CancellationToken.None, batch.RowCount, batch.Sha256);
        }
    }

    [Authorize(Policy = AccessPolicies.RecordSubmissions)]
    [Audited(AuditActions.SubmissionRecord)]
    public override async Task<Submission> RecordSubmission(RecordSubmissionRequest request, ServerCallContext context)
    {
        if (request.SubmittedAt is null)
        {
            throw RequestErrors.InvalidArgument("submitted_at", "is required");
        }

        if (string.IsNullOrWhiteSpace(request.Method) || request.Method.Length > 200)
        {
            throw RequestErrors.InvalidArgument("method", "is required, at most 200 characters");
        }

        if (request.RecipientResponse.Length > 2000)
        {
            throw RequestErrors.InvalidArgument("recipient_response", "must be at most 2000 characters");
        }

        var outcome = request.Outcome switch
        {
            V1.SubmissionOutcome.Pending => SubmissionOutcome.Pending,
            V1.SubmissionOutcome.Accepted => SubmissionOutcome.Accepted,
            V1.SubmissionOutcome.AcceptedWithErrors => SubmissionOutcome.AcceptedWithErrors,
            V1.SubmissionOutcome.Rejected => SubmissionOutcome.Rejected,
            _ => throw RequestErrors.InvalidArgument("outcome", "must be PENDING, ACCEPTED, ACCEPTED_WITH_ERRORS or REJECTED"),
        };
        var submittedAt = request.SubmittedAt.ToDateTimeOffset();
        var batch = await FindAsync(request.BatchId, context.CancellationToken);
        if (submittedAt < batch.CreatedAt)
        {
            throw RequestErrors.InvalidArgument("submitted_at", "is before the batch was created");
        }

        // The submitter is whoever the token says is recording it, not a name the caller types.
        var submission = new ExportSubmission
        {
            BatchId = batch.Id, SubmittedAt = submittedAt, Method = request.Method, SubmittedBy = audit.Actor.Accountable,
            Outcome = outcome, RecipientResponse = request.RecipientResponse.Length > 0 ? request.RecipientResponse : null,
            RecordedAt = time.GetUtcNow(),
        };
        await using var transaction = await db.Database.BeginTransactionAsync(context.CancellationToken);
        db.ExportSubmissions.Add(submission);
        await db.SaveChangesAsync(context.CancellationToken);
        audit.Details["submission"] = submission.Id.ToString(System.Globalization.CultureInfo.InvariantCulture);
        audit.Details["outcome"] = outcome.ToString();
        await audit.RecordAsync(AuditActions.SubmissionRecord, AuditOutcomes.Ok, context.CancellationToken, batch.RowCount, batch.Sha256);

        // Once its entry is written the change commits, even if the caller has gone: otherwise it
        // would roll back with the entry, and the call would look recorded.
        await transaction.CommitAsync(CancellationToken.None);
        return Describe(submission);
    }

    [Authorize(Policy = AccessPolicies.RetryDeliveries)]
    [Audited(AuditActions.DeliveryRetry)]
    public override async Task<V1.ExportBatch> RetryDelivery(RetryDeliveryRequest request, ServerCallContext context)
    {
        var batch = await FindAsync(request.BatchId, context.CancellationToken);
        if (!deliveries.IsConfigured(batch.Recipient))
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition, $"recipient {batch.Recipient} has no push endpoint (Exports:Delivery:{batch.Recipient}:Endpoint)"));
        }

        if (batch.FilePurgedAt is { } purgedAt)
        {
            throw FilePurged(batch.Id, purgedAt);
        }

        // A delivered batch is not pushed twice; a receiver that lost it can be given a download. A
        // batch whose file the retention purge deleted meanwhile has nothing left to push.
        await using var transaction = await db.Database.BeginTransactionAsync(context.CancellationToken);
        var queued = await db.ExportBatches
            .Where(b => b.Id == batch.Id && b.DeliveryStatus != DeliveryStatus.Delivered && b.FilePurgedAt == null)
            .ExecuteUpdateAsync(
                set => set.SetProperty(b => b.DeliveryStatus, DeliveryStatus.Pending).SetProperty(b => b.NextDeliveryAt, (DateTimeOffset?)null),
                context.CancellationToken);
        if (queued == 0)
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition, $"export batch {batch.Id} was already delivered, or its file was deleted"));
        }

        await audit.RecordAsync(AuditActions.DeliveryRetry, AuditOutcomes.Ok, context.CancellationToken);
        await transaction.CommitAsync(CancellationToken.None);
        return Describe(await FindAsync(batch.Id, context.CancellationToken));
    }

    /// <summary>The file's hash and purge time as the transaction open on <paramref name="connection"/> sees them.</summary>
    private static async Task<(string Sha256, DateTimeOffset? PurgedAt)> FileInSnapshotAsync(
        NpgsqlConnection connection, long batchId, CancellationToken cancellationToken)
    {
        await using var command = SqlCommands.Create(
            connection, "SELECT sha256, file_purged_at FROM accreditation.export_batches WHERE id = $1", batchId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        var purgedAt = reader.GetOrdinal("file_purged_at");
        return (
            reader.GetString(reader.GetOrdinal("sha256")),
            reader.IsDBNull(purgedAt) ? null : reader.GetFieldValue<DateTimeOffset>(purgedAt));
    }

    /// <summary>The batch row (manifest, counts, submissions) outlives its file: GetBatch still describes it.</summary>
    private static RpcException FilePurged(long batchId, DateTimeOffset purgedAt) => new(new Status(
        StatusCode.FailedPrecondition,
        $"the file of export batch {batchId} was deleted on {purgedAt.UtcDateTime.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture)}, when its retention (Retention:BatchFileMonths) ended; GetBatch still gives its manifest and counts"));

    private string KnownRecipient(string recipient) =>
        catalog.Find(recipient) is not null
            ? recipient
            : throw RequestErrors.InvalidArgument("recipient", $"must be one of {catalog.Listed}");

    private async Task<ExportBatch> FindAsync(long batchId, CancellationToken cancellationToken)
    {
        if (batchId <= 0)
        {
            throw RequestErrors.InvalidArgument("batch_id", "must be a positive batch ID");
        }

        audit.Target = AuditEntry.Batch(batchId);
        return await db.ExportBatches.AsNoTracking().Include(b => b.Submissions)
                .SingleOrDefaultAsync(b => b.Id == batchId && b.FileName != "", cancellationToken)
            ?? throw new RpcException(new Status(StatusCode.NotFound, $"no export batch {batchId}"));
    }

    private static BatchManifest Manifest(ExportBatch batch) => new()
    {
        BatchId = batch.Id, Recipient = batch.Recipient, FileName = batch.FileName, ContentType = batch.ContentType,
        ByteLength = batch.ByteLength, Sha256 = batch.Sha256, RowCount = batch.RowCount,
        OriginalSha256 = batch.OriginalSha256 ?? string.Empty,
        RedactedAt = batch.RedactedAt is { } redacted ? Timestamp.FromDateTimeOffset(redacted) : null,
    };

    internal static V1.ExportBatch Describe(ExportBatch batch) => new()
    {
        Id = batch.Id,
        Recipient = batch.Recipient,
        CreatedAt = Timestamp.FromDateTimeOffset(batch.CreatedAt),
        Cutoff = Timestamp.FromDateTimeOffset(batch.Cutoff),
        Trigger = batch.Trigger,
        Manifest = Manifest(batch),
        Columns = { batch.Fields.Zip(batch.Headers, (f, h) => new Column { Field = f, Header = h }) },
        Included = batch.Included,
        Corrections = batch.Corrections,
        Exclusions = { batch.Exclusions.Select(e => new Exclusion { Reason = e.Reason, Count = e.Count }) },
        Delivery = new DeliveryState
        {
            Status = batch.DeliveryStatus.ToString(),
            Attempts = batch.DeliveryAttempts,
            DeliveredAt = batch.DeliveredAt is { } at ? Timestamp.FromDateTimeOffset(at) : null,
            LastError = batch.LastDeliveryError ?? string.Empty,
            NextAttemptAt = batch.NextDeliveryAt is { } next ? Timestamp.FromDateTimeOffset(next) : null,
            DeliveredTo = batch.DeliveredTo ?? string.Empty,
        },
        Submissions = { batch.Submissions.OrderBy(s => s.Id).Select(Describe) },
    };

    private static Submission Describe(ExportSubmission submission) => new()
    {
        Id = submission.Id,
        BatchId = submission.BatchId,
        SubmittedAt = Timestamp.FromDateTimeOffset(submission.SubmittedAt),
        Method = submission.Method,
        SubmittedBy = submission.SubmittedBy,
        Outcome = submission.Outcome switch
        {
            SubmissionOutcome.Accepted => V1.SubmissionOutcome.Accepted,
            SubmissionOutcome.AcceptedWithErrors => V1.SubmissionOutcome.AcceptedWithErrors,
            SubmissionOutcome.Rejected => V1.SubmissionOutcome.Rejected,
            _ => V1.SubmissionOutcome.Pending,
        },
        RecipientResponse = submission.RecipientResponse ?? string.Empty,
        RecordedAt = Timestamp.FromDateTimeOffset(submission.RecordedAt),
    };
}
