using System.Net;
using AccreditationReporting.Hosting;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.HttpOverrides;

namespace AccreditationReporting.Access;

/// <summary>
/// Who may call the API: a JWT bearer token on every call (ASP.NET Core's standard section
/// <c>Authentication:Schemes:Bearer</c>, the one <c>dotnet user-jwts</c> writes), one policy per
/// method, and a fallback that refuses a method nobody gave a policy.
/// </summary>
public static class AccessExtensions
{
    public const string Section = "Authentication:Schemes:Bearer";

    /// <summary>Where the roles are in the token; <c>role</c> unless the identity provider uses another claim.</summary>
    public const string RoleClaimTypeSetting = Section + ":RoleClaimType";

    public static IHostApplicationBuilder AddAccessControl(this IHostApplicationBuilder builder)
    {
        var roleClaimType = RoleClaimType(builder.Configuration);
        var section = builder.Configuration.GetSection(Section);
        builder.Services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer();
        builder.Services.PostConfigure<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme, options =>
        {
            // Claims keep the names the identity provider gave them ("role", "sub", "azp").
            options.MapInboundClaims = false;
            var parameters = options.TokenValidationParameters;
            parameters.RoleClaimType = roleClaimType;

            // The configuration reader takes ValidAudience(s) but not Audience, the name identity
            // providers' guides use beside Authority: both are audiences here.
            var audiences = (parameters.ValidAudiences ?? []).Concat(
                new[] { section["Audience"], section["ValidAudience"] }.OfType<string>().Where(a => a.Length > 0)).Distinct().ToList();
            parameters.ValidAudiences = audiences;
            if (section["RequireHttpsMetadata"] is { } requireHttps && bool.TryParse(requireHttps, out var required))
            {
                options.RequireHttpsMetadata = required;
            }

            parameters.NameClaimType = "name";

            // The configuration reader turns these off when no issuer or audience is configured; a
            // token for any audience would then be accepted. Without them every token is refused.
            parameters.ValidateIssuer = true;
            parameters.ValidateAudience = true;
            parameters.ValidateLifetime = true;
            parameters.RequireExpirationTime = true;
            parameters.ClockSkew = TimeSpan.FromMinutes(1);
        });

        var authorization = builder.Services.AddAuthorizationBuilder()
            // A method without a policy of its own is closed to everyone, not open.
            .SetFallbackPolicy(new AuthorizationPolicyBuilder()
                .RequireAuthenticatedUser()
                .RequireAssertion(_ => false)
                .Build());
        foreach (var (policy, roles) in AccessPolicies.Roles)
        {
            authorization.AddPolicy(policy, p => p.RequireAuthenticatedUser().RequireRole(roles));
        }

        builder.Services.AddSingleton<IAuthorizationMiddlewareResultHandler, RefusedCalls>();
        var proxies = KnownProxies.Read(builder.Configuration);
        builder.Services.Configure<ForwardedHeadersOptions>(options => KnownProxies.Configure(options, proxies));
        return builder;
    }

    /// <summary>The claim that holds the roles, for the API's tokens and the console's sign-in alike.</summary>
    public static string RoleClaimType(IConfiguration configuration) =>
        configuration[RoleClaimTypeSetting] is { Length: > 0 } configured ? configured : "role";

    public static WebApplication UseAccessControl(this WebApplication app)
    {
        if (app.Environment.IsDevelopment() && !TokensConfigured(app.Configuration))
        {
            // Elsewhere the start stops: in Development the API is closed, not open.
            app.Logger.LogWarning(
                "No token settings ({Section}): every API call will be refused. Mint development tokens with: dotnet user-jwts create --project src/AccreditationReporting --role compliance",
                Section);
        }

        app.UseForwardedHeaders();
        app.UseAuthentication();
        app.UseAuthorization();
        return app;
    }

    /// <summary>
    /// Whether tokens can be validated: an audience, and an authority to discover keys from or an
    /// offline key whose issuer is a valid issuer (the configuration reader ignores any other key).
    /// </summary>
    public static bool TokensConfigured(IConfiguration configuration)
    {
        var section = configuration.GetSection(Section);
        var hasAudience = section["Audience"] is { Length: > 0 } || section["ValidAudience"] is { Length: > 0 } || section.GetSection("ValidAudiences").GetChildren().Any();
        var issuers = section.GetSection("ValidIssuers").GetChildren().Select(i => i.Value).Append(section["ValidIssuer"]).OfType<string>().ToHashSet(StringComparer.Ordinal);
        var hasUsableKey = section.GetSection("SigningKeys").GetChildren().Any(k => k["Value"] is { Length: > 0 } && k["Issuer"] is { } issuer && issuers.Contains(issuer));
        return hasAudience && (section["Authority"] is { Length: > 0 } || hasUsableKey);
    }
}

/// <summary>
/// <c>X-Forwarded-For</c> is believed only from the proxies a deployment names
/// (<c>ForwardedHeaders:KnownProxies</c>, IP addresses); ASP.NET Core's default would trust any
/// loopback peer, which lets a local process claim any address.
/// </summary>
internal static class KnownProxies
{
    public const string Setting = "ForwardedHeaders:KnownProxies";

    public static List<IPAddress> Read(IConfiguration configuration) =>
        configuration.GetSection(Setting).GetChildren()
            .Select(entry => IPAddress.TryParse(entry.Value, out var address)
                ? address
                : throw new StartupProblemException($"{Setting}:{entry.Key} is not an IP address"))
            .ToList();

    public static void Configure(ForwardedHeadersOptions options, IReadOnlyList<IPAddress> proxies)
    {
        // With both lists empty ASP.NET Core would believe the header from anyone: no proxies
        // configured means the header is not read at all.
        // The scheme too, from the same proxies only: the console's sign-in builds its return address from it.
        options.ForwardedHeaders = proxies.Count > 0 ? ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto : ForwardedHeaders.None;
        options.KnownProxies.Clear();
        options.KnownIPNetworks.Clear();
#pragma warning disable ASPDEPR005 // The older list still holds the loopback default, and is still read.
        options.KnownNetworks.Clear();
#pragma warning restore ASPDEPR005
        foreach (var proxy in proxies)
        {
            options.KnownProxies.Add(proxy);
        }
    }
}
