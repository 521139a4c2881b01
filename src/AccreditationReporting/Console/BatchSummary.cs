using AccreditationReporting.Audit;
using AccreditationReporting.Exports;
using AccreditationReporting.Storage;
using Microsoft.EntityFrameworkCore;

namespace AccreditationReporting.StaffConsole;

/// <summary>What the console says of a batch in a list: the manifest's counts and where it stands with its recipient.</summary>
public sealed record BatchSummary(
    long Id, DateTimeOffset CreatedAt, int Rows, int Included, int Corrections, IReadOnlyList<Exclusion> Exclusions,
    DeliveryStatus Delivery, SubmissionOutcome? LatestSubmission, string Status)
{
    public static BatchSummary Of(ExportBatch batch, bool downloaded)
    {
        var latest = batch.Submissions.OrderByDescending(s => s.SubmittedAt).ThenByDescending(s => s.Id).FirstOrDefault()?.Outcome;
        return new(
            batch.Id, batch.CreatedAt, batch.RowCount, batch.Included, batch.Corrections, batch.Exclusions, batch.DeliveryStatus, latest,
            StatusOf(latest, batch.DeliveryStatus, downloaded));
    }

    /// <summary>
    /// The furthest a batch has gone: created, downloaded (or delivered, when pushed), submitted,
    /// then the recipient's answer.
    /// </summary>
    public static string StatusOf(SubmissionOutcome? latest, DeliveryStatus delivery, bool downloaded) => latest switch
    {
        SubmissionOutcome.Pending => "submitted",
        SubmissionOutcome.Accepted => "accepted",
        SubmissionOutcome.AcceptedWithErrors => "accepted with errors",
        SubmissionOutcome.Rejected => "rejected",
        _ when delivery == DeliveryStatus.Delivered => "delivered",
        _ when downloaded => "downloaded",
        _ => "created",
    };

    /// <summary>Where a batch's push delivery stands, in words.</summary>
    public static string DeliveryOf(DeliveryStatus delivery) => delivery switch
    {
        DeliveryStatus.NotConfigured => "not pushed: staff download and submit it",
        DeliveryStatus.Pending => "waiting to be pushed",
        DeliveryStatus.Delivered => "pushed",
        DeliveryStatus.Failed => "push failed: retry it with RetryDelivery",
        _ => delivery.ToString(),
    };

    /// <summary>The batches among <paramref name="batchIds"/> whose file someone downloaded to the end: the audit trail is the record of it.</summary>
    public static async Task<HashSet<long>> DownloadedAsync(ReportingDbContext db, IEnumerable<long> batchIds, CancellationToken cancellationToken)
    {
        var targets = batchIds.ToDictionary(AuditEntry.Batch);
        var downloaded = await db.AuditEvents.AsNoTracking()
            .Where(e => targets.Keys.Contains(e.Target!) && e.Action == AuditActions.BatchDownload && e.Outcome == AuditOutcomes.Completed)
            .Select(e => e.Target!)
            .Distinct()
            .ToListAsync(cancellationToken);
        return downloaded.Select(t => targets[t]).ToHashSet();
    }
}
