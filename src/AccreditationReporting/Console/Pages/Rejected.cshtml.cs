using System.Globalization;
using AccreditationReporting.Audit;
using AccreditationReporting.Ingestion;
using AccreditationReporting.Storage;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace AccreditationReporting.StaffConsole.Pages;

/// <summary>
/// What ingestion could not store, newest first, and its replay, as the API's ListRejectedEvents and
/// ReplayRejectedEvents: by rule and field only. Neither the payload nor the learner it names is read.
/// </summary>
[Authorize(Policy = ConsolePolicies.HandleRejectedEvents)]
internal sealed class RejectedModel(ReportingDbContext db, RejectedEventReplay replay, CallAudit audit, IAuthorizationService authorization)
    : ConsolePage(audit, authorization)
{
    public const int PageSize = 25;

    /// <summary>The statuses the filter offers: open (the default), resolved, or both.</summary>
    public static readonly IReadOnlyList<string> Statuses = ["open", "resolved", "any"];

    public string Status { get; private set; } = "open";

    public List<Row> Rejections { get; private set; } = [];

    /// <summary>The <c>before</c> of the next page, when there is one.</summary>
    public long? Older { get; private set; }

    /// <summary>What the replay just asked for became, one line per rejection.</summary>
    public IReadOnlyList<ReplayResult>? Replayed { get; private set; }

    public async Task<IActionResult> OnGetAsync(string? status, long? before)
    {
        if (status is not null && !Statuses.Contains(status))
        {
            ModelState.AddModelError("status", $"Choose one of {string.Join(", ", Statuses)}.");
            status = null;
        }

        await LoadAsync(status ?? "open", before);
        return Page();
    }

    public async Task<IActionResult> OnPostReplayAsync(long id)
    {
        // Which rejection was asked for, before it is replayed, as the API records it.
        Audit.Target = "rejected-events";
        Audit.Details["ids"] = id.ToString(CultureInfo.InvariantCulture);
        return await ReplayedAsync(await RecordedIfCutOffAsync(() => replay.ReplayAsync([id], HttpContext.RequestAborted)));
    }

    public async Task<IActionResult> OnPostReplayAllAsync()
    {
        Audit.Target = "rejected-events:all-open";
        var results = await RecordedIfCutOffAsync(() => replay.ReplayAllOpenAsync(HttpContext.RequestAborted));
        Audit.Details["ids"] = string.Join(",", results.Select(r => r.Id));
        return await ReplayedAsync(results);
    }

    /// <summary>
    /// A replay cut off half-way (the browser gone, the database failing) may have stored some events
    /// already: its entry is still written, with what was asked for, as the API's interceptor writes one.
    /// </summary>
    private async Task<IReadOnlyList<ReplayResult>> RecordedIfCutOffAsync(Func<Task<IReadOnlyList<ReplayResult>>> run)
    {
        try
        {
            return await run();
        }
        catch (Exception exception)
        {
            Audit.Details["via"] = "console";
            var outcome = exception is OperationCanceledException && HttpContext.RequestAborted.IsCancellationRequested
                ? AuditOutcomes.Cancelled
                : AuditInterceptor.StatusName(Grpc.Core.StatusCode.Internal);
            await Audit.RecordAsync(AuditActions.RejectedEventsReplay, outcome, CancellationToken.None);
            throw;
        }
    }

    private async Task<IActionResult> ReplayedAsync(IReadOnlyList<ReplayResult> results)
    {
        // IDs and outcomes, no payload.
        foreach (var outcome in results.GroupBy(r => r.Outcome))
        {
            Audit.Details[outcome.Key.ToString()] = outcome.Count().ToString(CultureInfo.InvariantCulture);
        }

        await RecordAsync(AuditActions.RejectedEventsReplay);
        Replayed = results;
        await LoadAsync("open", before: null);
        return Page();
    }

    private async Task LoadAsync(string status, long? before)
    {
        Status = status;
        var upTo = before ?? long.MaxValue;
        var query = db.RejectedEvents.AsNoTracking().Where(r => r.Id < upTo);
        query = status switch
        {
            "resolved" => query.Where(r => r.Status == RejectionStatus.Resolved),
            "any" => query,
            _ => query.Where(r => r.Status == RejectionStatus.Open),
        };

        // Only what the table shows: the payload and the learner ID are personal data, and stay unread.
        var page = await query.OrderByDescending(r => r.Id).Take(PageSize + 1)
            .Select(r => new Row(r.Id, r.ReceivedAt, r.RuleCode, r.Field, r.TimesReceived, r.Status, r.Replays, r.Payload != null))
            .ToListAsync(HttpContext.RequestAborted);
        Rejections = page.Take(PageSize).ToList();
        Older = page.Count > PageSize ? Rejections[^1].Id : null;

        Audit.Target = null;
        Audit.Details.Clear();
        Audit.Details["status"] = status;
        Audit.Details["rejected_events"] = Rejections.Count.ToString(CultureInfo.InvariantCulture);
        await RecordAsync(AuditActions.RejectedEventsList);
    }

    public sealed record Row(
        long Id, DateTimeOffset ReceivedAt, string RuleCode, string Field, int TimesReceived, RejectionStatus Status, int Replays, bool PayloadRetained);

    /// <summary>An outcome in words, for the page.</summary>
    public static string Describe(ReplayOutcome outcome) => outcome switch
    {
        ReplayOutcome.Stored => "stored",
        ReplayOutcome.AlreadyStored => "already stored",
        ReplayOutcome.StillRejected => "still rejected",
        ReplayOutcome.PayloadExpired => "payload expired: it can no longer be replayed",
        ReplayOutcome.NotOpen => "not open: resolved already",
        _ => "not found",
    };
}
