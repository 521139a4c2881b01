using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace AccreditationReporting.StaffConsole.Pages;

/// <summary>Ends the console's cookie; a POST with the antiforgery token, so no other site can sign someone out.</summary>
[Authorize(AuthenticationSchemes = ConsoleExtensions.CookieScheme)]
internal sealed class SignOutModel(ConsoleSignIn signIn) : PageModel
{
    public IActionResult OnGet() => NotFound();

    public async Task<IActionResult> OnPostAsync()
    {
        await HttpContext.SignOutAsync(ConsoleExtensions.CookieScheme);
        if (signIn.OpenIdConnect)
        {
            // At the identity provider too: otherwise the next visit would sign the person straight
            // back in, which matters on a shared machine.
            return SignOut(new AuthenticationProperties { RedirectUri = "/console" }, ConsoleExtensions.OpenIdConnectScheme);
        }

        return LocalRedirect("/console");
    }
}
