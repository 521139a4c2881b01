using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace AccreditationReporting.StaffConsole.Pages;

/// <summary>Where a refused request is sent: a page that says so, answered as 403.</summary>
[AllowAnonymous]
internal sealed class AccessDeniedModel : PageModel
{
    public void OnGet() => Response.StatusCode = StatusCodes.Status403Forbidden;
}
