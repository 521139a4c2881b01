using AccreditationReporting.Access;
using AccreditationReporting.Hosting;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;

namespace AccreditationReporting.StaffConsole;

/// <summary>
/// The compliance console: Razor Pages served by the service itself, signed in with a cookie. In a
/// deployment the cookie comes from the identity provider the API trusts (OpenID Connect); in
/// Development and the demo a sign-in page lets a developer pick a role, and nowhere else does that
/// page exist.
/// </summary>
public static class ConsoleExtensions
{
    public const string CookieScheme = "console";
    public const string OpenIdConnectScheme = "console-oidc";
    public const string OpenIdConnectSection = "Console:OpenIdConnect";

    public const string SignInPath = "/console/sign-in";
    public const string AccessDeniedPath = "/console/access-denied";

    public static IHostApplicationBuilder AddConsole(this IHostApplicationBuilder builder)
    {
        var developmentSignIn = builder.AllowsEmbeddedDefaults();
        var configuration = builder.Configuration;
        var bearer = configuration.GetSection(AccessExtensions.Section);
        var oidc = configuration.GetSection(OpenIdConnectSection);
        var authority = oidc["Authority"] is { Length: > 0 } own ? own : bearer["Authority"];

        // A client of its own: an ID token issued to the console must not carry an audience the API
        // takes, or it would pass as a bearer token.
        var clientId = oidc["ClientId"];
        var apiAudiences = bearer.GetSection("ValidAudiences").GetChildren().Select(a => a.Value)
            .Append(bearer["Audience"]).Append(bearer["ValidAudience"]).OfType<string>();
        if (clientId is { Length: > 0 } && apiAudiences.Contains(clientId, StringComparer.Ordinal))
        {
            throw new StartupProblemException(
                $"{OpenIdConnectSection}:ClientId is one of the API's audiences ({AccessExtensions.Section}); give the console a client of its own");
        }

        var useOpenIdConnect = !string.IsNullOrWhiteSpace(authority) && !string.IsNullOrWhiteSpace(clientId);

        builder.Services.AddRazorPages(options =>
        {
            options.RootDirectory = "/Console/Pages";
            if (!developmentSignIn)
            {
                // Not hidden behind a check: outside Development and the demo the page has no route at all.
                options.Conventions.AddPageRouteModelConvention("/SignIn", page => page.Selectors.Clear());
            }
        });

        // Added beside the bearer scheme, which stays the default: only the console's policies name
        // the cookie, so a gRPC call is never authenticated by it.
        var authentication = builder.Services.AddAuthentication().AddCookie(CookieScheme, options =>
        {
            options.Cookie.Name = "accreditation-console";
            options.Cookie.HttpOnly = true;
            options.Cookie.SameSite = SameSiteMode.Lax;
            options.Cookie.Path = "/console";

            // Outside Development and the demo the console is reached over TLS (at a proxy, perhaps,
            // with cleartext behind it): the cookie never travels without it.
            options.Cookie.SecurePolicy = developmentSignIn ? CookieSecurePolicy.SameAsRequest : CookieSecurePolicy.Always;
            options.ExpireTimeSpan = TimeSpan.FromHours(8);
            options.SlidingExpiration = false;
            options.AccessDeniedPath = AccessDeniedPath;
            if (useOpenIdConnect)
            {
                options.ForwardChallenge = OpenIdConnectScheme;
            }
            else if (developmentSignIn)
            {
                options.LoginPath = SignInPath;
            }
            else
            {
                // No way to sign in is configured: say 401 rather than redirect to a page that is not there.
                options.Events.OnRedirectToLogin = context =>
                {
                    context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                    return Task.CompletedTask;
                };
            }
        });

        if (useOpenIdConnect)
        {
            var roleClaimType = AccessExtensions.RoleClaimType(configuration);
            authentication.AddOpenIdConnect(OpenIdConnectScheme, options =>
            {
                options.SignInScheme = CookieScheme;
                options.Authority = authority;
                options.ClientId = clientId;
                options.ClientSecret = oidc["ClientSecret"] is { Length: > 0 } secret ? secret : null;
                options.ResponseType = OpenIdConnectResponseType.Code;
                options.UsePkce = true;
                options.CallbackPath = "/console/signin-oidc";
                options.SignedOutCallbackPath = "/console/signout-callback-oidc";
                options.Scope.Clear();
                options.Scope.Add("openid");
                options.Scope.Add("profile");
                options.SaveTokens = false;

                // As for the API's tokens: claims keep the provider's names, roles in the same claim.
                options.MapInboundClaims = false;
                options.TokenValidationParameters.NameClaimType = "name";
                options.TokenValidationParameters.RoleClaimType = roleClaimType;
                if (bearer["RequireHttpsMetadata"] is { } requireHttps && bool.TryParse(requireHttps, out var required))
                {
                    options.RequireHttpsMetadata = required;
                }
            });
        }

        builder.AddConsoleKeys();
        builder.Services.AddSingleton(new ConsoleSignIn(developmentSignIn, useOpenIdConnect));
        ConsolePolicies.Add(builder.Services.AddAuthorizationBuilder());
        return builder;
    }

    public static WebApplication MapConsole(this WebApplication app)
    {
        var signIn = app.Services.GetRequiredService<ConsoleSignIn>();
        if (!signIn.Development && !signIn.OpenIdConnect)
        {
            app.Logger.LogWarning(
                "The console has no sign-in: set {Bearer}:Authority and {Section}:ClientId (and ClientSecret) for the identity provider",
                AccessExtensions.Section, OpenIdConnectSection);
        }

        if (!signIn.Development && !app.Services.GetRequiredService<ConsoleKeyRing>().Shared)
        {
            app.Logger.LogWarning(
                "The console's keys are this instance's own: a browser signed in here is signed out by a restart and unknown to other instances; set {Section}:CertificatePath and :KeyPath to keep them in PostgreSQL",
                ConsoleKeys.Section);
        }

        app.Use(ProtectPages);
        app.MapStaticAssets().AllowAnonymous();
        app.MapRazorPages();
        app.MapGet("/console/batches/{id:long}/file", BatchDownload.HandleAsync)
            .RequireAuthorization(ConsolePolicies.DownloadBatches)
            .WithMetadata(new Audit.AuditedAttribute(Audit.AuditActions.BatchDownload));

        // Any other path under /console is a page that does not exist (the development sign-in in
        // a deployment among them), not a request for a bearer token.
        app.MapFallback("/console/{**rest}", () => Results.NotFound()).AllowAnonymous();
        return app;
    }

    /// <summary>
    /// Pages that show learners' data and carry one-click actions (reveal, erase) run only their
    /// own scripts and styles, are never framed by another site (no clickjacking of those buttons)
    /// and send no referrer to links that leave them.
    /// </summary>
    private static Task ProtectPages(HttpContext context, RequestDelegate next)
    {
        if (context.Request.Path.StartsWithSegments("/console"))
        {
            context.Response.OnStarting(() =>
            {
                var headers = context.Response.Headers;
                headers.ContentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";
                headers.XFrameOptions = "DENY";
                headers.XContentTypeOptions = "nosniff";
                headers["Referrer-Policy"] = "no-referrer";
                return Task.CompletedTask;
            });
        }

        return next(context);
    }
}

/// <summary>How people sign in to the console here: the development page, the identity provider, or both.</summary>
public sealed record ConsoleSignIn(bool Development, bool OpenIdConnect);
