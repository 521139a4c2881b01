using System.Security.Cryptography;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace AccreditationReporting.Access;

/// <summary>
/// Tokens for the <c>demo</c> verb: without token settings it makes a signing key that lives only as
/// long as the process, and mints tokens with whichever offline key is configured (its own, or the
/// one <c>dotnet user-jwts</c> wrote to the user secrets). Never used outside Development and the demo.
/// </summary>
public static class DevelopmentTokens
{
    public const string Issuer = "accreditation-reporting-demo";
    public const string Audience = "accreditation-reporting";

    public static IHostApplicationBuilder AddDevelopmentTokens(this IHostApplicationBuilder builder)
    {
        if (AccessExtensions.TokensConfigured(builder.Configuration))
        {
            return builder;
        }

        const string section = AccessExtensions.Section;
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            [$"{section}:ValidIssuer"] = Issuer,
            [$"{section}:ValidAudiences:0"] = Audience,
            [$"{section}:SigningKeys:0:Issuer"] = Issuer,
            [$"{section}:SigningKeys:0:Value"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
        });
        return builder;
    }

    /// <summary>A token signed with the first configured offline key; null when only an authority is configured.</summary>
    public static string? Mint(IConfiguration configuration, string subject, string name, IReadOnlyList<string> roles, DateTimeOffset now, TimeSpan lifetime)
    {
        var section = configuration.GetSection(AccessExtensions.Section);
        var key = section.GetSection("SigningKeys").GetChildren().FirstOrDefault();
        var audience = section.GetSection("ValidAudiences").GetChildren().FirstOrDefault()?.Value ?? section["ValidAudience"] ?? section["Audience"];
        if (key?["Value"] is not { } value || audience is null)
        {
            return null;
        }

        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = key["Issuer"] ?? section["ValidIssuer"],
            Audience = audience,
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime,
            Expires = (now + lifetime).UtcDateTime,
            Claims = new Dictionary<string, object>
            {
                ["sub"] = subject,
                ["name"] = name,
                [configuration[AccessExtensions.RoleClaimTypeSetting] is { Length: > 0 } roleClaim ? roleClaim : "role"] = roles.ToArray(),
            },
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Convert.FromBase64String(value)), SecurityAlgorithms.HmacSha256),
        });
    }
}
