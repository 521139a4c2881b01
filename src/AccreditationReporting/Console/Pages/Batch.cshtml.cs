using System.Globalization;
using AccreditationReporting.Audit;
using AccreditationReporting.Exports;
using AccreditationReporting.Storage;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace AccreditationReporting.StaffConsole.Pages;

/// <summary>
/// One batch: its manifest, its columns beside what each policy allows, counts, a preview of its
/// first rows and its submissions; compliance reveals the preview's personal fields (audited),
/// records a submission and downloads the file here.
/// </summary>
[Authorize(Policy = ConsolePolicies.ReadBatchSummaries)]
internal sealed class BatchModel(ReportingDbContext db, ExportCatalog catalog, CallAudit audit, IAuthorizationService authorization, TimeProvider time)
    : ConsolePage(audit, authorization)
{
    private static readonly string[] TimeFormats = ["yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd'T'HH:mm:ss"];

    public ExportBatch? Batch { get; private set; }

    public bool MayDownload { get; private set; }

    public bool MayRecord { get; private set; }

    /// <summary>Whether the signed-in person may make the recipient's next batch, and the recipient is still configured.</summary>
    public bool MayCreate { get; private set; }

    public FieldPolicies? Policies { get; private set; }

    /// <summary>The first rows, personal fields masked unless revealed; none once the file is deleted.</summary>
    public BatchPreview? Preview { get; private set; }

    public string? Message { get; private set; }

    [BindProperty]
    public SubmissionForm Form { get; set; } = new();

    public async Task<IActionResult> OnGetAsync(long id, bool recorded = false)
    {
        if (!await LoadAsync(id))
        {
            return NotFound();
        }

        Message = recorded ? "The submission was recorded." : null;
        Form = NewForm();
        await LoadPreviewAsync(reveal: false);
        await RecordAsync(AuditActions.BatchRead);
        return Page();
    }

    /// <summary>Shows the preview's personal fields: only to those who may have the file, and recorded before they are shown.</summary>
    public async Task<IActionResult> OnPostRevealAsync(long id)
    {
        if (!await MayAsync(ConsolePolicies.DownloadBatches))
        {
            Audit.Target = AuditEntry.Batch(id);
            return await RefusedAsync(AuditActions.BatchPreviewReveal);
        }

        if (!await LoadAsync(id))
        {
            return NotFound();
        }

        Form = NewForm();
        await LoadPreviewAsync(reveal: true);
        Audit.Details["rows_shown"] = (Preview?.Rows.Count ?? 0).ToString(CultureInfo.InvariantCulture);
        await RecordAsync(AuditActions.BatchPreviewReveal, rowCount: Preview?.Rows.Count, sha256: Batch!.Sha256);
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(long id)
    {
        if (!await MayAsync(ConsolePolicies.RecordSubmissions))
        {
            Audit.Target = AuditEntry.Batch(id);
            return await RefusedAsync(AuditActions.SubmissionRecord);
        }

        if (!await LoadAsync(id))
        {
            return NotFound();
        }

        var batch = Batch!;
        var method = Form.Method?.Trim();
        if (string.IsNullOrEmpty(method) || method.Length > 200)
        {
            ModelState.AddModelError("Form.Method", "Say how the batch was submitted (for example \"PARS batch upload\"), in at most 200 characters.");
        }

        DateTimeOffset submittedAt = default;
        if (!DateTime.TryParseExact(Form.SubmittedAt, TimeFormats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed))
        {
            ModelState.AddModelError("Form.SubmittedAt", "Give the date and time it was submitted, in UTC.");
        }
        else
        {
            submittedAt = new DateTimeOffset(parsed, TimeSpan.Zero);
            if (submittedAt < batch.CreatedAt)
            {
                ModelState.AddModelError("Form.SubmittedAt", "This is before the batch was made; give the time it was submitted.");
            }
        }

        if (!Enum.TryParse<SubmissionOutcome>(Form.Outcome, ignoreCase: false, out var outcome) || !Enum.IsDefined(outcome))
        {
            ModelState.AddModelError("Form.Outcome", "Choose one of the outcomes in the list.");
        }

        var answer = Form.RecipientResponse?.Trim();
        if (answer is { Length: > 2000 })
        {
            ModelState.AddModelError("Form.RecipientResponse", "Keep the recipient's answer to 2000 characters; summarise a longer one.");
        }

        if (ModelState.ErrorCount > 0)
        {
            await LoadPreviewAsync(reveal: false);
            return Page();
        }

        // As the API records it: the submitter is who is signed in, and the entry commits with the row.
        var submission = new ExportSubmission
        {
            BatchId = batch.Id, SubmittedAt = submittedAt, Method = method!, SubmittedBy = Audit.Actor.Accountable,
            Outcome = outcome, RecipientResponse = answer is { Length: > 0 } ? answer : null, RecordedAt = time.GetUtcNow(),
        };
        await using var transaction = await db.Database.BeginTransactionAsync(HttpContext.RequestAborted);
        db.ExportSubmissions.Add(submission);
        await db.SaveChangesAsync(HttpContext.RequestAborted);
        Audit.Details["submission"] = submission.Id.ToString(CultureInfo.InvariantCulture);
        Audit.Details["outcome"] = outcome.ToString();
        await RecordAsync(AuditActions.SubmissionRecord, rowCount: batch.RowCount, sha256: batch.Sha256);
        await transaction.CommitAsync(CancellationToken.None);
        return LocalRedirect($"/console/batches/{batch.Id}?recorded=true");
    }

    private async Task<bool> LoadAsync(long id)
    {
        Audit.Target = AuditEntry.Batch(id);
        Batch = await db.ExportBatches.AsNoTracking().Include(b => b.Submissions)
            .SingleOrDefaultAsync(b => b.Id == id && b.FileName != "", HttpContext.RequestAborted);
        MayDownload = await MayAsync(ConsolePolicies.DownloadBatches);
        MayRecord = await MayAsync(ConsolePolicies.RecordSubmissions);
        if (Batch is null)
        {
            return false;
        }

        Policies = FieldPolicies.For(catalog, Batch.Recipient);
        MayCreate = catalog.Find(Batch.Recipient) is not null && await MayAsync(ConsolePolicies.CreateBatches);

        // The page may hold learners' data (a revealed preview): no cache keeps a copy.
        Response.Headers.CacheControl = "no-store";
        return true;
    }

    private async Task LoadPreviewAsync(bool reveal)
    {
        Preview = Batch is { FilePurgedAt: null } batch ? await BatchPreview.ReadAsync(db, batch, reveal, HttpContext.RequestAborted) : null;
    }

    private SubmissionForm NewForm() =>
        new() { SubmittedAt = time.GetUtcNow().UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm", CultureInfo.InvariantCulture) };

    /// <summary>The form as typed: strings, so a wrong value is answered in words next to its field.</summary>
    public sealed class SubmissionForm
    {
        public string? Method { get; set; }
        public string? SubmittedAt { get; set; }
        public string? Outcome { get; set; } = nameof(SubmissionOutcome.Accepted);
        public string? RecipientResponse { get; set; }
    }
}
