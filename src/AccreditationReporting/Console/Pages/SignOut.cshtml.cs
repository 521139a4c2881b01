using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace AccreditationReporting.StaffConsole.Pages;

/// <summary>Ends the console's cookie; a POST with the antiforgery token, so no other site can sign someone out.</summary>
[Authorize(AuthenticationSchemes = ConsoleExtensions.CookieScheme)]
internal sealed class SignOutModel : PageModel
{
    public IActionResult OnGet() => NotFound();

    public async Task<IActionResult> OnPostAsync()
    {
        await HttpContext.SignOutAsync(ConsoleExtensions.CookieScheme);
        return LocalRedirect("/console");
    }
}
