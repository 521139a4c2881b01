using System.Globalization;
using AccreditationReporting.Audit;
using AccreditationReporting.Storage;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace AccreditationReporting.StaffConsole.Pages;

/// <summary>One recipient's batches, newest first, a page at a time (keyed on the batch ID, as the API pages).</summary>
[Authorize(Policy = ConsolePolicies.ReadBatchSummaries)]
internal sealed class BatchesModel(ReportingDbContext db, Exports.ExportCatalog catalog, CallAudit audit, IAuthorizationService authorization)
    : ConsolePage(audit, authorization)
{
    public const int PageSize = 25;

    public string Recipient { get; private set; } = "";

    public List<BatchSummary> Batches { get; private set; } = [];

    /// <summary>The <c>before</c> of the next page, when there is one.</summary>
    public long? Older { get; private set; }

    public async Task<IActionResult> OnGetAsync(string? recipient, long? before)
    {
        // A recipient this service exports to, or one it did (the shared joint-provider recipient of
        // earlier versions, a joint provider no longer configured): nothing else reaches the audit trail.
        if (recipient is null || (catalog.Find(recipient) is null && !Exports.Recipients.IsJointProvider(recipient)))
        {
            return NotFound();
        }

        Recipient = recipient;
        var upTo = before ?? long.MaxValue;
        var page = await db.ExportBatches.AsNoTracking().Include(b => b.Submissions)
            .Where(b => b.Recipient == recipient && b.FileName != "" && b.Id < upTo)
            .OrderByDescending(b => b.Id).Take(PageSize + 1)
            .ToListAsync(HttpContext.RequestAborted);
        var shown = page.Take(PageSize).ToList();
        var downloaded = await BatchSummary.DownloadedAsync(db, shown.Select(b => b.Id), HttpContext.RequestAborted);
        Batches = shown.Select(b => BatchSummary.Of(b, downloaded.Contains(b.Id))).ToList();
        Older = page.Count > PageSize ? Batches[^1].Id : null;
        Audit.Details["recipient"] = recipient;
        Audit.Details["batches"] = Batches.Count.ToString(CultureInfo.InvariantCulture);
        await RecordAsync(AuditActions.BatchList);
        return Page();
    }
}
