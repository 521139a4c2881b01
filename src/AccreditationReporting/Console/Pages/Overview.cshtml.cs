using System.Globalization;
using AccreditationReporting.Audit;
using AccreditationReporting.Exports;
using AccreditationReporting.Storage;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace AccreditationReporting.StaffConsole.Pages;

/// <summary>Per recipient its latest batches and where they stand, and what ingestion rejected lately.</summary>
[Authorize(Policy = ConsolePolicies.SignedIn)]
internal sealed class OverviewModel(
    ReportingDbContext db, ExportCatalog catalog, ExportBatches batches, CallAudit audit, IAuthorizationService authorization, TimeProvider time)
    : ConsolePage(audit, authorization)
{
    public const int BatchesPerRecipient = 5;
    public static readonly TimeSpan RejectionWindow = TimeSpan.FromDays(30);

    public List<(string Recipient, List<BatchSummary> Batches)> Recipients { get; } = [];

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
            foreach (var recipient in catalog.Exports.Keys.Order(StringComparer.Ordinal))
            {
                var latest = await db.ExportBatches.AsNoTracking().Include(b => b.Submissions)
                    .Where(b => b.Recipient == recipient && b.FileName != "")
                    .OrderByDescending(b => b.Id).Take(BatchesPerRecipient)
                    .ToListAsync(cancellationToken);
                Recipients.Add((recipient, latest.Select(BatchSummary.Of).ToList()));
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
        }
    }
}
