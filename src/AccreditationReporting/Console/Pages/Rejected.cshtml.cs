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

    /// <summary>The rule code and field the list is narrowed to, when one was chosen.</summary>
    public string? Rule { get; private set; }

    public string? Field { get; private set; }

    /// <summary>How many rejections of the chosen status break each rule at each field.</summary>
    public List<Group> ByRuleAndField { get; private set; } = [];

    public List<Row> Rejections { get; private set; } = [];

    /// <summary>The <c>before</c> of the next page, when there is one.</summary>
    public long? Older { get; private set; }

    /// <summary>What the replay just asked for became, one line per rejection.</summary>
    public IReadOnlyList<ReplayResult>? Replayed { get; private set; }

    public async Task<IActionResult> OnGetAsync(string? status, string? rule, string? field, long? before)
    {
        if (status is not null && !Statuses.Contains(status))
        {
            ModelState.AddModelError("status", $"Choose one of {string.Join(", ", Statuses)}.");
            status = null;
        }

        await LoadAsync(status ?? "open", before, Blank(rule), Blank(field));
        return Page();
    }

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

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
        await LoadAsync("open", before: null, rule: null, field: null);
        return Page();
    }

    private async Task LoadAsync(string status, long? before, string? rule, string? field)
    {
        (Status, Rule, Field) = (status, rule, field);
        var ofStatus = status switch
        {
            "resolved" => db.RejectedEvents.AsNoTracking().Where(r => r.Status == RejectionStatus.Resolved),
            "any" => db.RejectedEvents.AsNoTracking(),
            _ => db.RejectedEvents.AsNoTracking().Where(r => r.Status == RejectionStatus.Open),
        };
        ByRuleAndField = (await ofStatus
                .GroupBy(r => new { r.RuleCode, r.Field })
                .Select(g => new { g.Key.RuleCode, g.Key.Field, Count = g.Count() })
                .OrderByDescending(g => g.Count).ThenBy(g => g.RuleCode).ThenBy(g => g.Field)
                .ToListAsync(HttpContext.RequestAborted))
            .Select(g => new Group(g.RuleCode, g.Field, g.Count)).ToList();

        var upTo = before ?? long.MaxValue;
        var query = ofStatus.Where(r => r.Id < upTo);
        if (rule is not null)
        {
            query = query.Where(r => r.RuleCode == rule);
        }

        if (field is not null)
        {
            query = query.Where(r => r.Field == field);
        }

        // Only what the table shows: the payload and the learner ID are personal data, and stay unread.
        var page = await query.OrderByDescending(r => r.Id).Take(PageSize + 1)
            .Select(r => new Row(r.Id, r.ReceivedAt, r.RuleCode, r.Field, r.TimesReceived, r.Status, r.Replays, r.Payload != null))
            .ToListAsync(HttpContext.RequestAborted);
        Rejections = page.Take(PageSize).ToList();
        Older = page.Count > PageSize ? Rejections[^1].Id : null;

        Audit.Target = null;
        Audit.Details.Clear();
        Audit.Details["status"] = status;
        if (rule is not null)
        {
            Audit.Details["rule"] = rule;
        }

        if (field is not null)
        {
            Audit.Details["field"] = field;
        }

        Audit.Details["rejected_events"] = Rejections.Count.ToString(CultureInfo.InvariantCulture);
        await RecordAsync(AuditActions.RejectedEventsList);
    }

    public sealed record Group(string RuleCode, string Field, int Count);

    /// <summary>The list's address with this status, rule and field (and page), for links that keep the filter.</summary>
    public string Link(string? rule, string? field, long? before = null)
    {
        var query = new Dictionary<string, string?> { ["status"] = Status, ["rule"] = rule, ["field"] = field };
        if (before is { } older)
        {
            query["before"] = older.ToString(CultureInfo.InvariantCulture);
        }

        return Microsoft.AspNetCore.WebUtilities.QueryHelpers.AddQueryString("/console/rejected", query.Where(q => q.Value is not null));
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
