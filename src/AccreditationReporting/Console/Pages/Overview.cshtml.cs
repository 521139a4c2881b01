using System.Globalization;
using AccreditationReporting.Audit;
using AccreditationReporting.Exports;
using AccreditationReporting.Exports.Delivery;
using AccreditationReporting.StaffConsole.Charts;
using AccreditationReporting.Storage;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace AccreditationReporting.StaffConsole.Pages;

/// <summary>
/// Per recipient its latest batches and where they stand, its schedule and delivery, what waits for
/// its next batch and its batch sizes over time; what ingestion stored and rejected lately.
/// </summary>
[Authorize(Policy = ConsolePolicies.SignedIn)]
internal sealed class OverviewModel(
    ReportingDbContext db, ExportCatalog catalog, ExportBatches batches, RecipientSchedules schedules, DeliveryEndpoints deliveries,
    CallAudit audit, IAuthorizationService authorization, TimeProvider time)
    : ConsolePage(audit, authorization)
{
    public const int BatchesPerRecipient = 5;
    public const int BatchesCharted = 20;
    public const int DaysCharted = 30;
    public static readonly TimeSpan RejectionWindow = TimeSpan.FromDays(30);

    public List<RecipientOverview> Recipients { get; } = [];

    /// <summary>Events stored and rejected per day; for those who handle rejected events.</summary>
    public BarChart? Events { get; private set; }

    public List<(string RuleCode, int Count)>? Rejections { get; private set; }

    public DateTimeOffset RejectionsSince { get; private set; }

    public bool SeesBatches { get; private set; }

    public bool MayCreate { get; private set; }

    public string? Message { get; private set; }

    public async Task OnGetAsync() => await LoadAsync();

    public async Task<IActionResult> OnPostCreateAsync(string? recipient)
    {
        if (!await MayAsync(ConsolePolicies.CreateBatches))
        {
            return await RefusedAsync(AuditActions.BatchCreate);
        }

        if (recipient is null || catalog.Find(recipient) is null)
        {
            Message = $"There is no recipient '{recipient}'; choose one of {catalog.Listed}.";
            await LoadAsync();
            return Page();
        }

        var batch = await batches.CreateAsync(recipient, null, BatchTrigger.OnDemand, Audit.Actor, HttpContext.RequestAborted);
        if (batch is not null)
        {
            // Its entry was written in the batch's own transaction.
            return LocalRedirect($"/console/batches/{batch.Id}");
        }

        Audit.Details["recipient"] = recipient;
        Audit.Details["created"] = "false";
        await RecordAsync(AuditActions.BatchCreate);
        Message = $"Nothing new for {recipient} since its last batch: no batch was made.";
        await LoadAsync();
        return Page();
    }

    private async Task LoadAsync()
    {
        var cancellationToken = HttpContext.RequestAborted;
        SeesBatches = await MayAsync(ConsolePolicies.ReadBatchSummaries);
        MayCreate = await MayAsync(ConsolePolicies.CreateBatches);
        if (SeesBatches)
        {
            var shown = 0;
            var now = time.GetUtcNow();
            foreach (var recipient in catalog.Exports.Keys.Order(StringComparer.Ordinal))
            {
                var recent = await db.ExportBatches.AsNoTracking().Include(b => b.Submissions)
                    .Where(b => b.Recipient == recipient && b.FileName != "")
                    .OrderByDescending(b => b.Id).Take(BatchesCharted)
                    .ToListAsync(cancellationToken);

                // What arrived after the last batch's cut-off; the next batch decides which of it goes.
                var waiting = recent.FirstOrDefault()?.Cutoff is { } lastCutoff
                    ? await db.Completions.CountAsync(c => c.ReceivedAt > lastCutoff, cancellationToken)
                    : await db.Completions.CountAsync(cancellationToken);

                var charted = recent.AsEnumerable().Reverse().ToList();
                var sizes = new BarChart(
                    $"sizes-{recipient.Replace('/', '-')}", $"Rows in the last {charted.Count} batches for {recipient}", "Batch",
                    [.. charted.Select(b => b.Id.ToString(CultureInfo.InvariantCulture))],
                    [new BarSeries("rows", "series-rows", [.. charted.Select(b => (long)b.RowCount)])]);
                var shownBatches = recent.Take(BatchesPerRecipient).ToList();
                var downloaded = await BatchSummary.DownloadedAsync(db, shownBatches.Select(b => b.Id), cancellationToken);
                var latest = shownBatches.Select(b => BatchSummary.Of(b, downloaded.Contains(b.Id))).ToList();
                Recipients.Add(new RecipientOverview(
                    recipient, latest, schedules.For(recipient, now, await ExportSchedules.LastClaimedAsync(db, recipient, cancellationToken)),
                    deliveries.IsConfigured(recipient), waiting, charted.Count > 1 ? sizes : null));
                shown += latest.Count;
            }

            // Recorded as the API's ListBatches is: what was shown, before it is shown.
            Audit.Details.Clear();
            Audit.Details["batches"] = shown.ToString(CultureInfo.InvariantCulture);
            await RecordAsync(AuditActions.BatchList);
        }

        if (await MayAsync(ConsolePolicies.HandleRejectedEvents))
        {
            // Counts by rule only: no payload, no learner.
            RejectionsSince = time.GetUtcNow() - RejectionWindow;
            var since = RejectionsSince;
            Rejections = (await db.RejectedEvents.AsNoTracking()
                    .Where(r => r.ReceivedAt >= since)
                    .GroupBy(r => r.RuleCode)
                    .Select(g => new { RuleCode = g.Key, Count = g.Count() })
                    .OrderByDescending(g => g.Count).ThenBy(g => g.RuleCode)
                    .ToListAsync(cancellationToken))
                .Select(g => (g.RuleCode, g.Count)).ToList();

            var days = await EventsPerDay.ReadAsync(db, DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime), DaysCharted, cancellationToken);
            Events = new BarChart(
                "events", $"Events stored and rejected per day (UTC), last {DaysCharted} days", "Day",
                [.. days.Select(d => d.Day.ToString("MM-dd", CultureInfo.InvariantCulture))],
                [
                    new BarSeries("stored", "series-stored", [.. days.Select(d => d.Stored)]),
                    new BarSeries("rejected", "series-rejected", [.. days.Select(d => d.Rejected)]),
                ]);
        }
    }
}

/// <param name="Schedule">Its cron expression (UTC) and next run (late: missed, to be made as soon as an instance can); null when batches are made on demand only.</param>
/// <param name="Pushed">Whether its batches are delivered to an endpoint, rather than downloaded and submitted by staff.</param>
/// <param name="Waiting">Completions received since its last batch's cut-off.</param>
/// <param name="Sizes">Rows per batch over its recent batches; null until there are two to compare.</param>
internal sealed record RecipientOverview(
    string Recipient, List<BatchSummary> Batches, (string Expression, DateTimeOffset? NextRun, bool Late)? Schedule, bool Pushed, int Waiting, BarChart? Sizes);
