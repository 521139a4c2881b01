using AccreditationReporting.Audit;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace AccreditationReporting.StaffConsole;

/// <summary>
/// What every console page shares: the call's audit (the actor is the cookie's principal, read the
/// same way as a token's) and the check of a handler's own policy. Razor Pages authorise a page,
/// not a handler, so a page whose actions need more than reading checks them here, and a refusal
/// is recorded as the API records one.
/// </summary>
internal abstract class ConsolePage(CallAudit audit, IAuthorizationService authorization) : PageModel
{
    protected CallAudit Audit { get; } = audit;

    protected async Task<bool> MayAsync(string policy) => (await authorization.AuthorizeAsync(User, policy)).Succeeded;

    /// <summary>Records the refusal under <paramref name="action"/> and answers with the console's 403 page.</summary>
    protected async Task<IActionResult> RefusedAsync(string action)
    {
        Audit.Details["via"] = "console";
        await Audit.RecordAsync(action, AuditOutcomes.PermissionDenied, CancellationToken.None);
        return Forbid(ConsoleExtensions.CookieScheme);
    }

    protected Task RecordAsync(string action, string outcome = AuditOutcomes.Ok, int? rowCount = null, string? sha256 = null)
    {
        Audit.Details["via"] = "console";
        return Audit.RecordAsync(action, outcome, HttpContext.RequestAborted, rowCount, sha256);
    }
}
