using System.Security.Claims;
using AccreditationReporting.Access;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace AccreditationReporting.StaffConsole.Pages;

/// <summary>
/// Development and the demo only (<see cref="ConsoleExtensions"/> removes its route elsewhere): signs
/// the browser in as a made-up person holding one console role, with the claims an identity provider
/// would give (subject, name, the configured role claim), so the audit trail names them the same way.
/// </summary>
[AllowAnonymous]
internal sealed class SignInModel(IConfiguration configuration) : PageModel
{
    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    [BindProperty]
    public string? Role { get; set; }

    public void OnGet()
    {
        Role ??= StaffRoles.Compliance;
    }

    public async Task<IActionResult> OnPostAsync()
    {
        if (Role is null || !ConsolePolicies.Roles.Contains(Role))
        {
            ModelState.AddModelError(nameof(Role), $"Choose one of the roles: {string.Join(", ", ConsolePolicies.Roles)}.");
            return Page();
        }

        var roleClaimType = AccessExtensions.RoleClaimType(configuration);
        var identity = new ClaimsIdentity(
            [new Claim("sub", $"development-{Role}"), new Claim("name", $"Development {Role}"), new Claim(roleClaimType, Role)],
            authenticationType: "console-development", nameType: "name", roleType: roleClaimType);
        await HttpContext.SignInAsync(ConsoleExtensions.CookieScheme, new ClaimsPrincipal(identity));
        return LocalRedirect(Url.IsLocalUrl(ReturnUrl) ? ReturnUrl : "/console");
    }
}
