using System.Globalization;
using AccreditationReporting.Audit;
using AccreditationReporting.Storage;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace AccreditationReporting.StaffConsole.Pages;

/// <summary>
/// The audit trail for the auditor, newest first and filtered as the API's ListAuditEvents, and the
/// check of its hash chain as VerifyAuditTrail; each recorded as those calls are.
/// </summary>
[Authorize(Policy = ConsolePolicies.ReadAuditTrail)]
internal sealed class AuditModel(ReportingDbContext db, AuditVerifier verifier, CallAudit audit, IAuthorizationService authorization)
    : ConsolePage(audit, authorization)
{
    public const int PageSize = 25;
    private static readonly string[] TimeFormats = ["yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd'T'HH:mm:ss"];

    [BindProperty(SupportsGet = true)]
    public FilterForm Filter { get; set; } = new();

    public List<AuditEvent> Entries { get; private set; } = [];

    /// <summary>The <c>before</c> of the next page, when there is one.</summary>
    public long? Older { get; private set; }

    public AuditVerification? Verification { get; private set; }

    public async Task<IActionResult> OnGetAsync(long? before)
    {
        var (from, to) = Validate();
        if (ModelState.ErrorCount > 0)
        {
            return Page();
        }

        var query = db.AuditEvents.AsNoTracking().Where(e => e.Id < (before ?? long.MaxValue));
        if (Filter.Actor is { Length: > 0 } actor)
        {
            query = query.Where(e => e.ActorSubject == actor || e.ActorName == actor);
            Audit.Details["actor"] = actor;
        }

        if (Filter.Action is { Length: > 0 } action)
        {
            query = query.Where(e => e.Action == action);
            Audit.Details["action"] = action;
        }

        if (Filter.Target is { Length: > 0 } target)
        {
            query = query.Where(e => e.Target == target);
            Audit.Target = target;
        }

        if (from is { } since)
        {
            query = query.Where(e => e.At >= since);
        }

        if (to is { } until)
        {
            query = query.Where(e => e.At < until);
        }

        var page = await query.OrderByDescending(e => e.Id).Take(PageSize + 1).ToListAsync(HttpContext.RequestAborted);
        Entries = page.Take(PageSize).ToList();
        Older = page.Count > PageSize ? Entries[^1].Id : null;
        await RecordAsync(AuditActions.AuditList);
        return Page();
    }

    public async Task<IActionResult> OnGetVerifyAsync()
    {
        var result = await verifier.VerifyAsync(HttpContext.RequestAborted);
        Audit.Details["intact"] = result.FirstBrokenId is null ? "true" : "false";
        Audit.Details["entries_checked"] = result.EntriesChecked.ToString(CultureInfo.InvariantCulture);
        if (result.PurgedThrough > 0)
        {
            Audit.Details["purged_through"] = result.PurgedThrough.ToString(CultureInfo.InvariantCulture);
        }

        if (result.FirstBrokenId is { } broken)
        {
            Audit.Details["first_broken_id"] = broken.ToString(CultureInfo.InvariantCulture);
        }

        await RecordAsync(AuditActions.AuditVerify);
        Verification = result;
        return Page();
    }

    /// <summary>The query string of this filter, for the next page's link.</summary>
    public string FilterQuery() => string.Join("&", new[]
        {
            ("Filter.Actor", Filter.Actor), ("Filter.Action", Filter.Action), ("Filter.Target", Filter.Target),
            ("Filter.From", Filter.From), ("Filter.To", Filter.To),
        }
        .Where(p => !string.IsNullOrEmpty(p.Item2))
        .Select(p => $"{p.Item1}={Uri.EscapeDataString(p.Item2!)}"));

    private (DateTimeOffset? From, DateTimeOffset? To) Validate()
    {
        foreach (var (field, value) in new[] { ("Filter.Actor", Filter.Actor), ("Filter.Action", Filter.Action), ("Filter.Target", Filter.Target) })
        {
            if (value is { Length: > AuditActor.MaxLength })
            {
                ModelState.AddModelError(field, $"Keep this to at most {AuditActor.MaxLength} characters.");
            }
        }

        var from = Time("Filter.From", Filter.From);
        var to = Time("Filter.To", Filter.To);
        if (from is not null && to is not null && to < from)
        {
            ModelState.AddModelError("Filter.To", "This is before the From time; give a later one.");
        }

        return (from, to);
    }

    private DateTimeOffset? Time(string field, string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        if (DateTime.TryParseExact(value, TimeFormats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed))
        {
            return new DateTimeOffset(parsed, TimeSpan.Zero);
        }

        ModelState.AddModelError(field, "Give a date and time in UTC, such as 2030-01-31T14:00.");
        return null;
    }

    /// <summary>The filter as typed: strings, so a wrong value is answered in words next to its field.</summary>
    public sealed class FilterForm
    {
        public string? Actor { get; set; }
        public string? Action { get; set; }
        public string? Target { get; set; }
        public string? From { get; set; }
        public string? To { get; set; }
    }
}
